import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversation, occurrences, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import type { Dovecot } from '../fakes/dovecot.js';
import type { Received, SmtpSink } from '../fakes/smtp-sink.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import { newIdleSession, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { gmailReply, OWNER, startMailStack, type MailStack } from '../helpers/mail.js';
import { FEATURES } from '../fixtures/questions.js';
import { waitFor } from '../helpers/wait.js';


/** Mail sent by the daemon and replies appended to a real Dovecot inbox, with a real Claude Code session in tmux. */
describe.each(claudeVersions())('email with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let servers: MailStack;
  let dovecot: Dovecot;
  let smtp: SmtpSink;
  let d: DaemonHandle;
  let project: string;
  let user: string;

  beforeAll(async () => {
    const ws = workspace(`csm-mail-${label}`);
    project = ws.project;
    const home = ws.home;
    [api, servers] = await Promise.all([startFakeAnthropic(), startMailStack({ from_address: 'csm <csm@example.test>', poll_interval_seconds: 600 })]);
    ({ dovecot, smtp, mailbox: user } = servers);
    d = await startDaemon({
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }),
      claudeArgs: ['--permission-mode', 'default'],
      // poll_interval_seconds 600: far longer than any wait below, so a reply seen in time was seen through IDLE.
      config: { email: servers.config },
    });
    await waitFor(() => d.logs().includes('email: watching the inbox'), { timeoutMs: 20_000, message: 'the daemon watches the inbox' });
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await d?.cleanup();
    await Promise.all([servers?.close(), api?.close()]);
  });

  const newSession = (): Promise<string> => newIdleSession(d, project);

  /** POST /notify for email and the mail as the SMTP server received it. */
  async function notify(id: string, subject: string, body = 'Tests pass.'): Promise<Received> {
    const r = await d.api('POST', '/notify', { channel: 'email', session_id: id, subject, body });
    expect(r.status).toBe(202);
    return smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] ${subject}`, 20_000);
  }

  it('notify → tagged mail with footer → Gmail-style reply typed into the session within seconds, exactly once, then \\Seen', async () => {
    const id = await newSession();
    const mail = await notify(id, 'Build report', 'All 12 tests pass.\n\n```\n$ npm test\n✓ 12 passed\n```');
    expect(mail.envelope.to).toEqual([OWNER]);
    expect(mail.parsed.text).toContain(`---\nReply to this email to send input to session ${id}.`);
    expect(mail.parsed.html).toContain('<pre');
    expect(mail.parsed.messageId).toMatch(new RegExp(`^<csm\\.${id}\\.[0-9a-f]{24}\\.[0-9a-f]+@example\\.test>$`));

    const text = `run the linter on "src/$(ls)" \`now\``;
    api.reply({ text: 'Linted.' });
    const uid = await dovecot.append(user, gmailReply(mail, text));
    // 20 s is far below the 600 s poll interval: only IDLE gets it there in time.
    const req = await api.waitForRequest((r) => r.mainTurn && conversation(r).includes('run the linter'), 20_000);
    expect(conversation(req)).toContain(JSON.stringify(text).slice(1, -1));
    expect(conversation(req)).not.toContain('wrote:');
    await waitFor(async () => (await dovecot.messages(user)).find((m) => m.uid === uid)?.flags.includes('\\Seen'), { timeoutMs: 10_000, message: 'reply marked \\Seen' });
    await waitFor(async () => (await d.api<{ last_message: string | null }>('GET', `/session/${id}`)).body.last_message === 'Linted.', { timeoutMs: 20_000, message: 'Claude answered' });
    // Exactly once: the latest turn's conversation holds the prompt once, and so does the screen.
    const latest = api.requests.filter((r) => r.mainTurn).at(-1)!;
    expect(occurrences(conversation(latest), 'run the linter')).toBe(1);
    expect(occurrences((await d.api<{ output: string }>('GET', `/session/${id}/output?lines=200`)).body.output, 'run the linter')).toBe(1);

    // A second mail of the session replies to the first: one thread per session in the mail app.
    const second = await notify(id, 'Second');
    expect(second.parsed.inReplyTo).toBe(mail.parsed.messageId);
  });

  it('GET /channels says the inbox is watched with IDLE', async () => {
    const r = await d.api<{ channels: { name: string; ok: boolean; detail: string }[] }>('GET', '/channels');
    expect(r.body.channels).toEqual([{ name: 'email', ok: true, detail: expect.stringMatching(/inbox at 127\.0\.0\.1:\d+ \(IMAP IDLE\); nothing waiting to be sent/) }]);
  });

  it('spoofed From, a wrong token, a mail answering nothing of ours: none is typed, none marked read', async () => {
    const id = await newSession();
    const mail = await notify(id, 'Guarded');
    const foreignRef = `<csm.${id}.${'0'.repeat(24)}.abcdef@example.test>`;
    const bad = [
      gmailReply(mail, 'SPOOFED from someone else', { from: 'mallory@evil.test' }),
      gmailReply(mail, 'SPOOFED lookalike address', { from: `${OWNER}.evil.test` }),
      gmailReply(mail, 'WRONG token in headers', { inReplyTo: foreignRef, quote: 'a mail that never carried our footer' }),
      gmailReply(mail, 'WRONG token with subject tag', { inReplyTo: null, quote: `(csm.${id}.${'1'.repeat(24)})` }),
      gmailReply(mail, 'UNRELATED mail', { inReplyTo: '<someone@else.test>', subject: 'Lunch?' }),
    ];
    const badUids: number[] = [];
    for (const raw of bad) badUids.push(await dovecot.append(user, raw));
    // A good reply after them: once it is typed, the inbox has been read past the bad ones.
    api.reply({ text: 'OK.' });
    await dovecot.append(user, gmailReply(mail, 'the genuine reply'));
    await api.waitForRequest((r) => r.mainTurn && conversation(r).includes('the genuine reply'), 20_000);
    for (const word of ['SPOOFED', 'WRONG', 'UNRELATED']) expect(api.requests.some((r) => conversation(r).includes(word))).toBe(false);
    const flags = await dovecot.messages(user);
    for (const uid of badUids) expect(flags.find((m) => m.uid === uid)?.flags).not.toContain('\\Seen');
    expect(d.logs()).toMatch(/not from the owner \(From: mallory@evil\.test\)/);
  });

  it('a reply that lost its headers is still accepted by subject tag + the token quoted from the footer', async () => {
    const id = await newSession();
    const mail = await notify(id, 'Headers lost');
    api.reply({ text: 'OK.' });
    await dovecot.append(user, gmailReply(mail, 'typed via the quoted token', { inReplyTo: null }));
    await api.waitForRequest((r) => r.mainTurn && conversation(r).includes('typed via the quoted token'), 20_000);
  });

  it('/status by mail answers by mail in the same thread; a reply to an ended session says so and types nothing', async () => {
    const id = await newSession();
    const mail = await notify(id, 'Commands');
    await dovecot.append(user, gmailReply(mail, '/status'));
    const status = await smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Status: idle`, 20_000);
    expect(status.parsed.text).toContain(`Session ${id}: idle`);
    expect(status.parsed.inReplyTo).toBe(mail.parsed.messageId);

    expect((await d.api('POST', `/session/${id}/kill`)).status).toBe(200);
    await dovecot.append(user, gmailReply(mail, 'LATE reply after the end'));
    const ended = await smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Session has ended`, 20_000);
    expect(ended.parsed.text).toContain('was not typed');
    expect(api.requests.some((r) => conversation(r).includes('LATE reply'))).toBe(false);
  });

  it('IMAP server down while the reply arrives: delivered once it is back', async () => {
    const id = await newSession();
    const mail = await notify(id, 'Outage');
    await dovecot.down();
    await waitFor(() => d.logs().includes('email: IMAP connection lost'), { timeoutMs: 20_000, message: 'the daemon saw the IMAP connection drop' });
    // Delivered the way an MDA does while the IMAP server is down: straight into the Maildir.
    deliverToMaildir(dovecot, user, gmailReply(mail, 'sent during the outage'));
    api.reply({ text: 'OK.' });
    await dovecot.up();
    await api.waitForRequest((r) => r.mainTurn && conversation(r).includes('sent during the outage'), 90_000);
    expect(d.logs()).toContain('email: IMAP connection restored');
  });

  it('SMTP server down: the mail goes out when it is back, once', async () => {
    const id = await newSession();
    await smtp.down();
    const subject = `While down ${randomBytes(3).toString('hex')}`;
    expect((await d.api('POST', '/notify', { channel: 'email', session_id: id, subject, message: 'queued' })).status).toBe(202);
    await waitFor(() => d.logs().includes('email: sending failed; it stays queued'), { timeoutMs: 20_000, message: 'a failed send attempt' });
    await smtp.up();
    await smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] ${subject}`, 60_000);
    // One more mail through the same lane: it can only arrive after the retried one left the outbox.
    await notify(id, `${subject} after`);
    expect(smtp.messages.filter((m) => m.parsed.subject === `[claude-${id}] ${subject}`)).toHaveLength(1);
  });

  it("Claude's own question by mail: numbered options with their meaning; a reply \"3, 1\" answers a multi-select question", async () => {
    const id = await newSession();
    api.reply({ toolUse: { name: 'AskUserQuestion', id: 'toolu_mail_multi', input: { questions: [FEATURES] } } }, { text: 'Release scope noted.' });
    expect((await d.api('POST', `/session/${id}/input`, { text: 'plan the release' })).status).toBe(200);
    const mail = await smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Question: ${FEATURES.question}`, 30_000);
    expect(mail.parsed.text).toContain('  1. Login — email and password');
    expect(mail.parsed.text).toContain('  3. Export — CSV and JSON');
    expect(mail.parsed.text).toContain('(for example "1,3")');
    await dovecot.append(user, gmailReply(mail, '3, 1'));
    const result = await waitFor(() => api.toolResults().find((r) => r.tool_use_id === 'toolu_mail_multi'), { timeoutMs: 30_000, message: 'the answer at the model' });
    expect(JSON.stringify(result.content)).toContain(`\\"${FEATURES.question}\\"=\\"Login, Export\\"`);
    await waitFor(async () => (await d.api<{ last_message: string | null }>('GET', `/session/${id}`)).body.last_message === 'Release scope noted.', { timeoutMs: 20_000, message: 'Claude went on' });
  });
});

/** Writes a message into the user's Maildir/new as a delivery agent would (the IMAP server may be down). */
function deliverToMaildir(dovecot: Dovecot, user: string, raw: string): void {
  const maildir = join(dovecot.dir, 'home', user, 'Maildir');
  const { uid, gid } = dovecot.mailOwner;
  for (const sub of ['', 'new', 'cur', 'tmp']) {
    mkdirSync(join(maildir, sub), { recursive: true });
    chownSync(join(maildir, sub), uid, gid);
  }
  const file = join(maildir, 'new', `${Date.now()}.${randomBytes(4).toString('hex')}.csm-test`);
  writeFileSync(file, raw.replace(/\r\n/g, '\n'));
  chownSync(file, uid, gid);
}

/** Nothing lost, nothing twice: the daemon dies after fetching a reply, before typing it. */
describe.each(claudeVersions())('email reply across a daemon crash, Claude Code $label', ({ bin, label }) => {
  it('after the restart the reply is typed exactly once and marked \\Seen', async () => {
    const { project, home } = workspace(`csm-mail-crash-${label}`);
    const [api, servers] = await Promise.all([startFakeAnthropic(), startMailStack()]);
    const { dovecot, smtp, mailbox: user } = servers;
    const text = 'typed once after a crash, from mail';
    const d = await startDaemon({
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }),
      claudeArgs: ['--permission-mode', 'default'],
      config: { email: servers.config },
      env: { CSM_TEST_CRASH_AT: `before-type:${text}` },
    });
    try {
      await waitFor(() => d.logs().includes('email: watching the inbox'), { timeoutMs: 20_000, message: 'the daemon watches the inbox' });
      const id = await newIdleSession(d, project);
      expect((await d.api('POST', '/notify', { channel: 'email', session_id: id, subject: 'Crash', body: 'reply to me' })).status).toBe(202);
      const sent = await smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Crash`, 20_000);
      api.reply({ text: 'Got the mail exactly once.' });
      const uid = await dovecot.append(user, gmailReply(sent, text));
      await d.exited();
      expect((await dovecot.messages(user)).find((m) => m.uid === uid)?.flags).not.toContain('\\Seen');
      await d.restart({ CSM_TEST_CRASH_AT: undefined });
      await waitFor(async () => (await d.api<{ last_message: string | null }>('GET', `/session/${id}`)).body.last_message === 'Got the mail exactly once.', { timeoutMs: 45_000, message: 'Claude answered the reply' });
      const latest = api.requests.filter((r) => r.mainTurn).at(-1)!;
      expect(occurrences(conversation(latest), text)).toBe(1);
      expect(occurrences((await d.api<{ output: string }>('GET', `/session/${id}/output?lines=200`)).body.output, text)).toBe(1);
      await waitFor(async () => (await dovecot.messages(user)).find((m) => m.uid === uid)?.flags.includes('\\Seen'), { timeoutMs: 10_000, message: 'reply marked \\Seen' });
    } finally {
      await d.cleanup();
      await Promise.all([servers.close(), api.close()]);
    }
  });
});

/** A session quiet for sessions.idle_email_seconds: one summary mail per quiet spell. */
describe.each(claudeVersions())('email idle summary, Claude Code $label', ({ bin, label }) => {
  it('after a quiet spell, one mail with Claude\'s last message and the screen; the next spell, one more', async () => {
    const { project, home } = workspace(`csm-mail-idle-${label}`);
    const [api, servers] = await Promise.all([startFakeAnthropic(), startMailStack()]);
    const d = await startDaemon({
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }),
      config: { email: servers.config, sessions: { idle_warning_seconds: 1, idle_email_seconds: 3 } },
    });
    try {
      const id = await newIdleSession(d, project);
      const idleMails = () => servers.smtp.messages.filter((m) => m.parsed.subject?.startsWith(`[claude-${id}] Idle for`));
      api.reply({ text: 'The migration is written; run it when you are ready.' });
      expect((await d.api('POST', `/session/${id}/input`, { text: 'write the migration' })).status).toBe(200);
      const first = await servers.smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Idle for 3 s: waiting for you`, 30_000);
      expect(first.parsed.text).toContain(`Session ${id} (${project}) has been idle for 3 s`);
      expect(first.parsed.text).toContain("Claude's last message:\n\nThe migration is written; run it when you are ready.");
      expect(first.parsed.text).toMatch(/The screen ends with:\n\n```\n[\s\S]*❯[\s\S]*```/);
      expect(first.parsed.html).toContain('<pre');

      // A new prompt ends the spell; the next quiet spell gets its own summary, replying in the same thread.
      api.reply({ text: 'Ran it: 3 tables created.' });
      expect((await d.api('POST', `/session/${id}/input`, { text: 'run it' })).status).toBe(200);
      const second = await servers.smtp.waitForMessage((m) => m !== first && m.parsed.subject === first.parsed.subject && m.parsed.text!.includes('Ran it: 3 tables created.'), 30_000);
      expect(second.parsed.inReplyTo).toBe(first.parsed.messageId);
      expect(idleMails()).toHaveLength(2);
    } finally {
      await d.cleanup();
      await Promise.all([servers.close(), api.close()]);
    }
  });
});

/** An IMAP server without IDLE: the inbox is polled every poll_interval_seconds instead. */
describe.each(claudeVersions().slice(0, 1))('email without IMAP IDLE, Claude Code $label', ({ bin, label }) => {
  it('a reply is still typed, found by polling', async () => {
    const { project, home } = workspace(`csm-mail-noidle-${label}`);
    const [api, servers] = await Promise.all([startFakeAnthropic(), startMailStack({ poll_interval_seconds: 5 }, { withoutIdle: true })]);
    const d = await startDaemon({
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }),
      config: { email: servers.config },
    });
    try {
      await waitFor(() => /"idle":false[^\n]*email: watching the inbox/.test(d.logs()), { timeoutMs: 20_000, message: 'the daemon saw a server without IDLE' });
      const id = await newIdleSession(d, project);
      expect((await d.api('POST', '/notify', { channel: 'email', session_id: id, subject: 'Polling', body: 'reply to me' })).status).toBe(202);
      const sent = await servers.smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Polling`, 20_000);
      api.reply({ text: 'OK.' });
      await servers.dovecot.append(servers.mailbox, gmailReply(sent, 'found by polling'));
      await api.waitForRequest((r) => r.mainTurn && conversation(r).includes('found by polling'), 30_000);
    } finally {
      await d.cleanup();
      await Promise.all([servers.close(), api.close()]);
    }
  });
});
