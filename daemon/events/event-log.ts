import type { EventBus } from './bus.js';
import { boundValue } from './bound.js';
import type { SessionEvent } from './types.js';

/** `truncated`: some text of this copy was cut (see bound.ts); the channels got it whole. */
export type NumberedEvent = SessionEvent & { seq: number; truncated?: true };

export interface EventLogLimits {
  /** Most events kept. Default 1000. */
  maxEvents?: number;
  /** Most characters of JSON kept, all events together. Default 8 MiB. */
  maxChars?: number;
  /** Most characters of text one event's copy keeps. Default 64 KiB. */
  maxEventChars?: number;
}

/**
 * The local API's view of the event stream: the latest events, numbered, with long-poll waiting. `csm`
 * scripts, tests and any local UI read it through GET /events. It is bounded by size as well as by count,
 * and each copy by its own size: the oldest events make room, so a stream of huge events costs at most
 * `maxChars`, and one GET /events answer is never larger than that.
 */
export class EventLog {
  readonly #events: NumberedEvent[] = [];
  readonly #sizes: number[] = [];
  readonly #limits: Required<EventLogLimits>;
  readonly #waiters = new Set<() => void>();
  readonly #listeners = new Set<(event: NumberedEvent) => void>();
  #chars = 0;
  #seq = 0;

  constructor(bus: EventBus, limits: EventLogLimits = {}) {
    this.#limits = { maxEvents: 1000, maxChars: 8 * 1024 * 1024, maxEventChars: 64 * 1024, ...limits };
    bus.subscribe((event) => {
      const numbered = this.#add(event);
      for (const wake of this.#waiters) wake();
      for (const listener of this.#listeners) listener(numbered);
    });
  }

  get lastSeq(): number {
    return this.#seq;
  }

  /** Events and characters held now. */
  get footprint(): { events: number; chars: number } {
    return { events: this.#events.length, chars: this.#chars };
  }

  /** Each event as it is numbered (the dashboard's live stream, which resumes by seq). */
  listen(listener: (event: NumberedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #add(event: SessionEvent): NumberedEvent {
    const { value, cut } = boundValue(event, this.#limits.maxEventChars);
    const numbered: NumberedEvent = { ...value, seq: ++this.#seq, ...(cut ? { truncated: true as const } : {}) };
    const size = JSON.stringify(numbered).length;
    this.#events.push(numbered);
    this.#sizes.push(size);
    this.#chars += size;
    while (this.#events.length > 1 && (this.#events.length > this.#limits.maxEvents || this.#chars > this.#limits.maxChars)) {
      this.#events.shift();
      this.#chars -= this.#sizes.shift()!;
    }
    return numbered;
  }

  /** Retention: events that happened before `at` go (the log is bounded anyway; this forgets sooner). */
  dropBefore(at: number): number {
    let n = 0;
    while (this.#events.length > 0 && this.#events[0]!.at < at) {
      this.#events.shift();
      this.#chars -= this.#sizes.shift()!;
      n++;
    }
    return n;
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
