import { Api, type Transformer } from 'grammy';
import { autoRetry, type AutoRetryOptions } from '@grammyjs/auto-retry';
import { apiThrottler, type APIThrottlerOptions } from '@grammyjs/transformer-throttler';

export interface BotApiOptions {
  /** The Bot API base URL (config telegram.api_root); a trailing slash is dropped. */
  apiRoot: string;
  /**
   * Longest wait for one attempt of any call but getUpdates, in ms. Default 30 000. A call that hangs
   * longer fails and the outbox retries it, so one dead connection cannot hold a session's messages.
   */
  attemptTimeoutMs?: number;
  /** Longest getUpdates long poll, in seconds; the client allows it plus a margin. Default 30. */
  pollTimeoutSeconds?: number;
  /**
   * grammY auto-retry. Default: obey retry_after up to 60 s and retry 5xx three times; network errors are
   * passed on (rethrowHttpErrors) because the outbox retries them with a bounded backoff, where auto-retry
   * would back off for up to an hour.
   */
  retry?: Partial<AutoRetryOptions>;
  /** grammY throttler (Bottleneck settings); the plugin's defaults follow Telegram's published limits. */
  throttle?: APIThrottlerOptions;
}

export const DEFAULT_RETRY: Partial<AutoRetryOptions> = { maxDelaySeconds: 60, maxRetryAttempts: 3, rethrowHttpErrors: true };

/**
 * A grammY Api for the bot token, with the plugins in the order they must wrap each other: auto-retry
 * outermost (so each retry is throttled again), then the throttler, then the per-attempt timeout.
 */
export function createBotApi(token: string, o: BotApiOptions): Api {
  const pollTimeout = o.pollTimeoutSeconds ?? 30;
  const api = new Api(token, { apiRoot: o.apiRoot.replace(/\/+$/, ''), timeoutSeconds: pollTimeout + 30 });
  api.config.use(attemptTimeout(o.attemptTimeoutMs ?? 30_000));
  api.config.use(apiThrottler(o.throttle));
  api.config.use(autoRetry({ ...DEFAULT_RETRY, ...o.retry }));
  return api;
}

/** Aborts one attempt after `ms`; getUpdates is left alone (it waits on purpose). */
function attemptTimeout(ms: number): Transformer {
  return (prev, method, payload, signal) => {
    if (method === 'getUpdates') return prev(method, payload, signal);
    const timeout = AbortSignal.timeout(ms);
    // grammY types its signals with the abort-controller polyfill; Node's AbortSignal is what it gets at run time.
    const combined = signal ? AbortSignal.any([signal as unknown as AbortSignal, timeout]) : timeout;
    return prev(method, payload, combined as unknown as typeof signal);
  };
}

/** The bot's numeric id is the token's first part; it scopes the stored update offset without a network call. */
export function botIdOf(token: string): number {
  const id = Number(token.split(':')[0]);
  return Number.isSafeInteger(id) ? id : 0;
}

/** grammY's type for a signal (the abort-controller polyfill's); Node's AbortSignal is compatible at run time. */
export type ApiSignal = NonNullable<Parameters<Api['getMe']>[0]>;
export const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;
