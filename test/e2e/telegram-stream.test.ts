import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeMessage } from '../fakes/telegram-bot-api.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import type { DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import { newSessionFromChat, startTelegramDaemon, telegramConfig, textOf } from '../helpers/telegram.js';

/**
 * Live output (issue 12): the real Claude Code writes its transcript, the daemon follows it, and each turn is
 * one message in the session's thread, edited in place, closed by the ✅ finished message. Edits are paced by
 * the fake Bot API as Telegram does (429 with retry_after past about one a second).
 */
describe.each(claudeVersions())('Telegram live output with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let project: string;

  beforeAll(async () => {
    const ws = workspace(`csm-stream-${label}`);
    project = ws.project;
    writeFileSync(join(project, 'notes.txt'), 'first line\nsecond line\n');
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start();
    tg.editRateLimit({ perSecond: 1, burst: 2 });
    const env = prepareClaudeHome({ dir: ws.home, apiUrl: api.url, trustedDirs: [project] });
    d = await startTelegramDaemon(tg, {
      claudeBin: bin, claudeEnv: env,
      // The tools run without a dialog: this test is about what the chat shows while they run.
      claudeArgs: ['--permission-mode', 'default', '--allowedTools', 'Bash', 'Read'],
      config: { telegram: { ...telegramConfig(tg), stream: 'tools' } },
    });
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  const streamed = (id: string): FakeMessage[] => tg.botMessages().filter((m) => textOf(m).startsWith(`💬 ${id}\n`) || textOf(m).startsWith(`💬 ${id} (`));
  const finished = (id: string, words: string): Promise<FakeMessage> => tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes(words), 60_000);
  /** The turn's last text reached the chat before the message that closes the turn. */
  const textBeforeFinished = (id: string, words: string): void => {
    const ok = (c: (typeof tg.calls)[number]): boolean => c.status === 200 && String(c.params['text'] ?? '').includes(words);
    const shown = tg.calls.findIndex((c) => ok(c) && String(c.params['text']).startsWith(`💬 ${id}`));
    const closed = tg.calls.findIndex((c) => ok(c) && c.method === 'sendMessage' && String(c.params['text']).startsWith(`✅ <b>${id}</b> finished`));
    expect(shown).toBeGreaterThan(-1);
    expect(shown).toBeLessThan(closed);
  };
  /** Where each expected line is in `text`, which must hold each exactly once. */
  const positions = (text: string, lines: string[]): number[] =>
    lines.map((l) => {
      expect(text.split(l).length - 1, `${JSON.stringify(l)} once in ${JSON.stringify(text)}`).toBe(1);
      return text.indexOf(l);
    });

  it('a turn with two tool calls streams into one message edited in place, then the final message', async () => {
    const { id, root } = await newSessionFromChat(tg, d, project);
    api.reply(
      { text: 'Let me run the tests first.', toolUse: { name: 'Bash', input: { command: 'echo tests passed', description: 'Run the tests' } } },
      { toolUse: { name: 'Read', input: { file_path: join(project, 'notes.txt') } }, delayMs: 1500 },
      { text: 'All done: the tests pass.', delayMs: 1500 },
    );
    tg.userSends({ text: 'run the tests and read the notes', replyTo: root.message_id });
    const done = await finished(id, 'All done: the tests pass.');
    const final = await tg.waitForMessage((m) => textOf(m).startsWith(`💬 ${id}\n`) && textOf(m).includes('All done: the tests pass.'), 30_000);
    expect(streamed(id)).toHaveLength(1);
    textBeforeFinished(id, 'All done: the tests pass.');
    expect(final.reply_to).toBe(root.message_id);
    expect(final.message_id).toBeLessThan(done.message_id);
    const text = textOf(final);
    const at = positions(text, ['Let me run the tests first.', '⚙ Bash echo tests passed', '📖 Read notes.txt', 'All done: the tests pass.']);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // `tools` shows the calls, not their results.
    expect(text).not.toContain('↳');
    // Sent with the first entry, then edited as the others came: an earlier version lacks the end.
    expect(final.edits.length).toBeGreaterThan(0);
    expect(final.edits[0]!.text).toContain('Let me run the tests first.');
    expect(final.edits[0]!.text).not.toContain('All done');
    // No edit was made that Telegram refused as "not modified".
    expect(tg.calls.filter((c) => c.method === 'editMessageText' && String(c.description).includes('not modified'))).toHaveLength(0);
  });

  it('/stream off stops it for that session; /stream on brings it back', async () => {
    const { id, root } = await newSessionFromChat(tg, d, project);
    const off = tg.userSends({ text: '/stream off', replyTo: root.message_id });
    await tg.waitForMessage((m) => m.reply_to === off.message_id && textOf(m).startsWith(`🔇 Live output of ${id} is off`), 15_000);
    api.reply({ text: 'Quietly checking.', toolUse: { name: 'Bash', input: { command: 'echo quiet', description: 'Quiet' } } }, { text: 'Quiet turn over.' });
    tg.userSends({ text: 'a quiet turn', replyTo: root.message_id });
    await finished(id, 'Quiet turn over.');
    expect(streamed(id)).toHaveLength(0);

    const on = tg.userSends({ text: '/stream on', replyTo: root.message_id });
    await tg.waitForMessage((m) => m.reply_to === on.message_id && textOf(m).startsWith(`📡 Live output of ${id}`), 15_000);
    api.reply({ text: 'Loud again.' });
    tg.userSends({ text: 'a loud turn', replyTo: root.message_id });
    await finished(id, 'Loud again.');
    await tg.waitForMessage((m) => textOf(m) === `💬 ${id}\nLoud again.`, 15_000);
    expect(streamed(id).map(textOf)).toEqual([`💬 ${id}\nLoud again.`]);
  });

  it('a daemon SIGKILLed mid-stream resumes without duplicates', async () => {
    const { id, root } = await newSessionFromChat(tg, d, project);
    let back!: () => void;
    const restarted = new Promise<void>((resolve) => (back = resolve));
    api.reply(
      { text: 'Step one.', toolUse: { name: 'Bash', input: { command: 'echo one', description: 'One' } } },
      // Written while the daemon is down.
      { text: 'Step two.', toolUse: { name: 'Read', input: { file_path: join(project, 'notes.txt') } }, delayMs: 3000 },
      // Written once it is back.
      { text: 'Step three, the end.', holdUntil: restarted },
    );
    tg.userSends({ text: 'three steps please', replyTo: root.message_id });
    await tg.waitForMessage((m) => textOf(m).startsWith(`💬 ${id}\n`) && textOf(m).includes('⚙ Bash echo one'), 30_000);
    // Mid-stream, not inside the one HTTP reply that carries the new message's id: Telegram has no idempotent
    // send, so a crash between its answer and the daemon's record of it would show the part twice whatever
    // the daemon did (the README says so). The kill comes once the daemon holds the id.
    await waitFor(() => liveMessageRecorded(d, id), { message: 'the daemon recorded the live message' });
    await d.stop('SIGKILL');
    // The third reply was asked for: step two is in the transcript, unseen by any daemon.
    await api.waitForRequest((r) => r.mainTurn && JSON.stringify(r.body.messages).includes('second line') && JSON.stringify(r.body.messages).includes('Step two.'), 30_000);
    await d.restart();
    back();
    await finished(id, 'Step three, the end.');
    const final = await tg.waitForMessage((m) => textOf(m).startsWith(`💬 ${id}\n`) && textOf(m).includes('Step three, the end.'), 30_000);
    expect(streamed(id)).toHaveLength(1);
    textBeforeFinished(id, 'Step three, the end.');
    const at = positions(textOf(final), ['Step one.', '⚙ Bash echo one', 'Step two.', '📖 Read notes.txt', 'Step three, the end.']);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});

/** The daemon's own record: the session's live message has its Telegram id. */
function liveMessageRecorded(d: DaemonHandle, session: string): boolean {
  const db = new Database(join(d.home, 'csm.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT 1 FROM tg_stream_parts WHERE session_id = ? AND message_id IS NOT NULL').get(session) !== undefined;
  } finally {
    db.close();
  }
}
