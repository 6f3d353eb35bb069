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
  /** Events kept for listeners that subscribe late with `replay` (see keepForLateSubscribers). */
  #kept: SessionEvent[] | null = null;

  constructor(log: Logger) {
    this.#log = log;
  }

  /**
   * Keeps every event from now until the returned function is called. The daemon lets requests in (hooks,
   * POST /notify) and reconciles sessions (dead, resumed) before its channels have started and subscribed:
   * a channel subscribing with `replay` first gets what it missed, so a 202 for a notification is not
   * answered for a message no channel ever saw.
   */
  keepForLateSubscribers(): () => void {
    this.#kept = [];
    return () => {
      this.#kept = null;
    };
  }

  /** `replay`: first hand the listener the events kept since keepForLateSubscribers (if keeping). */
  subscribe(listener: Listener, o: { replay?: boolean } = {}): () => void {
    if (o.replay && this.#kept) for (const event of this.#kept) this.#deliver(listener, event);
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
    this.#kept?.push(event);
    for (const listener of this.#listeners) this.#deliver(listener, event);
  }

  #deliver(listener: Listener, event: SessionEvent): void {
    try {
      listener(event);
    } catch (err) {
      this.#log.error({ err, kind: event.kind, session: event.session_id }, 'event listener failed');
    }
  }
}
