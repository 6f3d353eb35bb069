import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramDeps } from '../../daemon/channels/telegram/channel.js';
import type { FakeMessage } from '../fakes/telegram-bot-api.js';
import { FAST, startHarness, type Harness } from './telegram-harness.js';

/** The channel's half of live output against the fake Bot API, which paces and checks edits as Telegram does. */
const PACED: TelegramDeps = { ...FAST, bot: { ...FAST.bot, throttle: { ...FAST.bot!.throttle, out: { maxConcurrent: 1, minTime: 300 } } } };

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const textOf = (m: FakeMessage): string => m.text ?? '';
const live = (session: string): FakeMessage[] => h!.fake.botMessages().filter((m) => textOf(m).startsWith(`💬 ${session}`));
const said = (entry: string, text: string, turn = 't1') => ({ kind: 'assistant_text' as const, turn_id: turn, entry_id: entry, text });
const ran = (entry: string, tool: string, summary: string, turn = 't1') => ({ kind: 'tool_call' as const, turn_id: turn, entry_id: entry, tool_use_id: `tu-${entry}`, tool, summary });
const result = (entry: string, summary: string, is_error = false) => ({ kind: 'tool_result' as const, turn_id: 't1', entry_id: entry, tool_use_id: 'tu-e2', summary, is_error });

describe('telegram: live output', () => {
  it('a text longer than a message goes on in further messages of the turn, none over 4096, nothing lost', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a1b2'));
    const long = Array.from({ length: 400 }, (_, i) => `line ${i}: ${'word '.repeat(1 + (i % 7)).trim()}`).join('\n');
    h.commands.emit('a1b2', said('e1', 'Short start.'));
    h.commands.emit('a1b2', said('e2', long));
    h.commands.emit('a1b2', { kind: 'finished', last_message: 'done' });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('✅ a1b2 finished'));
    const parts = live('a1b2');
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.every((m) => textOf(m).length <= 4096)).toBe(true);
    expect(textOf(parts[0]!)).toBe('💬 a1b2\nShort start.');
    const rest = parts.slice(1).map((m, i) => textOf(m).replace(`💬 a1b2 (${i + 2})\n`, ''));
    expect(rest.join('\n')).toBe(long);
  });

  it('an entry seen again (a restart) is shown once; a new channel on the same database edits the same message', async () => {
    h = await startHarness({ telegram: { stream: 'all' } });
    h.commands.addSession('c3d4', '/home/u/c');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session c3d4'));
    h.commands.emit('c3d4', said('e1', 'Looking.'));
    h.commands.emit('c3d4', ran('e2', 'Bash', 'npm test'));
    await h.fake.waitForMessage((m) => textOf(m) === '💬 c3d4\nLooking.\n\n⚙ Bash npm test');
    await h.channel.stop();
    await h.restart();
    h.commands.emit('c3d4', said('e1', 'Looking.'));
    h.commands.emit('c3d4', ran('e2', 'Bash', 'npm test'));
    h.commands.emit('c3d4', result('e2r', 'Exit code 1', true));
    h.commands.emit('c3d4', said('e3', 'Fixed it.'));
    await h.fake.waitForMessage((m) => textOf(m).endsWith('Fixed it.'));
    expect(live('c3d4').map(textOf)).toEqual(['💬 c3d4\nLooking.\n\n⚙ Bash npm test\n   ✗ Exit code 1\n\nFixed it.']);
  });

  it('edits are paced to what Telegram takes: a burst of entries becomes few edits, none refused as not modified', async () => {
    h = await startHarness({ deps: PACED, telegram: { stream: 'tools' } });
    h.fake.editRateLimit({ perSecond: 1, burst: 1 });
    h.commands.addSession('e5f6', '/home/u/e');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session e5f6'));
    for (let i = 0; i < 20; i++) h.commands.emit('e5f6', ran(`e${i}`, 'Read', `file${i}.ts`));
    await h.fake.waitForMessage((m) => textOf(m).endsWith('📖 Read file19.ts'), 20_000);
    const edits = h.fake.calls.filter((c) => c.method === 'editMessageText');
    expect(edits.filter((c) => c.status === 200).length).toBeLessThan(5);
    expect(edits.filter((c) => String(c.description).includes('not modified'))).toHaveLength(0);
    expect(live('e5f6')).toHaveLength(1);
  });

  it('a permission request overtakes the stream edits queued before it', async () => {
    h = await startHarness({ deps: PACED, telegram: { stream: 'tools' } });
    h.commands.addSession('a9b9', '/home/u/p');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a9b9'));
    h.commands.emit('a9b9', said('e1', 'First.'));
    await h.fake.waitForMessage((m) => textOf(m) === '💬 a9b9\nFirst.');
    // The next part's send and an edit wait behind the throttler's pacing when the request comes.
    h.commands.emit('a9b9', said('e2', 'x'.repeat(3995)));
    h.commands.emit('a9b9', said('e3', 'Second.', 't2'));
    h.commands.request('a9b9', { request_id: 'r0000009', tool_name: 'Bash', tool_input: { command: 'rm -rf build', description: 'Remove' } });
    await h.fake.waitForMessage((m) => textOf(m) === '💬 a9b9\nSecond.', 10_000);
    const order = h.fake.botMessages().map((m) => (textOf(m).startsWith('🔔') ? 'request' : textOf(m).split('\n')[0]!));
    expect(order.indexOf('request')).toBeGreaterThan(0);
    expect(order.indexOf('request')).toBeLessThan(order.indexOf('💬 a9b9 (2)'));
    expect(order.indexOf('request')).toBeLessThan(order.lastIndexOf('💬 a9b9'));
  });

  it('a live message deleted in the chat is sent again; /stream off in the config sends nothing', async () => {
    h = await startHarness();
    h.commands.addSession('b7b7', '/home/u/b');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session b7b7'));
    h.commands.emit('b7b7', said('e1', 'One.'));
    const first = await h.fake.waitForMessage((m) => textOf(m) === '💬 b7b7\nOne.');
    await fetch(`${h.fake.url}/bot${h.fake.token}/deleteMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: h.fake.owner.id, message_id: first.message_id }) });
    h.commands.emit('b7b7', said('e2', 'Two.'));
    const again = await h.fake.waitForMessage((m) => textOf(m) === '💬 b7b7\nOne.\n\nTwo.');
    expect(again.message_id).not.toBe(first.message_id);
    expect(h.fake.calls.some((c) => c.method === 'editMessageText' && String(c.description).includes('message to edit not found'))).toBe(true);

    await h.channel.stop();
    await h.restart({ stream: 'off' });
    h.commands.emit('b7b7', said('e3', 'Three.', 't2'));
    h.commands.emit('b7b7', { kind: 'finished', last_message: 'Three.' });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('✅ b7b7 finished'));
    expect(live('b7b7').map(textOf)).toEqual(['💬 b7b7\nOne.\n\nTwo.']);
  });
});
