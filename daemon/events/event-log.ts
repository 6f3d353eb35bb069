import type { EventBus } from './bus.js';
import type { SessionEvent } from './types.js';

export type NumberedEvent = SessionEvent & { seq: number };

/**
 * The local API's view of the event stream: the last `capacity` events, numbered, with long-poll waiting.
 * `csm` scripts, tests and any local UI read it through GET /events.
 */
export class EventLog {
  readonly #events: NumberedEvent[] = [];
  readonly #capacity: number;
  readonly #waiters = new Set<() => void>();
  #seq = 0;

  constructor(bus: EventBus, capacity = 1000) {
    this.#capacity = capacity;
    bus.subscribe((event) => {
      this.#events.push({ ...event, seq: ++this.#seq });
      if (this.#events.length > this.#capacity) this.#events.shift();
      for (const wake of this.#waiters) wake();
    });
  }

  get lastSeq(): number {
    return this.#seq;
  }

  after(seq: number, sessionId?: string): NumberedEvent[] {
    return this.#events.filter((e) => e.seq > seq && (!sessionId || e.session_id === sessionId));
  }

  /** Events after `seq`, waiting up to `waitMs` for the first one. */
  async wait(seq: number, waitMs: number, sessionId?: string, signal?: AbortSignal): Promise<NumberedEvent[]> {
    const ready = this.after(seq, sessionId);
    if (ready.length > 0 || waitMs <= 0) return ready;
    return new Promise((resolve) => {
      const done = (): void => {
        const events = this.after(seq, sessionId);
        if (events.length === 0 && !signal?.aborted && Date.now() < deadline) return;
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(events);
      };
      const deadline = Date.now() + waitMs;
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        resolve(this.after(seq, sessionId));
      }, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}
