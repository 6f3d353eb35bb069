import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import type { ChannelHealth } from '../channel.js';
import { OutboxDrainer, type Delivery, type Verdict } from '../../conversation/outbox-drainer.js';
import type { Outbox, OutboxItem } from '../../store/outbox.js';

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
 * Mail's wire for the outbox drainer (conversation/outbox-drainer.ts): oldest first per session, one mail at
 * a time on the SMTP connection; except that a mail a session is blocked on (a permission request, a
 * question, a dialog) goes at once, beside the one being sent, and before the ordinary mail queued ahead of
 * it. A mail leaves the outbox only after the SMTP server accepted it; until then it is retried with backoff.
 */
export class MailSender implements Delivery<MailOp> {
  readonly #outbox: Outbox<MailOp>;
  readonly #transport: Transporter;
  readonly #cfg: EmailConfig;
  readonly #log: Logger;
  readonly #drainer: OutboxDrainer<MailOp>;

  constructor(outbox: Outbox<MailOp>, transport: Transporter, cfg: EmailConfig, log: Logger) {
    this.#outbox = outbox;
    this.#transport = transport;
    this.#cfg = cfg;
    this.#log = log;
    this.#drainer = new OutboxDrainer(outbox, this, { name: 'email', log, ordinary: 'serial' });
  }

  /** Something was queued, or may be due: send now. */
  poke(): void {
    this.#drainer.start();
  }

  async send(item: OutboxItem<MailOp>): Promise<() => void> {
    const m = item.payload;
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
    return () => this.#log.info({ session: m.session, subject: m.subject }, 'email: sent');
  }

  /** Mail is retried for as long as it takes: the owner fixes the server or the login, and it goes. */
  judge(): Verdict<MailOp> {
    return { action: 'retry' };
  }

  describe(err: unknown): string {
    const e = err as Error & { responseCode?: number; code?: string };
    const hint = e.code === 'EAUTH' ? ' (the SMTP server refused the login: check email.username and email.password)' : '';
    return `${e.responseCode ?? e.code ?? 'error'}: ${e.message}${hint}`;
  }

  /** Whether mail goes out now, in a sentence. */
  state(): ChannelHealth {
    const queued = this.#outbox.size();
    const error = this.#drainer.lastError;
    if (error && queued > 0) return { ok: false, detail: `${queued} mail(s) waiting to be sent: ${error}` };
    return { ok: true, detail: queued > 0 ? `${queued} mail(s) being sent` : 'nothing waiting to be sent' };
  }

  /**
   * Stops within about `graceMs`. The mail being sent gets that long to be accepted and recorded; a
   * server slower than that (a dead one takes up to a minute to time out) leaves it queued for the next
   * start, which sends it with the same Message-ID, so even a copy the server did accept shows as one.
   */
  async stop(graceMs = 2000): Promise<void> {
    await this.#drainer.stop(graceMs);
    this.#transport.close();
  }
}
