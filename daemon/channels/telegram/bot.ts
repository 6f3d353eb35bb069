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
  /** Closed at shutdown: see WireGate. */
  gate?: WireGate;
}

export const DEFAULT_RETRY: Partial<AutoRetryOptions> = { maxDelaySeconds: 60, maxRetryAttempts: 3, rethrowHttpErrors: true };

/**
 * A grammY Api for the bot token, with the plugins in the order they must wrap each other: auto-retry
 * outermost (so each retry is throttled again), then the throttler, then the per-attempt timeout.
 */
export function createBotApi(token: string, o: BotApiOptions): Api {
  const pollTimeout = o.pollTimeoutSeconds ?? 30;
  const api = new Api(token, { apiRoot: o.apiRoot.replace(/\/+$/, ''), timeoutSeconds: pollTimeout + 30 });
  if (o.gate) api.config.use(o.gate.transformer());
  api.config.use(attemptTimeout(o.attemptTimeoutMs ?? 30_000));
  api.config.use(apiThrottler(o.throttle));
  api.config.use(autoRetry({ ...DEFAULT_RETRY, ...o.retry }));
  return api;
}

/** A call refused because the channel is stopping; it was never sent, so it is still queued as it was. */
export class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

/**
 * The last step before the network. The throttler holds calls in its own queue (one a second per private
 * chat, twenty a minute per group) and ignores abort signals there: at shutdown, forty sessions' messages
 * would take forty seconds to drain. Once the gate is closed, a call the throttler lets through is refused
 * unsent (StoppingError) and stays in the outbox for the next start; `drained()` waits only for the calls
 * already on the wire, so that what Telegram accepted is recorded and never sent twice.
 */
export class WireGate {
  readonly #onWire = new Set<Promise<unknown>>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  /** Resolves true once no call is on the wire, or false after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = (async (): Promise<true> => {
      while (this.#onWire.size > 0) await Promise.allSettled([...this.#onWire]);
      return true;
    })();
    const result = await Promise.race([done, late]);
    clearTimeout(timer);
    return result;
  }

  transformer(): Transformer {
    return (prev, method, payload, signal) => {
      // getUpdates is the poller's, which stops on its own; it never carries an outbox message.
      if (method === 'getUpdates') return prev(method, payload, signal);
      if (this.#closed) return Promise.reject(new StoppingError(`not sending ${method}: the Telegram channel is stopping`));
      const call = prev(method, payload, signal);
      this.#onWire.add(call);
      const forget = (): void => void this.#onWire.delete(call);
      call.then(forget, forget);
      return call;
    };
  }
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
