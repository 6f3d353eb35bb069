import type { Commands } from '../../commands/types.js';
import { composeStarted, requestKey, type ComposeContext } from '../../conversation/compose.js';
import { cwdOf } from '../../conversation/dispatch.js';
import type { Message } from '../../conversation/message.js';
import type { PendingRequest, SessionEvent } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import { renderNotice, spansHtml, renderRequestMessage, renderRootMessage, renderScreenCaption, requestKeyboard, screenButton, topicName, type Rendered } from './render.js';
import type { Threads } from './threads.js';
import type { LiveStream } from './stream.js';
import { wants } from './stream-render.js';
import type { Keyboard, OutOp } from './types.js';

export { requestKey };

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
  /** `~` in paths, and the dashboard link of a root opened for a session we never saw start. */
  compose: ComposeContext;
  log: Logger;
}

/**
 * Messages from the core (conversation/dispatch.ts) → queued Telegram ops: new messages, the edit of a
 * decided request's message, and live output (the events this channel follows itself). Each message's rows are written in one
 * transaction, before any network call.
 */
export class Outgoing {
  readonly #d: OutgoingDeps;

  constructor(deps: OutgoingDeps) {
    this.#d = deps;
  }

  send(m: Message): void {
    this.#d.store.db.transaction(() => this.#render(m))();
    this.#d.poke();
  }

  /** A decision: the request's message says who decided and how, and its buttons go (once per chat). */
  edit(m: Message): void {
    const id = m.decides;
    if (!id) return;
    this.#d.store.db.transaction(() => {
      const r = this.#d.threads.request(id);
      if (!r || r.resolved !== null) return;
      const decision = spansHtml(m.headline);
      this.#d.threads.resolveRequest(id, decision);
      this.#d.enqueue({ op: 'edit', session: r.session, key: requestKey(id), html: `${r.html}\n\n${decision}` });
    })();
    this.#d.poke();
  }

  follow(e: SessionEvent): void {
    this.#d.store.db.transaction(() => this.#follow(e))();
    this.#d.poke();
  }

  #render(m: Message): void {
    const s = m.session;
    if (m.opens && s) {
      if (m.opens.adopted && this.#d.threads.thread(s)) return;
      return this.#openThread(s, m.opens.cwd, renderRootMessage(m));
    }
    if (s) this.#ensureThread(s);
    if (m.request && s) return this.#request(s, m, m.request);
    // The turn's live message stays as it is; the final message comes below it.
    if (m.kind === 'finished' && s) this.#d.stream.close(s);
    this.#send(s, renderNotice(m), m.screen ? [[screenButton(m.screen)]] : undefined);
  }

  #request(s: string, m: Message, r: PendingRequest): void {
    // The session waits on this: it overtakes the ordinary messages queued before it (outbox-order.ts).
    const urgent = { urgent: m.urgent };
    const messages = renderRequestMessage(m, r);
    const last = messages.pop()!;
    for (const html of messages) this.#d.enqueue({ op: 'send', session: s, html }, urgent);
    this.#d.threads.saveRequest(s, r, last);
    this.#d.enqueue({ op: 'send', session: s, html: last, keyboard: requestKeyboard(s, r), key: requestKey(r.request_id) }, urgent);
    // A screen nobody recognises is best understood by seeing it.
    if (m.screen) this.#d.enqueue({ op: 'photo', session: s, of: m.screen, caption: renderScreenCaption(s, 'the screen it waits on') }, urgent);
  }

  #follow(e: SessionEvent): void {
    const s = e.session_id;
    switch (e.kind) {
      case 'assistant_text':
      case 'tool_call':
      case 'tool_result':
        if (!wants(this.#d.stream.mode(s), e)) return;
        this.#ensureThread(s);
        this.#d.stream.add(e, (op) => this.#d.enqueue(op));
        return;
      default:
        return;
    }
  }

  /** `keyboard` goes on the last message. */
  #send(session: string | null, r: Rendered, keyboard?: Keyboard): void {
    if (r.kind === 'document') this.#d.enqueue({ op: 'document', session, filename: r.filename, content: r.content, caption: r.caption });
    else r.messages.forEach((html, i) => this.#d.enqueue({ op: 'send', session, html, ...(keyboard && i === r.messages.length - 1 ? { keyboard } : {}) }));
  }

  #openThread(session: string, cwd: string, html: string): void {
    this.#d.threads.openThread(session, cwd);
    this.#d.enqueue({ op: 'root', session, html, topicName: topicName(session, cwd) });
  }

  /** A session we never saw start (the channel was added later): open its thread now. */
  #ensureThread(session: string): void {
    if (this.#d.threads.thread(session)) return;
    // An unknown or forgotten session still gets a thread, so replies route.
    const cwd = cwdOf(this.#d.commands, session) ?? '?';
    this.#openThread(session, cwd, renderRootMessage(composeStarted(session, cwd, this.#d.compose)));
  }
}

