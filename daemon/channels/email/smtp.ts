import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import type { ChannelHealth } from '../channel.js';
import type { Outbox } from '../../store/outbox.js';
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
 * Sends the outbox, oldest first per session, one mail at a time. A mail leaves the outbox only after the
 * SMTP server accepted it; until then it is retried with backoff, for as long as it takes.
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

  constructor(outbox: Outbox<MailOp>, transport: Transporter, cfg: EmailConfig, log: Logger) {
    this.#outbox = outbox;
    this.#transport = transport;
    this.#cfg = cfg;
    this.#log = log;
  }

  /** Something was queued, or may be due: send now. */
  poke(): void {
    if (this.#stopped) return;
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

  async #drain(): Promise<void> {
    for (let items = this.#outbox.due(); items.length > 0 && !this.#stopped; items = this.#outbox.due()) {
      let sentAny = false;
      for (const item of items) {
        if (this.#stopped) return;
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
          });
          if (this.#abandoned) return;
          this.#outbox.done(item.id);
          sentAny = true;
          this.#lastError = null;
          this.#log.info({ session: m.session, subject: m.subject }, 'email: sent');
        } catch (err) {
          if (this.#abandoned) return;
          const e = err as Error & { responseCode?: number; code?: string };
          this.#outbox.failed(item.id, e.message);
          this.#lastError = e.message;
          const level = item.attempts === 0 ? 'warn' : 'debug';
          const hint = e.code === 'EAUTH' ? ' (the SMTP server refused the login: check email.username and email.password)' : '';
          this.#log[level]({ err: e.message, code: e.responseCode ?? e.code, attempts: item.attempts + 1, subject: m.subject }, `email: sending failed${hint}; it stays queued and is retried`);
        }
      }
      if (!sentAny) return;
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
    const next = this.#outbox.nextDueAt();
    if (next === null) return;
    this.#timer = setTimeout(() => this.poke(), Math.max(0, next - Date.now()));
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
    await Promise.race([this.#running?.catch(() => undefined), sleep(graceMs, waited.signal)]);
    waited.abort();
    this.#abandoned = true;
    this.#transport.close();
  }
}
