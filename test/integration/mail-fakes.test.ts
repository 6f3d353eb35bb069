import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../fakes/dovecot.js';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';

// Proves the mail fakes against real clients: a real Dovecot with imapflow, smtp-server with nodemailer.
// Every test starts its own servers (own ports, own temp dirs) and closes them afterwards.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function dovecot(): Promise<Dovecot> {
  const d = await startDovecot();
  cleanups.push(() => d.close());
  return d;
}

async function sink(opts: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(opts);
  cleanups.push(() => s.close());
  return s;
}

function rfc822(subject: string, id: string): string {
  return [
    'From: Claude <claude@example.test>',
    'To: Owner <owner@example.test>',
    `Subject: ${subject}`,
    `Message-ID: <${id}@example.test>`,
    'Date: Tue, 1 Jul 2025 10:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${subject}`,
    '',
  ].join('\r\n');
}

/** Rejects with `what` if `p` has not settled within `ms`: an event that never comes fails fast and says which. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** An imapflow client that has INBOX open and is in IDLE, acknowledged by the server. */
async function idleWatcher(d: Dovecot, user: string): Promise<ImapFlow> {
  let idling!: () => void;
  const acknowledged = new Promise<void>((resolve) => (idling = resolve));
  const quiet = (): void => {};
  const client = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: false,
    auth: { user, pass: d.password },
    // imapflow has no event for the server's "+ idling"; its debug log is the only place that says so.
    logger: {
      debug: (o: { msg?: string }) => {
        if (o.msg?.startsWith('Initiated IDLE')) idling();
      },
      info: quiet,
      warn: quiet,
      error: quiet,
    },
    // Auto-IDLE would start only after 15 s; the test starts IDLE itself.
    disableAutoIdle: true,
  });
  client.on('error', quiet);
  cleanups.push(() => client.logout().catch(() => client.close()));
  await client.connect();
  await client.mailboxOpen('INBOX');
  void client.idle();
  await within(acknowledged, 10_000, 'the server to acknowledge IDLE');
  return client;
}

function transport(s: SmtpSink, auth?: { user: string; pass: string }): nodemailer.Transporter {
  return nodemailer.createTransport({ host: s.host, port: s.port, secure: false, ...(auth ? { auth } : {}) });
}

describe('Dovecot fake (real dovecot)', () => {
  it('starts, appends to a fresh mailbox and lists messages with their flags', async () => {
    const d = await dovecot();
    expect(d.host).toBe('127.0.0.1');
    const alice = d.user('alice');
    expect(alice).not.toBe(d.user('alice'));
    expect(await d.messages(alice)).toEqual([]);

    const first = await d.append(alice, rfc822('unread', 'm1'));
    const second = await d.append(alice, Buffer.from(rfc822('read', 'm2')), ['\\Seen']);
    expect(second).toBeGreaterThan(first);
    expect(await d.messages(alice)).toEqual([
      { uid: first, flags: [], messageId: '<m1@example.test>', subject: 'unread' },
      { uid: second, flags: ['\\Seen'], messageId: '<m2@example.test>', subject: 'read' },
    ]);
    expect(d.logs()).toContain('starting up');
  });

  it('an IDLE client sees mail appended from another connection', async () => {
    const d = await dovecot();
    const bob = d.user('bob');
    const watcher = await idleWatcher(d, bob);
    const exists = new Promise<{ count: number; prevCount: number }>((resolve) => watcher.on('exists', resolve));

    const uid = await d.append(bob, rfc822('wake up', 'idle1'));

    const event = await within(exists, 10_000, 'an EXISTS on the IDLE connection');
    expect(event).toEqual(expect.objectContaining({ count: 1, prevCount: 0 }));
    expect((await d.messages(bob)).map((m) => m.uid)).toEqual([uid]);
  });

  it('keeps mail across restart()', async () => {
    const d = await dovecot();
    const carol = d.user('carol');
    const uid = await d.append(carol, rfc822('before restart', 'r1'), ['\\Seen']);
    const port = d.port;

    await d.restart();

    expect(d.port).toBe(port);
    expect(await d.messages(carol)).toEqual([
      { uid, flags: ['\\Seen'], messageId: '<r1@example.test>', subject: 'before restart' },
    ]);
    expect(await d.append(carol, rfc822('after restart', 'r2'))).toBeGreaterThan(uid);
  });

  it('down() drops connected clients and refuses new ones until up()', async () => {
    const d = await dovecot();
    const dave = d.user('dave');
    await d.append(dave, rfc822('kept', 'd1'));
    const watcher = await idleWatcher(d, dave);
    const closed = new Promise<void>((resolve) => watcher.on('close', resolve));

    await d.down();

    await within(closed, 10_000, 'the IDLE client to be disconnected');
    await expect(d.append(dave, rfc822('while down', 'd2'))).rejects.toThrow(/ECONNREFUSED/);
    await d.down(); // idempotent

    await d.up();
    await d.up(); // idempotent
    expect((await d.messages(dave)).map((m) => m.subject)).toEqual(['kept']);
  });

  it('runs two instances at once, each with its own port and mail', async () => {
    const [a, b] = await Promise.all([dovecot(), dovecot()]);
    expect(a.port).not.toBe(b.port);
    expect(a.dir).not.toBe(b.dir);
    await Promise.all([a.append('same-name', rfc822('to a', 'a1')), b.append('same-name', rfc822('to b', 'b1'))]);
    expect((await a.messages('same-name')).map((m) => m.subject)).toEqual(['to a']);
    expect((await b.messages('same-name')).map((m) => m.subject)).toEqual(['to b']);
  });
});

describe('SMTP sink (smtp-server)', () => {
  const auth = { user: 'csm', pass: 'sink-pass' };

  it('receives mail sent with AUTH and parses it', async () => {
    const s = await sink(auth);
    const info = await transport(s, auth).sendMail({
      from: 'Claude <claude@example.test>',
      to: ['owner@example.test', 'second@example.test'],
      subject: 'Session needs you',
      text: 'Allow the command?',
      headers: { 'X-Csm-Session': 'abc123' },
    });
    expect(info.response).toMatch(/^250 /);

    const m = await s.waitForMessage((r) => r.parsed.subject === 'Session needs you');
    expect(m.envelope).toEqual({ from: 'claude@example.test', to: ['owner@example.test', 'second@example.test'] });
    expect(m.parsed.text?.trim()).toBe('Allow the command?');
    expect(m.parsed.headers.get('x-csm-session')).toBe('abc123');
    expect(m.raw).toContain('X-Csm-Session: abc123');
    expect(s.messages).toHaveLength(1);
  });

  it('refuses a wrong password; without configured credentials takes mail with or without AUTH', async () => {
    const strict = await sink(auth);
    const wrong = transport(strict, { user: 'csm', pass: 'wrong' });
    await expect(wrong.sendMail({ from: 'a@x.test', to: 'b@x.test', text: 'x' })).rejects.toMatchObject({ responseCode: 535 });
    await expect(transport(strict).sendMail({ from: 'a@x.test', to: 'b@x.test', text: 'x' })).rejects.toMatchObject({ responseCode: 530 });

    const open = await sink();
    await transport(open).sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'no auth', text: 'x' });
    await transport(open, { user: 'anyone', pass: 'anything' }).sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'auth', text: 'x' });
    expect(open.messages.map((m) => m.parsed.subject)).toEqual(['no auth', 'auth']);
    expect(strict.messages).toEqual([]);
  });

  it('waitForMessage waits for a future message and times out listing what arrived', async () => {
    const s = await sink();
    const later = s.waitForMessage((m) => m.parsed.subject === 'second');
    await transport(s).sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'first', text: '1' });
    await transport(s).sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'second', text: '2' });
    expect((await later).parsed.text?.trim()).toBe('2');
    await expect(s.waitForMessage((m) => m.parsed.subject === 'never', 200)).rejects.toThrow(
      /within 200 ms; received 2 message\(s\):[\s\S]*"first"[\s\S]*"second"/,
    );
  });

  it('down() refuses connections (ECONNREFUSED) and up() serves again on the same port', async () => {
    const s = await sink(auth);
    const t = transport(s, auth);
    await t.sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'before', text: '1' });
    const port = s.port;

    await s.down();
    // nodemailer reports a refused connection as ESOCKET with the errno in the message.
    await expect(t.sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'lost', text: '2' })).rejects.toMatchObject({
      code: 'ESOCKET',
      message: expect.stringContaining('ECONNREFUSED'),
    });

    await s.up();
    expect(s.port).toBe(port);
    await t.sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'after', text: '3' });
    await s.waitForMessage((m) => m.parsed.subject === 'after');
    expect(s.messages.map((m) => m.parsed.subject)).toEqual(['before', 'after']);
  });

  it('failNext rejects one message with 451 and accepts the next', async () => {
    const s = await sink(auth);
    const t = transport(s, auth);
    s.failNext(1);

    const first = t.sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'try 1', text: 'x' });
    await expect(first).rejects.toMatchObject({ responseCode: 451 });
    expect(s.messages).toHaveLength(0);

    await t.sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'try 2', text: 'x' });
    expect((await s.waitForMessage()).parsed.subject).toBe('try 2');
  });
});
