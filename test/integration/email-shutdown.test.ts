import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTransport, MailSender, type MailOp } from '../../daemon/channels/email/smtp.js';
import { emailSchema } from '../../daemon/config/schema.js';
import { silentLogger } from '../../daemon/logger.js';
import { Outbox } from '../../daemon/store/outbox.js';
import { Store } from '../../daemon/store/store.js';
import { startSmtpSink } from '../fakes/smtp-sink.js';
import { waitFor } from '../helpers/wait.js';

const mail = (n: number): MailOp => ({
  session: 'a1b2', subject: `[claude-a1b2] note ${n}`, text: `body ${n}`, html: `<p>body ${n}</p>`,
  messageId: `<csm-test-${n}@localhost>`, inReplyTo: null, references: [],
});

describe('email sender: stop with an SMTP server that does not answer', () => {
  it('returns within the grace; the mail stays queued and the next start sends it once', async () => {
    // Accepts the connection and never greets: nodemailer would wait its 15 s greeting timeout.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const store = new Store(join(mkdtempSync(join(tmpdir(), 'csm-mail-stop-')), 'csm.db'));
    const outbox = new Outbox<MailOp>(store, 'email');
    const cfg = emailSchema.parse({ smtp_host: '127.0.0.1', smtp_port: port, imap_host: '127.0.0.1', username: 'u', password: 'p', from_address: 'csm@localhost', to_address: 'me@localhost' });
    outbox.enqueue('a1b2', mail(1));
    const sender = new MailSender(outbox, createTransport(cfg), cfg, silentLogger);
    sender.poke();
    await waitFor(() => sockets.size > 0, { message: 'the sender connected' });

    const t0 = Date.now();
    await sender.stop(500);
    const stopMs = Date.now() - t0;
    expect(stopMs, `stop took ${stopMs} ms`).toBeLessThan(1500);
    expect(outbox.size()).toBe(1);
    // The abandoned send ends now (connection closed): it must leave the row alone and throw nowhere.
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
    expect(outbox.size()).toBe(1);

    const sink = await startSmtpSink();
    try {
      const next = { ...cfg, smtp_port: sink.port };
      const again = new MailSender(outbox, createTransport(next), next, silentLogger);
      again.poke();
      await sink.waitForMessage((m) => m.parsed.subject === '[claude-a1b2] note 1', 10_000);
      await waitFor(() => outbox.size() === 0, { message: 'the row gone once sent' });
      await again.stop();
      expect(sink.messages.filter((m) => m.parsed.subject === '[claude-a1b2] note 1')).toHaveLength(1);
    } finally {
      await sink.close();
      store.close();
    }
  });
});
