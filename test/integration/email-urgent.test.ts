import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, MailSender, type MailOp } from '../../daemon/channels/email/smtp.js';
import { emailSchema } from '../../daemon/config/schema.js';
import { silentLogger } from '../../daemon/logger.js';
import { Outbox } from '../../daemon/store/outbox.js';
import { Store } from '../../daemon/store/store.js';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';
import { waitFor } from '../helpers/wait.js';

const mail = (subject: string): MailOp => ({
  session: 'a1b2', subject: `[claude-a1b2] ${subject}`, text: subject, html: `<p>${subject}</p>`,
  messageId: `<csm-test-${subject.replace(/\W/g, '')}@localhost>`, inReplyTo: null, references: [],
});

let sink: SmtpSink | undefined;
let sender: MailSender | undefined;
let store: Store | undefined;
afterEach(async () => {
  await sender?.stop();
  await sink?.close();
  store?.close();
  sender = sink = store = undefined;
});

async function setup(): Promise<{ outbox: Outbox<MailOp> }> {
  sink = await startSmtpSink();
  store = new Store(join(mkdtempSync(join(tmpdir(), 'csm-mail-urgent-')), 'csm.db'));
  const outbox = new Outbox<MailOp>(store, 'email', { baseDelayMs: 50, maxDelayMs: 200 });
  const cfg = emailSchema.parse({ smtp_host: '127.0.0.1', smtp_port: sink.port, imap_host: '127.0.0.1', username: 'u', password: 'p', from_address: 'csm@localhost', to_address: 'me@localhost' });
  sender = new MailSender(outbox, createTransport(cfg), cfg, silentLogger);
  return { outbox };
}

const subjects = (): string[] => sink!.messages.map((m) => m.parsed.subject!.replace('[claude-a1b2] ', ''));

describe('email: a request goes before the mail queued ahead of it', () => {
  it('sent while a slow server holds an idle summary, and before the summaries queued ahead of it', async () => {
    const { outbox } = await setup();
    sink!.slowNext(1500);
    for (const n of [1, 2, 3]) outbox.enqueue('a1b2', mail(`summary ${n}`));
    sender!.poke();
    await waitFor(() => sink!.holding === 1, { message: 'summary 1 held by the slow server', intervalMs: 5 });
    outbox.enqueue('a1b2', mail('permission'), { urgent: true });
    sender!.poke();
    await sink!.waitForMessage((m) => m.parsed.subject === '[claude-a1b2] summary 3', 10_000);
    expect(subjects()).toEqual(['permission', 'summary 1', 'summary 2', 'summary 3']);
    await waitFor(() => outbox.size() === 0, { message: 'every row gone once sent', intervalMs: 10 });
    expect(sink!.messages).toHaveLength(4);
  });

  it('a request whose first attempt is refused is retried and still goes before the queued summaries', async () => {
    const { outbox } = await setup();
    sink!.failNext(1);
    outbox.enqueue('a1b2', mail('question'), { urgent: true });
    for (const n of [1, 2]) outbox.enqueue('a1b2', mail(`summary ${n}`));
    sender!.poke();
    await sink!.waitForMessage((m) => m.parsed.subject === '[claude-a1b2] summary 2', 10_000);
    // The summaries waited for the request they were queued after: a session's mails stay in order.
    expect(subjects()).toEqual(['question', 'summary 1', 'summary 2']);
  });
});
