import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MailIncoming } from '../../daemon/channels/email/incoming.js';
import { MailThreads } from '../../daemon/channels/email/threads.js';
import { EventBus } from '../../daemon/events/bus.js';
import { silentLogger } from '../../daemon/logger.js';
import { Store } from '../../daemon/store/store.js';
import { FakeCommands } from '../fakes/commands.js';

// The incoming side of the email channel: a raw mail in, at most one command out, and replies by mail.
// Real parsing (mailparser), real threads in SQLite; the command layer is the recording fake.
const OWNER = 'owner@example.test';
let commands: FakeCommands;
let threads: MailThreads;
let incoming: MailIncoming;
let replies: { session: string; subject: string; body: string }[];
let ours: string;
let uid = 0;

beforeEach(() => {
  const store = new Store(join(mkdtempSync(join(tmpdir(), 'csm-mail-in-')), 'csm.db'));
  commands = new FakeCommands(new EventBus(silentLogger));
  commands.addSession('a1b2', '/home/u/app', { emit: false });
  threads = new MailThreads(store, 'csm@example.test');
  ours = threads.next('a1b2').messageId;
  replies = [];
  incoming = new MailIncoming({ owner: OWNER, threads, commands, reply: (session, subject, body) => replies.push({ session, subject, body }), log: silentLogger });
});

let n = 0;
const reply = (text: string, o: { messageId?: string; from?: string } = {}) =>
  incoming.handle({
    uid: ++uid,
    source: Buffer.from(
      [`From: ${o.from ?? OWNER}`, 'To: csm@example.test', 'Subject: Re: [claude-a1b2] x', `Message-ID: ${o.messageId ?? `<r${++n}@example.test>`}`, `In-Reply-To: ${ours}`, '', text, '', '> quoted', ''].join('\r\n'),
    ),
  });

describe('a reply to a session', () => {
  it('is typed verbatim under its Message-ID as idempotency key, and marked \\Seen', async () => {
    expect(await reply('make it `fast` && $(safe)', { messageId: '<one@example.test>' })).toEqual({ seen: true });
    expect(commands.callsOf('sendInput')).toEqual([
      { method: 'sendInput', id: 'a1b2', args: { text: 'make it `fast` && $(safe)', origin: { channel: 'email', user: OWNER }, key: 'email:<one@example.test>' } },
    ]);
  });

  it('the same mail twice is handled once', async () => {
    await reply('once', { messageId: '<same@example.test>' });
    expect(await reply('once', { messageId: '<same@example.test>' })).toEqual({ seen: true });
    expect(commands.callsOf('sendInput')).toHaveLength(1);
  });

  it('from someone else: nothing happens and it stays unread', async () => {
    expect(await reply('rm -rf /', { from: 'mallory@evil.test' })).toEqual({ seen: false });
    expect(commands.calls).toHaveLength(0);
    expect(replies).toHaveLength(0);
  });

  it('to a session that has ended: a mail says so, nothing is typed', async () => {
    commands.get('a1b2').status = 'dead';
    await reply('hello?');
    expect(commands.callsOf('sendInput')).toHaveLength(0);
    expect(replies).toEqual([expect.objectContaining({ session: 'a1b2', subject: 'Session has ended' })]);
  });

  it('with nothing but the quote: a mail says so, nothing is typed', async () => {
    await reply('');
    expect(commands.callsOf('sendInput')).toHaveLength(0);
    expect(replies[0]?.subject).toBe('Empty reply');
  });
});

describe('answers to a waiting request', () => {
  it.each([
    ['allow', { choice: 'allow' }],
    ['Yes.', { choice: 'allow' }],
    ['always', { choice: 'allow_always' }],
    ['deny use git clean instead', { choice: 'deny', message: 'use git clean instead' }],
    ['No', { choice: 'deny' }],
  ])('permission: "%s"', async (text, expected) => {
    commands.request('a1b2', { request_id: 'r1' });
    await reply(text);
    expect(commands.callsOf('answer')).toEqual([expect.objectContaining({ args: expect.objectContaining({ input: { request_id: 'r1', ...expected } }) })]);
    expect(commands.callsOf('sendInput')).toHaveLength(0);
  });

  it('permission: anything else is not typed, and the mail says how to answer', async () => {
    commands.request('a1b2', { request_id: 'r1', title: 'Bash' });
    await reply('maybe later');
    expect(commands.calls.filter((c) => c.method === 'answer' || c.method === 'sendInput')).toHaveLength(0);
    expect(replies[0]?.body).toMatch(/reply with allow, always or deny/);
  });

  it('dialog: the option number from the first line', async () => {
    commands.request('a1b2', { request_id: 'd1', kind: 'dialog', options: [{ key: '1', label: 'Yes' }, { key: '2', label: 'No' }] });
    await reply('2\nthanks');
    expect(commands.callsOf('answer')[0]?.args).toMatchObject({ input: { request_id: 'd1', choice: '2' } });
  });
});

describe('a reply to a request mail', () => {
  it('answers it while it waits; once it was answered elsewhere, the reply is not typed', async () => {
    commands.request('a1b2', { request_id: 'r1' });
    ours = threads.next('a1b2', 'r1').messageId;
    await reply('allow');
    expect(commands.callsOf('answer')).toHaveLength(1);
    // The same request again (answered meanwhile): "allow" must not reach Claude as a prompt.
    await reply('allow');
    expect(commands.callsOf('answer')).toHaveLength(1);
    expect(commands.callsOf('sendInput')).toHaveLength(0);
    expect(replies.at(-1)).toMatchObject({ subject: 'Already answered' });
  });

  it('a reply to an ordinary mail of the session is typed as before', async () => {
    commands.request('a1b2', { request_id: 'r1' });
    ours = threads.next('a1b2', 'r1').messageId;
    await reply('deny');
    ours = threads.next('a1b2').messageId;
    await reply('now write the tests');
    expect(commands.callsOf('sendInput').map((c) => (c.args as { text: string }).text)).toEqual(['now write the tests']);
  });
});

describe('commands in a reply', () => {
  it('/status and /output answer by mail', async () => {
    commands.screens.set('a1b2', 'line 1\nline 2\n❯ ');
    await reply('/status');
    await reply('/output 2');
    expect(replies.map((r) => r.subject)).toEqual(['Status: running', 'Screen']);
    expect(replies[0]!.body).toContain('Folder: /home/u/app');
    expect(replies[1]!.body).toBe('```\nline 2\n❯ \n```');
  });

  it('/clear and /compact are typed; /kill stops the session and says so', async () => {
    await reply('/clear');
    await reply('/compact');
    expect(commands.callsOf('sendInput').map((c) => (c.args as { text: string }).text)).toEqual(['/clear', '/compact']);
    await reply('/kill');
    expect(commands.callsOf('kill')).toHaveLength(1);
    expect(replies.at(-1)?.subject).toBe('Session stopped');
  });

  it('/new and bad commands get a mail explaining, nothing runs', async () => {
    await reply('/new ~/x');
    await reply('/output many lines');
    expect(commands.calls.filter((c) => c.method !== 'output')).toHaveLength(0);
    expect(replies.map((r) => r.subject)).toEqual(['Not available by email', 'Command not understood']);
  });
});
