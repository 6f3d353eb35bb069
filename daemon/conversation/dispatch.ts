import type { Commands } from '../commands/types.js';
import type { EventBus } from '../events/bus.js';
import type { EventOf, SessionEvent } from '../events/types.js';
import { Coalescer } from './coalescer.js';
import { composeBurst, composeDecision, composeEvent, type ComposeContext } from './compose.js';
import type { Message } from './message.js';

/**
 * What a channel is to the core: where its messages go. The channel renders a message for its wire and
 * queues it in its outbox; it keeps the ref the wire gives back (a Telegram message id, a Message-ID) so a
 * reply to it finds its session and a later edit finds it.
 */
export type Adapter = ConversationAdapter | MirrorAdapter;

export interface ConversationAdapter {
  readonly name: string;
  readonly mirror?: false;
  /** Renders and queues one message (never throws for a remote service being down: the outbox retries). */
  send(m: Message): void;
  /**
   * Edits a message sent before, named by `m.key`: how a request was decided, on the request's own message.
   * A channel that cannot edit leaves it out, and the decision is not sent.
   */
  edit?(m: Message): void;
  /** Events that make no message of their own (live output). */
  follow?(e: SessionEvent): void;
  /** How long idle and ended notices wait for company; several then leave as one message. None: at once. */
  readonly coalesceMs?: number;
  /** What composing needs from the channel: `~` for paths shown, the dashboard link, a session's folder. */
  readonly compose: ComposeContext & {
    cwdOf: (session: string) => string | null;
    /** A person's name as the channel knows it (who decided a request), where the origin has none. */
    nameOf?: (user: string | undefined) => string | null;
  };
}

/** Gets every event as it is, not messages (a webhook: what it posts is the event). */
export interface MirrorAdapter {
  readonly name: string;
  readonly mirror: true;
  follow(e: SessionEvent): void;
}

/** A session's folder for what is composed about it; null for a session the daemon no longer knows. */
export function cwdOf(commands: Pick<Commands, 'get'>, session: string): string | null {
  try {
    return commands.get(session).cwd;
  } catch {
    return null;
  }
}

type Held = EventOf<'idle'> | EventOf<'dead'>;

/**
 * Attaches a channel to the event stream: the router's decision (`reaches`), then the composed message, with
 * idle and ended notices coalesced into bursts. Events kept from before the channel started come first.
 * Returns what stops it; stopping sends what is held, so nothing is lost.
 */
export function attachAdapter(bus: EventBus, reaches: (e: SessionEvent, channel: string) => boolean, adapter: Adapter): () => void {
  if (adapter.mirror) return bus.subscribe((e) => reaches(e, adapter.name) && adapter.follow(e), { replay: true });
  const burst = adapter.coalesceMs !== undefined
    ? new Coalescer<Held>({ windowMs: adapter.coalesceMs, release: (held) => adapter.send(held.length === 1 ? composeEvent(held[0]!, adapter.compose)! : composeBurst(held)) })
    : null;
  const unsubscribe = bus.subscribe((e) => {
    if (!reaches(e, adapter.name)) return;
    if (burst && (e.kind === 'idle' || e.kind === 'dead')) return burst.hold(e);
    // Keep a session's order: its held notice goes out before anything newer about it.
    if (burst?.holds((h) => h.session_id === e.session_id)) burst.flush();
    if (e.kind === 'resolved' && adapter.edit) return adapter.edit(composeDecision(e, adapter.compose.nameOf?.(e.by.user) ?? null));
    const m = composeEvent(e, adapter.compose);
    if (m) adapter.send(m);
    else adapter.follow?.(e);
  }, { replay: true });
  return () => {
    unsubscribe();
    burst?.flush();
  };
}
