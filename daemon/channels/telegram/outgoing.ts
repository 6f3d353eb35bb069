import type { Commands } from '../../commands/types.js';
import type { EventOf, SessionEvent } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import {
  renderBurst, renderDead, renderDecision, renderError, renderFinished, renderIdle, renderNotify, renderRequest, renderRoot,
  renderScreenCaption, requestKeyboard, screenButton, topicName, type Rendered,
} from './render.js';
import type { Threads } from './threads.js';
import type { LiveStream } from './stream.js';
import { wants } from './stream-render.js';
import { isUrgent } from '../../conversation/urgent.js';
import { Coalescer } from '../../conversation/coalescer.js';
import type { Keyboard, OutOp } from './types.js';

export interface OutgoingDeps {
  store: Store;
  threads: Threads;
  /** Live output: each turn's message, edited as the transcript events come. */
  stream: LiveStream;
  commands: Commands;
  /** Queues an op (inside the caller's transaction) for the sender; `urgent`: a session is blocked on it. */
  enqueue: (op: OutOp, o?: { urgent?: boolean }) => void;
  /** Tells the sender there is something new. */
  poke: () => void;
  home: string;
  /** web.public_url: the session's root message links to its dashboard page. */
  webUrl?: string | undefined;
  /** How long idle/ended notices wait for company before they go out; several become one message. */
  coalesceMs: number;
  log: Logger;
}

type Coalesced = EventOf<'idle'> | EventOf<'dead'>;

/**
 * Bus events → queued Telegram messages. Each event's rows are written in one transaction, before any
 * network call. Idle and ended notices are held for `coalesceMs`: when several sessions report at once
 * (ten going idle together), they become one message instead of a flood.
 */
export class Outgoing {
  readonly #d: OutgoingDeps;
  readonly #burst: Coalescer<Coalesced>;

  constructor(deps: OutgoingDeps) {
    this.#d = deps;
    this.#burst = new Coalescer({ windowMs: deps.coalesceMs, release: (held) => this.#sendHeld(held) });
  }

  onEvent(e: SessionEvent): void {
    if (e.kind === 'idle' || e.kind === 'dead') {
      this.#burst.hold(e);
      return;
    }
    // Keep a session's order: its held notice goes out before anything newer about it.
    if (this.#burst.holds((h) => h.session_id === e.session_id)) this.flush();
    this.#d.store.db.transaction(() => this.#render(e))();
    this.#d.poke();
  }

  /** Sends held notices now (on stop, so none is lost). */
  flush(): void {
    this.#burst.flush();
  }

  #sendHeld(held: Coalesced[]): void {
    this.#d.store.db.transaction(() => {
      if (held.length === 1) {
        const e = held[0]!;
        this.#ensureThread(e.session_id);
        if (e.kind === 'idle') this.#d.enqueue({ op: 'send', session: e.session_id, html: renderIdle(e), keyboard: [[screenButton(e.session_id)]] });
        else this.#d.enqueue({ op: 'send', session: e.session_id, html: renderDead(e) });
      } else {
        this.#d.enqueue({ op: 'send', session: null, html: renderBurst(held) });
      }
    })();
    this.#d.poke();
  }

  #render(e: SessionEvent): void {
    const s = e.session_id;
    switch (e.kind) {
      case 'started':
        if (e.adopted && this.#d.threads.thread(s)) return;
        this.#openThread(s, e.cwd);
        return;
      case 'permission_request':
      case 'waiting_input': {
        this.#ensureThread(s);
        // The session waits on this: it overtakes the ordinary messages queued before it (outbox-order.ts).
        const urgent = { urgent: isUrgent(e.request.kind) };
        const messages = renderRequest(s, e.request);
        const last = messages.pop()!;
        for (const html of messages) this.#d.enqueue({ op: 'send', session: s, html }, urgent);
        this.#d.threads.saveRequest(s, e.request, last);
        this.#d.enqueue({ op: 'send', session: s, html: last, keyboard: requestKeyboard(s, e.request), key: requestKey(e.request.request_id) }, urgent);
        // A screen nobody recognises is best understood by seeing it.
        if (e.request.kind === 'screen') this.#d.enqueue({ op: 'photo', session: s, of: s, caption: renderScreenCaption(s, 'the screen it waits on') }, urgent);
        return;
      }
      case 'resolved': {
        const r = this.#d.threads.request(e.request_id);
        if (!r || r.resolved !== null) return;
        const decision = renderDecision(e.outcome, e.by, this.#d.threads.name(e.by.user));
        this.#d.threads.resolveRequest(e.request_id, decision);
        this.#d.enqueue({ op: 'edit', session: r.session, key: requestKey(e.request_id), html: `${r.html}\n\n${decision}` });
        return;
      }
      case 'finished':
        this.#ensureThread(s);
        // The turn's live message stays as it is; its final message comes below it.
        this.#d.stream.close(s);
        this.#send(s, renderFinished(e));
        return;
      case 'assistant_text':
      case 'tool_call':
      case 'tool_result':
        if (!wants(this.#d.stream.mode(s), e)) return;
        this.#ensureThread(s);
        this.#d.stream.add(e, (op) => this.#d.enqueue(op));
        return;
      case 'error':
        this.#ensureThread(s);
        this.#send(s, renderError(e), [[screenButton(s)]]);
        return;
      case 'notify':
        if (s) this.#ensureThread(s);
        this.#send(s || null, renderNotify(e));
        return;
      case 'idle_long':
      case 'idle':
      case 'dead':
        return;
    }
  }

  /** `keyboard` goes on the last message. */
  #send(session: string | null, r: Rendered, keyboard?: Keyboard): void {
    if (r.kind === 'document') this.#d.enqueue({ op: 'document', session, filename: r.filename, content: r.content, caption: r.caption });
    else r.messages.forEach((html, i) => this.#d.enqueue({ op: 'send', session, html, ...(keyboard && i === r.messages.length - 1 ? { keyboard } : {}) }));
  }

  #openThread(session: string, cwd: string): void {
    this.#d.threads.openThread(session, cwd);
    this.#d.enqueue({ op: 'root', session, html: renderRoot(session, cwd, this.#d.home, this.#d.webUrl), topicName: topicName(session, cwd) });
  }

  /** A session we never saw start (the channel was added later): open its thread now. */
  #ensureThread(session: string): void {
    if (this.#d.threads.thread(session)) return;
    let cwd = '?';
    try {
      cwd = this.#d.commands.get(session).cwd;
    } catch {
      // An unknown or forgotten session still gets a thread, so replies route.
    }
    this.#openThread(session, cwd);
  }
}

export const requestKey = (requestId: string): string => `req:${requestId}`;
