import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversation, occurrences, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeMessage } from '../fakes/telegram-bot-api.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { button, newSessionFromChat as openFromChat, startTelegramDaemon, telegramConfig, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';


/** The owner drives real Claude Code sessions from the (fake) Telegram chat, through the real daemon. */
describe.each(claudeVersions())('Telegram with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let project: string;
  let other: string;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), `csm-tg-${label}-`));
    project = join(root, 'project');
    other = join(root, 'other');
    const home = join(root, 'claude-home');
    for (const dir of [project, other, home]) mkdirSync(dir);
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start();
    const env = prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project, other] });
    d = await startTelegramDaemon(tg, { claudeBin: bin, claudeEnv: env });
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  const newSessionFromChat = (path: string): Promise<{ id: string; root: FakeMessage }> => openFromChat(tg, d, path);

  it('/new → root message → a reply → permission with buttons → Allow → the tool runs → ✅ finished, all in the thread', async () => {
    const { id, root } = await newSessionFromChat(project);
    api.reply({ toolUse: { name: 'Bash', input: { command: 'rm -rf node_modules', description: 'Remove node_modules directory' } } }, { text: 'All done: node_modules removed.' });
    tg.userSends({ text: 'please clean up', replyTo: root.message_id });
    const perm = await tg.waitForMessage((m) => textOf(m).startsWith(`🔔 ${id} Bash`), 30_000);
    expect(textOf(perm)).toContain('rm -rf node_modules');
    expect(perm.reply_to).toBe(root.message_id);
    const tap = tg.userTaps(perm.message_id, button(perm, /^Allow/));
    await tg.waitForCallbackAnswer(tap, 15_000);
    const done = await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`), 30_000);
    expect(textOf(done)).toContain('All done: node_modules removed.');
    expect(done.reply_to).toBe(root.message_id);
    const edited = await tg.waitForMessage((m) => m.message_id === perm.message_id && m.edits.length > 0, 15_000);
    expect(edited.reply_markup).toBeUndefined();
    expect(textOf(edited)).toMatch(/Allowed/);
    expect(api.toolResults().at(-1)?.is_error).toBe(false);
  });

  it('deny with a typed reason reaches Claude', async () => {
    const { id, root } = await newSessionFromChat(project);
    api.reply({ toolUse: { name: 'Bash', input: { command: 'rm -rf dist', description: 'Remove dist' } } }, { text: 'OK, leaving dist alone.' });
    tg.userSends({ text: 'remove dist', replyTo: root.message_id });
    const perm = await tg.waitForMessage((m) => textOf(m).startsWith(`🔔 ${id} Bash`) && textOf(m).includes('rm -rf dist'), 30_000);
    tg.userSends({ text: 'no, dist is needed for the release', replyTo: perm.message_id });
    await waitFor(() => api.toolResults().some((r) => JSON.stringify(r.content).includes('dist is needed for the release')), { timeoutMs: 30_000, message: 'the reason in the tool_result' });
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('leaving dist alone'), 30_000);
  });

  it('two sessions at once: each reply goes to its own session', async () => {
    const a = await newSessionFromChat(project);
    const b = await newSessionFromChat(other);
    api.reply({ text: 'reply one' });
    tg.userSends({ text: 'message for the second session', replyTo: b.root.message_id });
    const req = await api.waitForRequest((r) => r.mainTurn && conversation(r).includes('message for the second session'), 30_000);
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${b.id} finished`), 30_000);
    // Claude Code tags each request with its own session id: the text went to b's Claude, not a's.
    const claudeId = async (id: string): Promise<string> => (await d.api<{ claude_session_id: string }>('GET', `/session/${id}`)).body.claude_session_id;
    const tag = JSON.stringify((req.body as { metadata?: unknown }).metadata);
    expect(tag).toContain(await claudeId(b.id));
    expect(tag).not.toContain(await claudeId(a.id));
  });

  it("a stranger's /new does nothing", async () => {
    const before = (await d.api<{ sessions: unknown[] }>('GET', '/sessions')).body.sessions.length;
    const strangerChat = 999_999;
    tg.configureChat({ id: strangerChat, type: 'private' });
    const msg = tg.userSends({ text: `/new ${project}`, from: { id: strangerChat, first_name: 'Mallory' }, chatId: strangerChat });
    // The owner's next command is handled after the stranger's: once it is answered, the stranger's was seen.
    tg.userSends({ text: '/list' });
    await tg.waitForMessage((m) => m.message_id > msg.message_id && m.chat_id === tg.owner.id && /Sessions|No sessions|[0-9a-f]{4}/.test(textOf(m)), 15_000);
    expect((await d.api<{ sessions: unknown[] }>('GET', '/sessions')).body.sessions.length).toBe(before);
    expect(tg.botMessages(strangerChat)).toHaveLength(0);
  });
});

/** Telegram failing 30% of the time (500s and 429s with retry_after): every message still arrives, once. */
describe.each(claudeVersions())('Telegram failing 3 calls in 10, Claude Code $label', ({ bin, label }) => {
  it('the whole flow goes through and no message arrives twice', async () => {
    const { project, home } = workspace(`csm-tg-flaky-${label}`);
    const api = await startFakeAnthropic();
    const tg = await FakeTelegramBotApi.start();
    const d = await startTelegramDaemon(tg, { claudeBin: bin, claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }) });
    try {
      tg.failRate(0.3, { seed: 42, kinds: ['500', '429'], retryAfter: 1 });
      const { id, root: rootMsg } = await openFromChat(tg, d, project);
      api.reply({ toolUse: { name: 'Bash', input: { command: 'rm -rf build', description: 'Remove build' } } }, { text: 'Build folder removed.' });
      tg.userSends({ text: 'remove the build folder', replyTo: rootMsg.message_id });
      const perm = await tg.waitForMessage((m) => textOf(m).startsWith(`🔔 ${id} Bash`), 60_000);
      // A tap whose answerCallbackQuery fails is still handled: the decision reaches Claude.
      tg.userTaps(perm.message_id, button(perm, /^Allow/));
      await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('Build folder removed.'), 90_000);
      await tg.waitForMessage((m) => m.message_id === perm.message_id && m.edits.length > 0, 60_000);
      expect(tg.calls.filter((c) => c.fault).length).toBeGreaterThan(3);
      const texts = tg.botMessages().map(textOf);
      expect(texts.filter((t) => t.startsWith(`🚀 Session ${id}`))).toHaveLength(1);
      expect(texts.filter((t) => t.startsWith(`🔔 ${id}`))).toHaveLength(1);
      expect(texts.filter((t) => t.startsWith(`✅ ${id}`))).toHaveLength(1);
      expect(new Set(texts).size).toBe(texts.length);
    } finally {
      await d.cleanup();
      await tg.close();
      await api.close();
    }
  });
});

/** Nothing lost, nothing twice: the daemon dies between receiving a reply and typing it. */
describe.each(claudeVersions())('Telegram reply across a daemon crash, Claude Code $label', ({ bin, label }) => {
  it('after the restart the reply is typed exactly once', async () => {
    const { project, home } = workspace(`csm-tg-crash-${label}`);
    const api = await startFakeAnthropic();
    const tg = await FakeTelegramBotApi.start();
    const text = 'typed once after a crash';
    const d = await startDaemon({
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }),
      claudeArgs: ['--permission-mode', 'default'],
      config: { telegram: telegramConfig(tg) },
      env: { CSM_TEST_CRASH_AT: `before-type:${text}` },
    });
    try {
      tg.userSends({ text: `/new ${project}` });
      const rootMsg = await tg.waitForMessage((m) => textOf(m).startsWith('🚀 Session'), 30_000);
      const id = /Session ([0-9a-f]{4})/.exec(textOf(rootMsg))![1]!;
      await waitFor(async () => (await d.api<{ status: string }>('GET', `/session/${id}`)).body.status === 'idle', { timeoutMs: 45_000, message: 'idle' });
      api.reply({ text: 'Got it exactly once.' });
      tg.userSends({ text, replyTo: rootMsg.message_id });
      await d.exited();
      await d.restart({ CSM_TEST_CRASH_AT: undefined });
      const done = await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`), 45_000);
      expect(textOf(done)).toContain('Got it exactly once.');
      const prompts = api.requests.filter((r) => r.mainTurn).map((r) => occurrences(conversation(r), text));
      // The text reached Claude in one turn, as one user message (later requests repeat the history).
      expect(Math.max(...prompts)).toBe(1);
      const transcriptHits = occurrences((await d.api<{ output: string }>('GET', `/session/${id}/output?lines=200`)).body.output, text);
      expect(transcriptHits).toBe(1);
    } finally {
      await d.cleanup();
      await tg.close();
      await api.close();
    }
  });
});
