import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversation, startFakeAnthropic, type FakeAnthropic, type ToolResult } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeMessage } from '../fakes/telegram-bot-api.js';
import { claudeVersions, mcpConnected, prepareClaudeHome } from '../helpers/claude.js';
import { newIdleSession, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { startMailStack, type MailStack } from '../helpers/mail.js';
import { button, newSessionFromChat as openFromChat, startTelegramDaemon, telegramConfig, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

/** The text blocks of a tool_result, joined: what the model reads. */
const resultText = (r: ToolResult): string =>
  typeof r.content === 'string' ? r.content : Array.isArray(r.content) ? (r.content as { type?: string; text?: string }[]).map((c) => c.text ?? '').join('\n') : JSON.stringify(r.content);


/**
 * Issue 5 end to end: the real daemon starts real Claude Code in real tmux with our MCP server (--mcp-config);
 * the fake Anthropic API makes Claude call mcp__csm__* tools; the owner sees and answers them in the (fake)
 * Telegram chat; the next request to the API carries the tool_result.
 */
describe.each(claudeVersions())('MCP tools with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let cacheHome: string;
  /** One project folder per test, all trusted up front (.claude.json is written once, before any session). */
  const projects: Record<'choice' | 'freeText' | 'timeout' | 'withdrawn' | 'terminal' | 'notify' | 'early', string> = { choice: '', freeText: '', timeout: '', withdrawn: '', terminal: '', notify: '', early: '' };

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), `csm-mcp-${label}-`));
    const home = join(root, 'claude-home');
    mkdirSync(home);
    for (const name of Object.keys(projects) as (keyof typeof projects)[]) {
      projects[name] = join(root, `project-${name}`);
      mkdirSync(projects[name]);
    }
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start();
    cacheHome = join(home, '.cache');
    const env = { ...prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: Object.values(projects) }), XDG_CACHE_HOME: cacheHome };
    d = await startTelegramDaemon(tg, { claudeBin: bin, claudeEnv: env });
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  async function newSessionFromChat(path: string): Promise<{ id: string; root: FakeMessage }> {
    const { id, root } = await openFromChat(tg, d, path);
    await waitFor(() => mcpConnected(cacheHome, path), { timeoutMs: 30_000, message: `Claude Code in ${id} connected to the csm MCP server` });
    return { id, root };
  }

  /** The owner types a prompt in the session's thread; resolves once it reached the API, with our tools offered. */
  async function prompt(root: FakeMessage, text: string): Promise<void> {
    tg.userSends({ text, replyTo: root.message_id });
    const req = await api.waitForRequest((r) => r.mainTurn && conversation(r).includes(text), 30_000);
    // Claude Code offered our tools to the model: the MCP server from --mcp-config is connected.
    expect(req.body.tools?.map((t) => t.name)).toEqual(expect.arrayContaining(['mcp__csm__ask_user', 'mcp__csm__notify', 'mcp__csm__send_email']));
  }

  const toolResult = (toolUseId: string, timeoutMs = 30_000): Promise<ToolResult> =>
    waitFor(() => api.toolResults().find((r) => r.tool_use_id === toolUseId), { timeoutMs, message: `the tool_result of ${toolUseId}` });

  /** What the person typed as prompts (user text, not tool results), over every main-turn request. */
  const promptTexts = (): string[] =>
    api.requests
      .filter((r) => r.mainTurn)
      .flatMap((r) => r.body.messages ?? [])
      .filter((m) => m.role === 'user')
      .flatMap((m) => (typeof m.content === 'string' ? [m.content] : (m.content as { type?: string; text?: string }[]).filter((b) => b.type === 'text').map((b) => b.text ?? '')));

  /** The question message of session `id` in its thread. */
  const questionMessage = (id: string, question: string): Promise<FakeMessage> =>
    tg.waitForMessage((m) => textOf(m).startsWith(`❓ ${id}`) && textOf(m).includes(question), 30_000);

  it('ask_user with options: one button per option in the thread, a tap answers it, Claude gets the answer', async () => {
    const { id, root } = await newSessionFromChat(projects.choice);
    const toolUseId = `toolu_ask_choice_${label.replace(/\W/g, '')}`;
    const question = 'Which database should the app use?';
    api.reply(
      { toolUse: { id: toolUseId, name: 'mcp__csm__ask_user', input: { question, options: ['Postgres', 'SQLite'] } } },
      { text: 'Going with SQLite, as you chose.' },
    );
    await prompt(root, 'set up the database layer');

    const q = await questionMessage(id, question);
    expect(q.reply_to).toBe(root.message_id);
    expect(q.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['Postgres', 'SQLite']);
    // One option per row, so long labels stay readable.
    expect(q.reply_markup?.inline_keyboard.map((row) => row.length)).toEqual([1, 1]);
    expect((await d.api<{ status: string; pending: { kind: string } | null }>('GET', `/session/${id}`)).body).toMatchObject({ status: 'waiting_input', pending: { kind: 'question' } });

    const tap = tg.userTaps(q.message_id, button(q, 'SQLite'));
    await tg.waitForCallbackAnswer(tap, 15_000);
    const result = await toolResult(toolUseId);
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toMatch(/answered on Telegram/);
    expect(resultText(result)).toMatch(/\bSQLite\b/);
    expect(resultText(result)).not.toMatch(/Postgres/);

    const done = await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`), 30_000);
    expect(textOf(done)).toContain('Going with SQLite, as you chose.');
    expect(done.reply_to).toBe(root.message_id);
    // The question's buttons are gone and the message says who answered what.
    const edited = await tg.waitForMessage((m) => m.message_id === q.message_id && m.edits.length > 0, 15_000);
    expect(edited.reply_markup).toBeUndefined();
    expect(textOf(edited)).toMatch(/SQLite/);
  });

  it('ask_user answered in free text by replying to the question', async () => {
    const { id, root } = await newSessionFromChat(projects.freeText);
    const toolUseId = `toolu_ask_text_${label.replace(/\W/g, '')}`;
    const question = 'What should the new CLI command be called?';
    api.reply(
      { toolUse: { id: toolUseId, name: 'mcp__csm__ask_user', input: { question, options: ['run', 'exec'] } } },
      { text: 'Named it launch.' },
    );
    await prompt(root, 'add the new command');

    const q = await questionMessage(id, question);
    const answer = 'neither: call it "launch" (and keep `run` as an alias)';
    const reply = tg.userSends({ text: answer, replyTo: q.message_id });
    const result = await toolResult(toolUseId);
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toMatch(/answered on Telegram/);
    expect(resultText(result)).toContain(answer);
    // The reply was an answer, not typed into the terminal as a prompt of its own.
    expect(promptTexts().some((t) => t.includes(answer))).toBe(false);
    expect(promptTexts()).toContain('add the new command');
    // The reply is acknowledged with a reaction, as typed text is.
    const acked = await tg.waitUntil(() => tg.chatMessages().find((m) => m.message_id === reply.message_id && m.reactions.length > 0), 15_000, 'a reaction on the reply');
    expect(acked.reactions).toContain('👍');
    // The question says it was answered, without buttons.
    const edited = await tg.waitForMessage((m) => m.message_id === q.message_id && m.edits.length > 0, 15_000);
    expect(edited.reply_markup).toBeUndefined();
    expect(textOf(edited)).toContain('call it "launch"');
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('Named it launch.'), 30_000);
  });

  it('ask_user with nobody answering: after timeout_seconds Claude reads "No answer within 2 s", not an error', async () => {
    const { id, root } = await newSessionFromChat(projects.timeout);
    const toolUseId = `toolu_ask_timeout_${label.replace(/\W/g, '')}`;
    const question = 'May I drop the staging database?';
    api.reply(
      { toolUse: { id: toolUseId, name: 'mcp__csm__ask_user', input: { question, options: ['Yes', 'No'], timeout_seconds: 2 } } },
      { text: 'No answer, so I left the staging database alone.' },
    );
    await prompt(root, 'clean up staging');

    const q = await questionMessage(id, question);
    const result = await toolResult(toolUseId);
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toMatch(/^No answer within 2 s/);
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('left the staging database alone'), 30_000);
    // The question in the chat says it timed out and offers no stale buttons.
    const edited = await tg.waitForMessage((m) => m.message_id === q.message_id && m.edits.length > 0, 15_000);
    expect(edited.reply_markup).toBeUndefined();
    expect(textOf(edited)).toMatch(/no answer within 2 s/i);
  });

  it('Esc in the terminal while ask_user waits: the question is withdrawn from the chat', async () => {
    const { id, root } = await newSessionFromChat(projects.withdrawn);
    const question = 'Which colour for the logo?';
    api.reply({ toolUse: { name: 'mcp__csm__ask_user', input: { question, options: ['Red', 'Blue'] } } });
    await prompt(root, 'make a logo');

    const q = await questionMessage(id, question);
    // The person at the laptop interrupts Claude: Claude Code cancels the tool call, the MCP server hangs up.
    await execa('tmux', ['-L', d.socketName, 'send-keys', '-t', `claude-${id}`, 'Escape']);
    const edited = await tg.waitForMessage((m) => m.message_id === q.message_id && m.edits.length > 0, 15_000);
    expect(edited.reply_markup).toBeUndefined();
    expect(textOf(edited)).toMatch(/Claude stopped waiting for the answer/);
    expect((await d.api<{ pending: unknown }>('GET', `/session/${id}`)).body.pending).toBeNull();
    // A late tap on the old button changes nothing.
    const tap = tg.userTaps(q.message_id, button(q, 'Red'));
    expect((await tg.waitForCallbackAnswer(tap, 15_000)).text).toMatch(/Already resolved/);
  });

  it('ask_user answered by typing in the terminal: Claude gets that text, the chat says so', async () => {
    const { id, root } = await newSessionFromChat(projects.terminal);
    const toolUseId = `toolu_ask_terminal_${label.replace(/\W/g, '')}`;
    const question = 'Which port should the server use?';
    api.reply({ toolUse: { id: toolUseId, name: 'mcp__csm__ask_user', input: { question } } }, { text: 'Port 8080 then.' });
    await prompt(root, 'start the server');

    const q = await questionMessage(id, question);
    // The person is back at the laptop and types the answer into Claude Code (text, then Enter on its own).
    const pane = `claude-${id}`;
    await execa('tmux', ['-L', d.socketName, 'send-keys', '-t', pane, '-l', 'use 8080']);
    await waitFor(async () => (await execa('tmux', ['-L', d.socketName, 'capture-pane', '-p', '-t', pane])).stdout.includes('use 8080'), { message: 'the typed text on screen' });
    await execa('tmux', ['-L', d.socketName, 'send-keys', '-t', pane, 'Enter']);

    const result = await toolResult(toolUseId).catch(async (err: Error) => {
      const screen = (await execa('tmux', ['-L', d.socketName, 'capture-pane', '-p', '-t', pane])).stdout;
      throw new Error(`${err.message}\nscreen:\n${screen.trimEnd().split('\n').slice(-20).join('\n')}\nsession: ${JSON.stringify((await d.api('GET', `/session/${id}`)).body)}`);
    });
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toBe('The owner answered in the terminal:\nuse 8080');
    const edited = await tg.waitForMessage((m) => m.message_id === q.message_id && m.edits.length > 0, 15_000);
    expect(edited.reply_markup).toBeUndefined();
  });

  it('a prompt sent the moment the session shows its prompt box still reaches Claude with our tools', async () => {
    // No waiting for the MCP connection here: the daemon holds the first prompt until our server is connected.
    const { id, root } = await openFromChat(tg, d, projects.early);
    api.reply({ text: 'Ready.' });
    await prompt(root, 'are your tools there?');
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('Ready.'), 30_000);
  });

  it('notify: the message reaches the session\'s Telegram thread and Claude reads "sent via Telegram"', async () => {
    const { id, root } = await newSessionFromChat(projects.notify);
    const toolUseId = `toolu_notify_${label.replace(/\W/g, '')}`;
    api.reply({ toolUse: { id: toolUseId, name: 'mcp__csm__notify', input: { message: 'Build finished' } } }, { text: 'Told you on Telegram.' });
    await prompt(root, 'build it and tell me');

    const note = await tg.waitForMessage((m) => textOf(m).startsWith(`📣 ${id}`) && textOf(m).includes('Build finished'), 30_000);
    expect(note.reply_to).toBe(root.message_id);
    const result = await toolResult(toolUseId);
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toMatch(/Sent to the owner via Telegram/);
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('Told you on Telegram.'), 30_000);
  });
});

/**
 * The same tools with email as the only channel: real SMTP (sink) and real Dovecot. The owner answers
 * ask_user by replying to the question mail.
 */
describe.each(claudeVersions())('MCP tools over email with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let mail: MailStack;
  let d: DaemonHandle;
  let cacheHome: string;
  const projects: Record<'sendEmail' | 'ask', string> = { sendEmail: '', ask: '' };

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), `csm-mcp-mail-${label}-`));
    const home = join(root, 'claude-home');
    mkdirSync(home);
    for (const name of Object.keys(projects) as (keyof typeof projects)[]) {
      projects[name] = join(root, `project-${name}`);
      mkdirSync(projects[name]);
    }
    [api, mail] = await Promise.all([startFakeAnthropic(), startMailStack()]);
    cacheHome = join(home, '.cache');
    d = await startDaemon({
      claudeBin: bin,
      claudeEnv: { ...prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: Object.values(projects) }), XDG_CACHE_HOME: cacheHome },
      claudeArgs: ['--permission-mode', 'default'],
      config: { email: mail.config },
    });
    await waitFor(() => d.logs().includes('email: watching the inbox'), { timeoutMs: 20_000, message: 'the daemon watches the inbox' });
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await d?.cleanup();
    await Promise.all([mail?.close(), api?.close()]);
  });

  async function newSession(path: string): Promise<string> {
    const id = await newIdleSession(d, path);
    await waitFor(() => mcpConnected(cacheHome, path), { timeoutMs: 30_000, message: `Claude Code in ${id} connected to the csm MCP server` });
    return id;
  }
  const toolResult = (toolUseId: string, timeoutMs = 30_000): Promise<ToolResult> =>
    waitFor(() => api.toolResults().find((r) => r.tool_use_id === toolUseId), { timeoutMs, message: `the tool_result of ${toolUseId}` });

  it('send_email: the mail reaches the owner with the session tag and footer; Claude reads that it was sent', async () => {
    const id = await newSession(projects.sendEmail);
    const toolUseId = `toolu_mail_${label.replace(/\W/g, '')}`;
    api.reply({ toolUse: { id: toolUseId, name: 'mcp__csm__send_email', input: { subject: 'Nightly report', body: 'All 12 suites green.' } } }, { text: 'Mailed it.' });
    expect((await d.api('POST', `/session/${id}/input`, { text: 'mail me the report' })).status).toBe(200);
    const sent = await mail.smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Nightly report`, 30_000);
    expect(sent.parsed.text).toContain('All 12 suites green.');
    expect(sent.parsed.text).toContain(`Reply to this email to send input to session ${id}.`);
    const result = await toolResult(toolUseId);
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toMatch(/Email sent to the owner \(subject "Nightly report"\)/);
  });

  it('ask_user by email: the question mail lists the options; the reply "2" answers it and Claude gets "SQLite"', async () => {
    const id = await newSession(projects.ask);
    const toolUseId = `toolu_mailask_${label.replace(/\W/g, '')}`;
    api.reply({ toolUse: { id: toolUseId, name: 'mcp__csm__ask_user', input: { question: 'Which database?', options: ['Postgres', 'SQLite'] } } }, { text: 'Going with SQLite.' });
    expect((await d.api('POST', `/session/${id}/input`, { text: 'set up storage' })).status).toBe(200);
    const q = await mail.smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Question: Which database?`, 30_000);
    expect(q.parsed.text).toContain('  2. SQLite');
    await mail.dovecot.append(mail.mailbox, [
      'From: Owner <owner@example.test>', 'To: csm@example.test', `Subject: Re: ${q.parsed.subject}`,
      `Message-ID: <ask-${id}@mail.example.test>`, `In-Reply-To: ${q.parsed.messageId}`, `References: ${q.parsed.messageId}`,
      'Content-Type: text/plain; charset=utf-8', '', '2', '', 'On Tue, csm <csm@example.test> wrote:', '> Which database?', '',
    ].join('\r\n'));
    const result = await toolResult(toolUseId);
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toMatch(/The owner answered by email:\nSQLite/);
  });
});

/** With both channels configured, ask_user's `channel: "email"` sends the question by mail only. */
describe.each(claudeVersions().slice(0, 1))('ask_user asked for email, Telegram also configured, Claude Code $label', ({ bin, label }) => {
  it('the question goes by mail, not to the chat; the mail reply answers it', async () => {
    const root = mkdtempSync(join(tmpdir(), `csm-mcp-both-${label}-`));
    const home = join(root, 'claude-home');
    const project = join(root, 'project');
    for (const dir of [home, project]) mkdirSync(dir);
    const [api, mail, tg] = await Promise.all([startFakeAnthropic(), startMailStack(), FakeTelegramBotApi.start()]);
    const cacheHome = join(home, '.cache');
    const d = await startDaemon({
      claudeBin: bin,
      claudeEnv: { ...prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }), XDG_CACHE_HOME: cacheHome },
      claudeArgs: ['--permission-mode', 'default'],
      config: {
        telegram: telegramConfig(tg),
        email: mail.config,
      },
    });
    try {
      await waitFor(() => d.logs().includes('email: watching the inbox'), { timeoutMs: 20_000, message: 'the daemon watches the inbox' });
      const id = await newIdleSession(d, project);
      await waitFor(() => mcpConnected(cacheHome, project), { timeoutMs: 30_000, message: `Claude Code in ${id} connected to the csm MCP server` });
      const toolUseId = `toolu_both_${label.replace(/\W/g, '')}`;
      api.reply({ toolUse: { id: toolUseId, name: 'mcp__csm__ask_user', input: { question: 'Ship the release notes?', channel: 'email' } } }, { text: 'Shipping.' });
      expect((await d.api('POST', `/session/${id}/input`, { text: 'prepare the release' })).status).toBe(200);
      const q = await mail.smtp.waitForMessage((m) => m.parsed.subject === `[claude-${id}] Question: Ship the release notes?`, 30_000);
      await mail.dovecot.append(mail.mailbox, [
        'From: owner@example.test', 'To: csm@example.test', `Subject: Re: ${q.parsed.subject}`, `Message-ID: <both-${id}@mail.example.test>`,
        `In-Reply-To: ${q.parsed.messageId}`, 'Content-Type: text/plain; charset=utf-8', '', 'Yes, after the changelog.', '',
      ].join('\r\n'));
      const result = await waitFor(() => api.toolResults().find((r) => r.tool_use_id === toolUseId), { timeoutMs: 30_000, message: 'the tool_result' });
      expect(resultText(result)).toMatch(/The owner answered by email:\nYes, after the changelog\./);
      // The chat saw the session start but never the question.
      expect(tg.botMessages().some((m) => textOf(m).includes('Ship the release notes?'))).toBe(false);
    } finally {
      await d.cleanup();
      await Promise.all([mail.close(), tg.close(), api.close()]);
    }
  });
});
