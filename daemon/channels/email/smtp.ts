import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import type { ChannelHealth } from '../channel.js';
import type { Outbox, OutboxItem } from '../../store/outbox.js';
import { startable } from '../../store/outbox-order.js';
import { sleep } from '../../sleep.js';

/** One queued mail: everything needed to send it again after a crash, Message-ID included. */
export interface MailOp {
  session: string | null;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  /** Images shown in the HTML part (`<img src="cid:…">`), e.g. the session's screen; base64. */
  attachments?: MailImage[];
}

export interface MailImage {
  filename: string;
  cid: string;
  contentType: 'image/png';
  base64: string;
}

export function createTransport(cfg: EmailConfig): Transporter {
  return nodemailer.createTransport({
    host: cfg.smtp_host,
    port: cfg.smtp_port,
    // false: plain connection upgraded with STARTTLS when the server offers it.
    secure: cfg.smtp_secure,
    auth: { user: cfg.username, pass: cfg.password },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
}

/**
 * Sends the outbox, oldest first per session, one mail at a time; except that a mail a session is blocked
 * on (a permission request, a question, a dialog) goes at once, beside the one being sent, and before the
 * ordinary mail queued ahead of it (outbox-order.ts). A mail leaves the outbox only after the SMTP server
 * accepted it; until then it is retried with backoff, for as long as it takes.
 */
export class MailSender {
  readonly #outbox: Outbox<MailOp>;
  readonly #transport: Transporter;
  readonly #cfg: EmailConfig;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  /** Past the stop grace: a send still running is abandoned, its row left as it is. */
  #abandoned = false;
  #lastError: string | null = null;
  /** Rows being sent now (the drain's and the urgent ones), by outbox id. */
  readonly #inFlight = new Map<number, Promise<boolean>>();

  constructor(outbox: Outbox<MailOp>, transport: Transporter, cfg: EmailConfig, log: Logger) {
    this.#outbox = outbox;
    this.#transport = transport;
    this.#cfg = cfg;
    this.#log = log;
  }

  /** Something was queued, or may be due: send now. */
  poke(): void {
    if (this.#stopped) return;
    this.#sendUrgent();
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.poke();
      } else this.#schedule();
    });
  }

  /** Urgent mail does not wait for the drain: each one that may go starts now, on its own connection. */
  #sendUrgent(): void {
    for (const s of startable(this.#outbox.queued(), new Set(this.#inFlight.keys()), Date.now())) {
      if (!s.express) continue;
      const item = this.#outbox.get(s.id);
      if (!item) continue;
      this.#track(item).finally(() => this.poke());
    }
  }

  #track(item: OutboxItem<MailOp>): Promise<boolean> {
    const work = this.#sendOne(item).finally(() => this.#inFlight.delete(item.id));
    this.#inFlight.set(item.id, work);
    return work;
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const items = startable(this.#outbox.queued(), new Set(this.#inFlight.keys()), Date.now()).filter((s) => !s.express);
      if (items.length === 0) return;
      let sentAny = false;
      for (const s of items) {
        if (this.#stopped) return;
        const item = this.#outbox.get(s.id);
        if (!item || this.#inFlight.has(item.id)) continue;
        if (await this.#track(item)) sentAny = true;
        if (this.#abandoned) return;
      }
      if (!sentAny) return;
    }
  }

  /** One mail; true when the server accepted it. */
  async #sendOne(item: OutboxItem<MailOp>): Promise<boolean> {
    const m = item.payload;
    try {
      await this.#transport.sendMail({
        from: this.#cfg.from_address,
        to: this.#cfg.to_address,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
        ...(m.references.length > 0 ? { references: m.references } : {}),
        ...(m.attachments?.length ? { attachments: m.attachments.map((a) => ({ filename: a.filename, cid: a.cid, contentType: a.contentType, content: Buffer.from(a.base64, 'base64') })) } : {}),
      });
      if (this.#abandoned) return false;
      this.#outbox.done(item.id);
      this.#lastError = null;
      this.#log.info({ session: m.session, subject: m.subject }, 'email: sent');
      return true;
    } catch (err) {
      if (this.#abandoned) return false;
      const e = err as Error & { responseCode?: number; code?: string };
      this.#outbox.failed(item.id, e.message);
      this.#lastError = e.message;
      const level = item.attempts === 0 ? 'warn' : 'debug';
      const hint = e.code === 'EAUTH' ? ' (the SMTP server refused the login: check email.username and email.password)' : '';
      this.#log[level]({ err: e.message, code: e.responseCode ?? e.code, attempts: item.attempts + 1, subject: m.subject }, `email: sending failed${hint}; it stays queued and is retried`);
      return false;
    }
  }

  /** Whether mail goes out now, in a sentence. */
  state(): ChannelHealth {
    const queued = this.#outbox.size();
    if (this.#lastError && queued > 0) return { ok: false, detail: `${queued} mail(s) waiting to be sent: ${this.#lastError}` };
    return { ok: true, detail: queued > 0 ? `${queued} mail(s) being sent` : 'nothing waiting to be sent' };
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const now = Date.now();
    const waiting = this.#outbox.queued().filter((r) => !this.#inFlight.has(r.id));
    if (waiting.length === 0) return;
    // Due rows that did not go wait behind one in flight, which pokes when done; this is their backstop.
    const later = waiting.map((r) => r.nextAt).filter((t) => t > now);
    this.#timer = setTimeout(() => this.poke(), later.length > 0 ? Math.min(...later) - now : 1000);
    this.#timer.unref();
  }

  /**
   * Stops within about `graceMs`. The mail being sent gets that long to be accepted and recorded; a
   * server slower than that (a dead one takes up to a minute to time out) leaves it queued for the next
   * start, which sends it with the same Message-ID, so even a copy the server did accept shows as one.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    const waited = new AbortController();
    await Promise.race([Promise.allSettled([this.#running, ...this.#inFlight.values()]), sleep(graceMs, waited.signal)]);
    waited.abort();
    this.#abandoned = true;
    this.#transport.close();
  }
}
