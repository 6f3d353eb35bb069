import type { WebSocket } from 'ws';
import type { Commands } from '../commands/types.js';
import { CommandError } from '../errors.js';
import type { EventLog, NumberedEvent } from '../events/event-log.js';
import type { Origin } from '../events/types.js';
import { describeZod } from '../http/validate.js';
import type { Logger } from '../logger.js';
import type { PaneFrame } from '../sessions/pane-stream.js';
import type { WebAuth } from './auth.js';
import { clientMessage, PROTOCOL_VERSION, type ClientMessage } from './messages.js';

export interface SocketDeps {
  commands: Commands;
  events: EventLog;
  auth: WebAuth;
  log: Logger;
  origin: Origin;
  cookie: string;
}

/** What the server sends; the page's app.js reads exactly these. */
export type ServerMessage =
  | { type: 'hello'; v: number; last_seq: number }
  | { type: 'event'; event: NumberedEvent }
  | { type: 'sessions'; sessions: ReturnType<Commands['list']> }
  | { type: 'frame'; session_id: string; frame: PaneFrame }
  | { type: 'control'; session_id: string; on: boolean }
  | { type: 'error'; message: string; session_id?: string }
  | { type: 'revoked' };

/** A socket this far behind (bytes not yet sent) is closed; its page reconnects and resumes. */
const MAX_BUFFERED = 8 * 1024 * 1024;
const MAX_WATCHES = 16;

/**
 * One dashboard page's WebSocket: the event stream (resumable by seq), the session list after each event,
 * the terminals it watches (snapshot, then the stream) and, for a session it took control of, its keys.
 */
export function handleSocket(socket: WebSocket, d: SocketDeps): void {
  const watches = new Map<string, () => void>();
  const control = new Set<string>();
  let stopEvents: (() => void) | null = null;
  let listTimer: NodeJS.Timeout | null = null;

  const send = (m: ServerMessage): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED) {
      socket.close(1013, 'too far behind; reconnect');
      return;
    }
    socket.send(JSON.stringify(m));
  };
  const sendList = (): void => {
    listTimer = null;
    send({ type: 'sessions', sessions: d.commands.list() });
  };

  const handle = async (m: ClientMessage): Promise<void> => {
    switch (m.type) {
      case 'events': {
        stopEvents?.();
        // Subscribed before reading the backlog: this is synchronous, so no event falls between the two.
        stopEvents = d.events.listen((event) => {
          send({ type: 'event', event });
          listTimer ??= setTimeout(sendList, 50);
        });
        for (const event of m.after === undefined ? [] : d.events.after(m.after)) send({ type: 'event', event });
        sendList();
        return;
      }
      case 'watch': {
        watches.get(m.session_id)?.();
        if (!watches.has(m.session_id) && watches.size >= MAX_WATCHES) throw new CommandError('bad_request', `At most ${MAX_WATCHES} terminals per page.`);
        const stop = d.commands.watchTerminal(m.session_id, (frame) => send({ type: 'frame', session_id: m.session_id, frame }), m.after);
        watches.set(m.session_id, stop);
        return;
      }
      case 'unwatch':
        watches.get(m.session_id)?.();
        watches.delete(m.session_id);
        control.delete(m.session_id);
        return;
      case 'control':
        d.commands.get(m.session_id);
        if (m.on) control.add(m.session_id);
        else control.delete(m.session_id);
        send({ type: 'control', session_id: m.session_id, on: m.on });
        return;
      case 'keys':
      case 'paste':
        if (!control.has(m.session_id)) throw new CommandError('conflict', `Take control of session ${m.session_id} first; nothing was sent.`);
        await d.commands.terminalInput(m.session_id, m.type === 'keys' ? { keys: m.data } : { paste: m.text }, d.origin);
        return;
    }
  };

  // Keystrokes are sent one message at a time, in order: a key must never overtake the one before it.
  let queue: Promise<void> = Promise.resolve();
  socket.on('message', (raw, isBinary) => {
    let parsed;
    try {
      parsed = isBinary ? null : clientMessage.safeParse(JSON.parse(String(raw)));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      send({ type: 'error', message: parsed ? `message: ${describeZod(parsed.error)}` : 'Each message must be one JSON object (see daemon/web/messages.ts).' });
      return;
    }
    const m = parsed.data;
    queue = queue.then(() => handle(m)).catch((err: unknown) => {
      const message = err instanceof CommandError ? err.message : 'Internal error in the csm daemon; see its log.';
      if (!(err instanceof CommandError)) d.log.error({ err, type: m.type }, 'dashboard message failed');
      send({ type: 'error', message, ...('session_id' in m ? { session_id: m.session_id } : {}) });
    });
  });

  // A revoked login ends its open pages at once, not at their next request.
  const stopRevoke = d.auth.onRevoke(() => {
    send({ type: 'revoked' });
    socket.close(4001, 'revoked');
  });
  socket.on('close', () => {
    stopEvents?.();
    stopRevoke();
    if (listTimer) clearTimeout(listTimer);
    for (const stop of watches.values()) stop();
    watches.clear();
  });
  send({ type: 'hello', v: PROTOCOL_VERSION, last_seq: d.events.lastSeq });
}
