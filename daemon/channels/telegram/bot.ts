import { Api, type Transformer } from 'grammy';
import { autoRetry, type AutoRetryOptions } from '@grammyjs/auto-retry';
import { apiThrottler, type APIThrottlerOptions } from '@grammyjs/transformer-throttler';
import { sleep } from '../../sleep.js';

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
  /**
   * grammY throttler (Bottleneck settings) for ordinary messages; the plugin's defaults follow Telegram's
   * published limits (a private chat: one a second). Calls made with an `express` signal skip it.
   */
  throttle?: APIThrottlerOptions;
  /** Closed at shutdown: see WireGate. */
  gate?: WireGate;
  /** Marks the calls that skip the throttler (see Express). */
  express?: Express;
}

export const DEFAULT_RETRY: Partial<AutoRetryOptions> = { maxDelaySeconds: 60, maxRetryAttempts: 3, rethrowHttpErrors: true };

/**
 * A grammY Api for the bot token, with the plugins in the order they must wrap each other: the gate's
 * outer half outermost (it may give up on a call wherever it waits), auto-retry (so each retry is
 * throttled again), the throttler (skipped by express calls), the chat's retry_after block, the gate's inner
 * half, then the per-attempt timeout.
 */
export function createBotApi(token: string, o: BotApiOptions): Api {
  const pollTimeout = o.pollTimeoutSeconds ?? 30;
  const api = new Api(token, { apiRoot: o.apiRoot.replace(/\/+$/, ''), timeoutSeconds: pollTimeout + 30 });
  api.config.use(attemptTimeout(o.attemptTimeoutMs ?? 30_000));
  if (o.gate) api.config.use(o.gate.inner());
  api.config.use(obeyRetryAfter());
  const throttler = apiThrottler(o.throttle);
  const express = o.express;
  api.config.use(express ? (prev, method, payload, signal) => (express.has(signal) ? prev(method, payload, signal) : throttler(prev, method, payload, signal)) : throttler);
  api.config.use(autoRetry({ ...DEFAULT_RETRY, ...o.retry }));
  if (o.gate) api.config.use(o.gate.outer());
  return api;
}

/**
 * The calls that go past the throttler's pacing: what a session is blocked on (a permission request, a
 * question) must not wait a second behind an idle notice. Such a call is held back only by what Telegram
 * answers (see obeyRetryAfter). The mark travels on the call's abort signal, the one thing grammY hands
 * through every transformer unchanged without sending it.
 */
export class Express {
  readonly #signals = new WeakSet<object>();

  /** A signal (following `base`) that marks one call as express. */
  signal(base: AbortSignal): ApiSignal {
    const s = AbortSignal.any([base]);
    this.#signals.add(s);
    return apiSignal(s);
  }

  has(signal: unknown): boolean {
    return typeof signal === 'object' && signal !== null && this.#signals.has(signal);
  }
}

/**
 * Telegram's own word on pacing: after a 429 with retry_after for a chat, no call to that chat goes on the
 * wire before that time, express or not (a call sent into the block would only earn another 429). The wait
 * ends early when the call is aborted; the call then fails as aborted calls do.
 */
function obeyRetryAfter(now: () => number = Date.now): Transformer {
  const blockedUntil = new Map<string, number>();
  return async (prev, method, payload, signal) => {
    const chat = isObject(payload) && 'chat_id' in payload ? String((payload as { chat_id: unknown }).chat_id) : null;
    if (chat === null) return prev(method, payload, signal);
    const wait = (blockedUntil.get(chat) ?? 0) - now();
    if (wait > 0) {
      const s = signal as unknown as AbortSignal | undefined;
      await sleep(wait, s ?? new AbortController().signal);
      if (s?.aborted) throw new Error(`${method} aborted while Telegram's retry_after was running`);
    }
    const result = await prev(method, payload, signal);
    const after = result.ok ? undefined : result.parameters?.retry_after;
    if (!result.ok && result.error_code === 429 && typeof after === 'number') {
      blockedUntil.set(chat, Math.max(blockedUntil.get(chat) ?? 0, now() + after * 1000));
    }
    return result;
  };
}

/** A call refused because the channel is stopping; it was never sent, so it is still queued as it was. */
export class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

/**
 * Shutdown without waiting for the throttler. The throttler holds calls in its own queue (one a second per
 * private chat, twenty a minute per group) and ignores abort signals there: at stop, forty sessions'
 * messages would take forty seconds to drain. Two transformers share this gate: `outer()` wraps every call
 * and `inner()` sits between the throttler and the network. `close()` makes each call that has not reached
 * the network fail at once with StoppingError (it was never sent, so it stays in the outbox as it was),
 * and the inner one refuses, unsent, whatever the throttler releases later. Calls already on the wire are
 * left to finish, so that what Telegram accepted is recorded and never sent twice.
 */
export class WireGate {
  /** Payloads of calls on the wire, or answered ok: these must run to the end. */
  readonly #sent = new WeakSet<object>();
  readonly #waiting = new Set<() => void>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    for (const abandon of [...this.#waiting]) abandon();
  }

  outer(): Transformer {
    return (prev, method, payload, signal) => {
      const call = prev(method, payload, signal);
      if (method === 'getUpdates' || !isObject(payload)) return call;
      return new Promise((resolve, reject) => {
        const abandon = (): void => {
          if (this.#sent.has(payload)) return;
          this.#waiting.delete(abandon);
          reject(new StoppingError(`not sending ${method}: the Telegram channel is stopping`));
        };
        this.#waiting.add(abandon);
        call.then(resolve, reject).finally(() => this.#waiting.delete(abandon));
      });
    };
  }

  inner(): Transformer {
    return async (prev, method, payload, signal) => {
      if (method === 'getUpdates' || !isObject(payload)) return prev(method, payload, signal);
      if (this.#closed) throw new StoppingError(`not sending ${method}: the Telegram channel is stopping`);
      this.#sent.add(payload);
      try {
        const result = await prev(method, payload, signal);
        // Refused (a 429 to retry, a 400): nothing was accepted, so a retry may be abandoned again.
        if (!result.ok) this.#sent.delete(payload);
        return result;
      } catch (err) {
        this.#sent.delete(payload);
        throw err;
      }
    };
  }
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

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
