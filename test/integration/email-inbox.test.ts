import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inbox, type FetchedMail } from '../../daemon/channels/email/inbox.js';
import { emailSchema } from '../../daemon/config/schema.js';
import type { Logger } from '../../daemon/logger.js';
import { Store } from '../../daemon/store/store.js';
import { startDovecot, type Dovecot } from '../fakes/dovecot.js';
import { waitFor } from '../helpers/wait.js';

// The IMAP side alone, against a real Dovecot: what it hands over, once, across restarts; and what it says
// when the login is wrong.
let dovecot: Dovecot;
let store: Store;
let mailbox: string;
const inboxes: Inbox[] = [];

beforeEach(async () => {
  dovecot = await startDovecot();
  mailbox = dovecot.user('inbox');
  store = new Store(join(mkdtempSync(join(tmpdir(), 'csm-inbox-')), 'csm.db'));
});
afterEach(async () => {
  await Promise.all(inboxes.splice(0).map((i) => i.stop()));
  await dovecot.close();
});

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (obj: unknown, msg?: string): void => void lines.push(`${level} ${msg ?? ''} ${JSON.stringify(obj)}`);
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return { log, lines };
}

function watch(password = dovecot.password): { got: string[]; lines: string[]; inbox: Inbox } {
  const cfg = emailSchema.parse({
    smtp_host: '127.0.0.1', imap_host: '127.0.0.1', imap_port: dovecot.port, imap_secure: false,
    username: mailbox, password, from_address: 'csm@example.test', to_address: 'owner@example.test',
  });
  const got: string[] = [];
  const { log, lines } = recorder();
  const inbox = new Inbox(cfg, store, async (m: FetchedMail) => {
    got.push(/^Subject: (.*)$/m.exec(m.source.toString())?.[1] ?? '?');
    return { seen: true };
  }, log, { reconnectMs: 100 });
  inbox.start();
  inboxes.push(inbox);
  return { got, lines, inbox };
}

const mail = (subject: string) => `From: owner@example.test\r\nTo: csm@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.test>\r\n\r\nbody\r\n`;

describe('Inbox (real Dovecot)', () => {
  it('hands over each new mail once, in order; after a restart, only what arrived meanwhile', async () => {
    const first = watch();
    await waitFor(() => first.lines.some((l) => l.includes('watching the inbox')), { message: 'watching' });
    await dovecot.append(mailbox, mail('one'));
    await dovecot.append(mailbox, mail('two'));
    await waitFor(() => first.got.length === 2, { message: 'two mails' });
    expect(first.got).toEqual(['one', 'two']);
    await inboxes.pop()!.stop();

    await dovecot.append(mailbox, mail('three while stopped'));
    const second = watch();
    await waitFor(() => second.got.length === 1, { message: 'the mail that arrived meanwhile' });
    await dovecot.append(mailbox, mail('four'));
    await waitFor(() => second.got.length === 2, { message: 'the next one' });
    expect(second.got).toEqual(['three while stopped', 'four']);
    expect((await dovecot.messages(mailbox)).every((m) => m.flags.includes('\\Seen'))).toBe(true);
  });

  it('a refused login says which settings to check, and keeps retrying', async () => {
    const w = watch('wrong-password');
    // Said once as an error, then quietly (debug) on every retry.
    await waitFor(() => w.lines.filter((l) => l.includes('refused the login')).length >= 3, { message: 'the login error and two retries' });
    expect(w.lines.filter((l) => l.startsWith('error ') && l.includes('refused the login: check email.username and email.password'))).toHaveLength(1);
    expect(w.got).toHaveLength(0);
    expect(w.inbox.state()).toEqual({ ok: false, detail: expect.stringMatching(/refused the login of .*: check email.username and email.password/) });
  });
});
