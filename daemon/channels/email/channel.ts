import type { Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/schema.js';
import type { SessionEvent } from '../../events/types.js';
import { Outbox } from '../../store/outbox.js';
import type { Channel, ChannelContext, ChannelHealth } from '../channel.js';
import type { Audience } from '../../conversation/router.js';
import { footerRef } from './accept.js';
import { Inbox, type InboxOptions } from './inbox.js';
import { MailIncoming } from './incoming.js';
import { compose, renderMail } from './render.js';
import { attachAdapter, cwdOf } from '../../conversation/dispatch.js';
import type { Message } from '../../conversation/message.js';
import { createTransport, MailSender, type MailImage, type MailOp } from './smtp.js';
import { MailThreads } from './threads.js';

export interface EmailDeps {
  transport?: Transporter;
  inbox?: InboxOptions;
}

export function createEmailChannel(ctx: ChannelContext, deps: EmailDeps = {}): Channel {
  const cfg = ctx.config.email;
  if (!cfg) throw new Error('createEmailChannel needs an email section in the config');
  return new EmailChannel(ctx, cfg, deps);
}

/** Secondary by nature: what needs a human and the idle reminders, not every step of a session. */
export const EMAIL_AUDIENCE: Audience = { name: 'email', role: 'conversation', progress: false, reminders: true };

/** The email channel: events → mails in one thread per session; the owner's replies (IMAP) → commands. */
class EmailChannel implements Channel {
  readonly name = 'email';
  readonly audience = EMAIL_AUDIENCE;
  readonly #ctx: ChannelContext;
  readonly #cfg: EmailConfig;
  readonly #deps: EmailDeps;
  readonly #log: ChannelContext['log'];
  #threads: MailThreads | null = null;
  #outbox: Outbox<MailOp> | null = null;
  #sender: MailSender | null = null;
  #inbox: Inbox | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #drawing = new Set<Promise<void>>();

  constructor(ctx: ChannelContext, cfg: EmailConfig, deps: EmailDeps) {
    this.#ctx = ctx;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#log = ctx.log.child({ channel: 'email' });
  }

  health(): ChannelHealth {
    const inbox = this.#inbox?.state() ?? { ok: false, detail: 'not started' };
    const sender = this.#sender?.state() ?? { ok: false, detail: 'not started' };
    return { ok: inbox.ok && sender.ok, detail: `${inbox.detail}; ${sender.detail}` };
  }

  async start(): Promise<void> {
    const { store, bus, commands } = this.#ctx;
    this.#threads = new MailThreads(store, this.#cfg.from_address);
    this.#outbox = new Outbox<MailOp>(store, 'email', { baseDelayMs: 1000, maxDelayMs: 30_000 });
    this.#sender = new MailSender(this.#outbox, this.#deps.transport ?? createTransport(this.#cfg), this.#cfg, this.#log);
    // The core composes what each event says (conversation/dispatch.ts); mail renders it and queues it.
    this.#unsubscribe = attachAdapter(bus, this.#ctx.reaches, {
      name: this.name, send: (m) => this.#deliver(m), compose: { webUrl: this.#ctx.config.web.public_url, cwdOf: (s) => cwdOf(commands, s) },
    });
    const incoming = new MailIncoming({
      owner: this.#cfg.to_address,
      threads: this.#threads,
      commands,
      reply: (session, subject, body) => this.#send(session, subject, body),
      log: this.#log,
    });
    this.#inbox = new Inbox(this.#cfg, store, (mail) => incoming.handle(mail), this.#log, this.#deps.inbox);
    this.#inbox.start();
    // Mail queued before a restart goes out now.
    this.#sender.poke();
  }

  /** One message → one mail, with the session's screen attached where the message shows it. */
  #deliver(m: Message): void {
    const { subject, body } = renderMail(m);
    if (m.screen && !m.urgent) return this.#sendWithScreen(m.screen, subject, body, m.request?.request_id);
    this.#send(m.session, subject, body, m.request?.request_id, m.urgent);
  }

  /**
   * An idle summary, an error or a screen nobody recognises, with the session's screen drawn into it. Drawing takes a moment (a tmux
   * read and a render), so the mail is queued when the image is there; without one (no font, the screen
   * gone) it goes without, saying nothing is attached.
   */
  #sendWithScreen(session: string, subject: string, body: string, requestId?: string): void {
    const work = this.#ctx.commands.screenshot(session).then(
      (image) => this.#send(session, subject, body, requestId, false, { filename: `${session}-screen.png`, cid: `screen-${session}@csm`, contentType: 'image/png', base64: image.png.toString('base64') }),
      (err: unknown) => {
        this.#log.debug({ err: err instanceof Error ? err.message : String(err), session }, 'email: no screen image for this mail');
        this.#send(session, subject, body, requestId);
      },
    ).catch((err: unknown) => this.#log.error({ err, session }, 'email: could not queue a mail'));
    this.#drawing.add(work);
    void work.finally(() => this.#drawing.delete(work));
  }

  /** Written to the outbox before any network call: an SMTP outage or a crash never loses a mail. */
  #send(session: string | null, subject: string, body: string, requestId?: string, urgent = false, image?: MailImage): void {
    const threads = this.#threads!;
    const web = this.#ctx.config.web.public_url;
    const ref = session ? { session, ref: footerRef(session, threads.tokenOf(session)), ...(web ? { web: `${web}/web/#/s/${session}` } : {}) } : null;
    const mail = compose(ref, subject, body, image ? { imageCid: image.cid } : {});
    const headers = threads.next(session, requestId);
    // A request (permission, question, dialog) is what a session waits on: it goes before queued summaries.
    this.#outbox!.enqueue(session ?? '-', { session, ...mail, ...headers, ...(image ? { attachments: [image] } : {}) }, { urgent });
    this.#sender!.poke();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    // Mails waiting for their screen image are queued before the outbox closes.
    await Promise.allSettled([...this.#drawing]);
    await this.#inbox?.stop();
    await this.#sender?.stop();
  }
}
