import type { EventKind, EventOf, SessionEvent } from './types.js';
import type { Logger } from '../logger.js';

export type Listener = (event: SessionEvent) => void;

/**
 * Synchronous fan-out. A listener that throws is logged and the others still run: one broken channel
 * must never stop the rest from hearing about a session. Listeners that need I/O persist what they
 * need first (an outbox row) and do the slow part later.
 */
export class EventBus {
  readonly #listeners = new Set<Listener>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Subscribe to one kind only, with the event narrowed to it. */
  on<K extends EventKind>(kind: K, listener: (event: EventOf<K>) => void): () => void {
    return this.subscribe((event) => {
      if (event.kind === kind) listener(event as EventOf<K>);
    });
  }

  emit(event: SessionEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#log.error({ err, kind: event.kind, session: event.session_id }, 'event listener failed');
      }
    }
  }
}
