import { setTimeout as delay } from 'node:timers/promises';
import type { EventBus } from '../events/bus.js';
import type { SessionEvent } from '../events/types.js';

/** Every event of one session from the moment of the call, so a check can wait for one that came early. */
export interface SessionEvents {
  /** The next event not yet looked at that matches `pred`, or null after `timeoutMs` or once stopped. */
  next(pred: (e: SessionEvent) => boolean, timeoutMs: number): Promise<SessionEvent | null>;
  /** Stops listening; a `next` still waiting returns null at once. */
  stop(): void;
}

export function watchSession(bus: EventBus, sessionId: () => string | null): SessionEvents {
  const seen: SessionEvent[] = [];
  let cursor = 0;
  const wakers = new Set<() => void>();
  let stopped = false;
  const unsubscribe = bus.subscribe((e) => {
    if (e.session_id !== sessionId()) return;
    seen.push(e);
    for (const wake of wakers) wake();
  });
  return {
    async next(pred, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < seen.length) {
          const e = seen[cursor++]!;
          if (pred(e)) return e;
        }
        const left = deadline - Date.now();
        if (left <= 0 || stopped) return null;
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(timer);
            wakers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, left);
          wakers.add(wake);
        });
      }
    },
    stop() {
      stopped = true;
      unsubscribe();
      for (const wake of wakers) wake();
    },
  };
}

/** Polls `probe` until it returns something other than undefined; undefined at the deadline or on abort. */
export async function pollUntil<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, o: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  const intervalMs = o.intervalMs ?? 100;
  for (;;) {
    if (o.signal?.aborted) return undefined;
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** `work`, or `fallback` when it takes longer than `ms` or `signal` aborts (the work is left to finish on its own). */
export async function within<T>(work: Promise<T>, ms: number, fallback: T, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    onAbort = () => resolve(fallback);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
