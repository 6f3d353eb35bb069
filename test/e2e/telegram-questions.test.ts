import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeMessage } from '../fakes/telegram-bot-api.js';
import { COLOUR, FEATURES, SIZE } from '../fixtures/questions.js';
import { claudeVersions } from '../helpers/claude.js';
import { startClaudeStack, type ClaudeStack } from '../helpers/claude-daemon.js';
import type { DaemonHandle } from '../helpers/daemon.js';
import { button, newSessionFromChat, startTelegramDaemon, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

const BIN = join(import.meta.dirname, '../fixtures/bin');

/** Claude Code's own question tool answered from the (fake) Telegram chat, with the real CLI. */
describe.each(claudeVersions())('Telegram: AskUserQuestion on Claude Code $label', ({ bin, label }) => {
  let stack: ClaudeStack;
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let session: { id: string; root: FakeMessage };

  beforeAll(async () => {
    tg = await FakeTelegramBotApi.start();
    stack = await startClaudeStack(bin, `csm-tgq-${label}`, { start: (o) => startTelegramDaemon(tg, o) });
    ({ api, d } = stack);
    session = await newSessionFromChat(tg, d, stack.project);
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await stack?.close();
    await tg?.close();
  });

  const ask = (toolUseId: string, questions: unknown[]): void => {
    api.reply({ toolUse: { name: 'AskUserQuestion', id: toolUseId, input: { questions } } }, { text: `Got it (${toolUseId}).` });
    tg.userSends({ text: `ask me ${toolUseId}`, replyTo: session.root.message_id });
  };
  const questionMessage = (question: string): Promise<FakeMessage> =>
    tg.waitForMessage((m) => textOf(m).startsWith(`❓ ${session.id}`) && textOf(m).includes(question) && m.edits.length === 0, 30_000);
  const resultFor = async (toolUseId: string): Promise<string> => {
    const r = await waitFor(() => api.toolResults().find((x) => x.tool_use_id === toolUseId), { timeoutMs: 30_000, message: `tool_result for ${toolUseId}` });
    return typeof r.content === 'string' ? r.content : JSON.stringify(r.content);
  };
  const finished = (toolUseId: string): Promise<FakeMessage> => tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${session.id} finished`) && textOf(m).includes(toolUseId), 30_000);

  it('one question: the options with what they mean, one button each; a tap answers it', async () => {
    ask('toolu_tg_single', [COLOUR]);
    const q = await questionMessage(COLOUR.question);
    expect(textOf(q)).toContain('Colour');
    expect(textOf(q)).toContain('1. Crimson — a deep red');
    expect(textOf(q)).toContain(`2. Teal — ${COLOUR.options[1]!.description}`);
    expect(textOf(q)).not.toMatch(/AskUserQuestion|Allow|"questions"/);
    await tg.waitForCallbackAnswer(tg.userTaps(q.message_id, button(q, 'Teal')), 15_000);
    expect(await resultFor('toolu_tg_single')).toContain(`"${COLOUR.question}"="Teal"`);
    const edited = await tg.waitForMessage((m) => m.message_id === q.message_id && m.edits.length > 0, 15_000);
    expect(edited.reply_markup).toBeUndefined();
    expect(textOf(edited)).toMatch(/✅ Answered by .+ \(Telegram\): Teal/);
    await finished('toolu_tg_single');
  });

  it('multi-select: two boxes ticked, then Done', async () => {
    ask('toolu_tg_multi', [FEATURES]);
    const q = await questionMessage(FEATURES.question);
    await tg.waitForCallbackAnswer(tg.userTaps(q.message_id, button(q, '☐ Login')), 15_000);
    const once = await tg.waitForMessage((m) => m.message_id === q.message_id && (m.reply_markup?.inline_keyboard.flat() ?? []).some((b) => b.text === '☑ Login'), 15_000);
    await tg.waitForCallbackAnswer(tg.userTaps(q.message_id, button(once, '☐ Export')), 15_000);
    const twice = await tg.waitForMessage((m) => m.message_id === q.message_id && (m.reply_markup?.inline_keyboard.flat() ?? []).some((b) => b.text === '☑ Export'), 15_000);
    await tg.waitForCallbackAnswer(tg.userTaps(q.message_id, button(twice, '✅ Done (1,3)')), 15_000);
    expect(await resultFor('toolu_tg_multi')).toContain(`"${FEATURES.question}"="Login, Export"`);
    await finished('toolu_tg_multi');
  });

  it('two questions in one call: one message each, in order; the second answered in own words by a reply', async () => {
    ask('toolu_tg_two', [COLOUR, SIZE]);
    const first = await questionMessage(COLOUR.question);
    expect(textOf(first)).toContain('(1 of 2)');
    await tg.waitForCallbackAnswer(tg.userTaps(first.message_id, button(first, 'Crimson')), 15_000);
    const second = await questionMessage(SIZE.question);
    expect(textOf(second)).toContain('(2 of 2)');
    tg.userSends({ text: 'Medium, about 72 px', replyTo: second.message_id });
    const r = await resultFor('toolu_tg_two');
    expect(r).toContain(`"${COLOUR.question}"="Crimson"`);
    expect(r).toContain(`"${SIZE.question}"="Medium, about 72 px"`);
    await finished('toolu_tg_two');
  });
});

describe('Telegram: a screen nobody recognises', () => {
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;

  beforeAll(async () => {
    tg = await FakeTelegramBotApi.start();
    d = await startTelegramDaemon(tg, { claudeBin: join(BIN, 'odd-menu'), claudeEnv: { CSM_TEST_OUT: join(mkdtempSync(join(tmpdir(), 'csm-tgs-')), 'steps.txt') }, config: { sessions: { stuck_seconds: 1 } } });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
  });

  it('comes with the screen and a keypad; a key shows the next screen', async () => {
    const work = mkdtempSync(join(tmpdir(), 'csm-tgs-work-'));
    tg.userSends({ text: `/new ${work}` });
    const screen = await tg.waitForMessage((m) => /^🖥 [0-9a-f]{4,8} Waiting on a screen/.test(textOf(m)) && textOf(m).includes('>> staging'), 30_000);
    expect(textOf(screen)).toContain('Where to?');
    await tg.waitForCallbackAnswer(tg.userTaps(screen.message_id, button(screen, '↓')), 15_000);
    const next = await tg.waitForMessage((m) => /^🖥/.test(textOf(m)) && textOf(m).includes('>> production'), 15_000);
    expect(next.message_id).toBeGreaterThan(screen.message_id);
    // The old screen's keypad is taken away: it no longer shows what is there.
    await tg.waitForMessage((m) => m.message_id === screen.message_id && m.reply_markup === undefined, 15_000);
    const keys = await tg.waitForMessage((m) => m.message_id === next.message_id, 1000);
    const tap = tg.userTaps(keys.message_id, button(keys, '⏎ Enter'));
    await tg.waitForCallbackAnswer(tap, 15_000);
    await tg.waitForMessage((m) => /^🖥/.test(textOf(m)) && textOf(m).includes('A note for the log'), 15_000);
  });
});
