import { randomBytes } from 'node:crypto';
import { startDovecot, type Dovecot, type DovecotOptions } from '../fakes/dovecot.js';
import { startSmtpSink, type Received, type SmtpSink } from '../fakes/smtp-sink.js';

export const OWNER = 'owner@example.test';
export const FROM = 'csm@example.test';

/** A real Dovecot and SMTP server on loopback, and the daemon's `email:` config section that uses them. */
export interface MailStack {
  dovecot: Dovecot;
  smtp: SmtpSink;
  /** The daemon's IMAP (and SMTP) login: its inbox. */
  mailbox: string;
  config: Record<string, unknown>;
  close(): Promise<void>;
}

export async function startMailStack(over: Record<string, unknown> = {}, dovecotOptions: DovecotOptions = {}): Promise<MailStack> {
  const dovecot = await startDovecot(dovecotOptions);
  const mailbox = dovecot.user('csm');
  const smtp = await startSmtpSink({ user: mailbox, pass: dovecot.password });
  const config = {
    smtp_host: '127.0.0.1', smtp_port: smtp.port, smtp_secure: false,
    imap_host: '127.0.0.1', imap_port: dovecot.port, imap_secure: false,
    username: mailbox, password: dovecot.password, from_address: FROM, to_address: OWNER,
    ...over,
  };
  return { dovecot, smtp, mailbox, config, close: async () => void (await Promise.all([smtp.close(), dovecot.close()])) };
}

/** A reply as Gmail writes it: the owner's text, then "On … wrote:" and the quoted mail. */
export function gmailReply(
  to: Received,
  text: string,
  over: { from?: string; inReplyTo?: string | null; references?: string; subject?: string; quote?: string } = {},
): string {
  const inReplyTo = over.inReplyTo === undefined ? to.parsed.messageId! : over.inReplyTo;
  const references = over.references ?? inReplyTo;
  const quoted = (over.quote ?? to.parsed.text ?? '').split('\n').map((l) => `> ${l}`).join('\r\n');
  return [
    `From: Owner <${over.from ?? OWNER}>`,
    `To: csm <${FROM}>`,
    `Subject: ${over.subject ?? `Re: ${to.parsed.subject}`}`,
    `Message-ID: <${randomBytes(8).toString('hex')}@mail.example.test>`,
    ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`] : []),
    ...(references ? [`References: ${references}`] : []),
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '',
    `On ${new Date().toDateString()} at 15:01, csm <${FROM}> wrote:`,
    '',
    quoted,
    '',
  ].join('\r\n');
}
