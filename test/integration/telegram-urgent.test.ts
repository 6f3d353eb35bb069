import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramDeps } from '../../daemon/channels/telegram/channel.js';
import type { CallRecord, FakeMessage } from '../fakes/telegram-bot-api.js';
import { waitFor } from '../helpers/wait.js';
import { FAST, startHarness, type Harness } from './telegram-harness.js';

/**
 * What a session is blocked on (permission requests, questions, dialogs) goes before the ordinary messages
 * queued for the same chat, past grammY's per-chat pacing, and is held back only by Telegram's own 429s.
 * The throttler paces ordinary messages here at one per 400 ms (Telegram's is one a second), so that they
 * really are queued when the request comes.
 */
const PACED: TelegramDeps = { ...FAST, bot: { ...FAST.bot, throttle: { ...FAST.bot!.throttle, out: { maxConcurrent: 1, minTime: 400 } } } };

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const textOf = (m: FakeMessage): string => m.text ?? '';
const bash = (request_id: string, command: string) => ({ request_id, tool_name: 'Bash', tool_input: { command, description: 'Run it' } });
const notice = (id: string, message: string) => ({ kind: 'notify' as const, notify_id: id, channel: 'telegram', subject: null, message });
const sends = (text: string): CallRecord[] => h!.fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.text ?? '').includes(text));

describe('telegram: urgent messages first', () => {
  it('a permission request is sent before the three notices queued before it, replying to the root; the rest follow in order', async () => {
    h = await startHarness({ deps: PACED });
    h.commands.addSession('a1b2', '/home/u/app');
    const root = await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a1b2'));
    for (let i = 0; i < 4; i++) h.commands.emit('a1b2', notice(`n${i}`, `notice ${i}`));
    // notice 0 is on its way; 1 to 3 wait in the throttler's queue for the chat.
    await h.fake.waitForMessage((m) => textOf(m).endsWith('notice 0'));
    h.commands.request('a1b2', bash('r0000001', 'rm -rf build'));
    await h.fake.waitForMessage((m) => textOf(m).endsWith('notice 3'), 10_000);
    const order = h.fake.botMessages().map((m) => (textOf(m).startsWith('🔔') ? 'request' : textOf(m).split('\n').at(-1)!));
    expect(order).toEqual([`🚀 Session a1b2 started: ~/app`, 'notice 0', 'request', 'notice 1', 'notice 2', 'notice 3']);
    const perm = h.fake.botMessages().find((m) => textOf(m).startsWith('🔔 a1b2'))!;
    expect(perm.reply_to).toBe(root.message_id);
  });

  it('a question overtakes the finished messages queued before it', async () => {
    h = await startHarness({ deps: PACED });
    h.commands.addSession('c3d4', '/home/u/c');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session c3d4'));
    h.commands.emit('c3d4', { kind: 'finished', last_message: 'first turn done' });
    h.commands.emit('c3d4', { kind: 'finished', last_message: 'second turn done' });
    h.commands.emit('c3d4', { kind: 'finished', last_message: 'third turn done' });
    await h.fake.waitForMessage((m) => textOf(m).includes('first turn done'));
    h.commands.request('c3d4', { request_id: 'q0000001', kind: 'question', title: 'Colour', detail: 'Which colour?', options: [{ key: '1', label: 'Red' }, { key: '2', label: 'Blue' }], allows_text: true });
    await h.fake.waitForMessage((m) => textOf(m).includes('third turn done'), 10_000);
    const texts = h.fake.botMessages().map(textOf);
    const question = texts.findIndex((t) => t.includes('Which colour?'));
    expect(question).toBeGreaterThan(texts.findIndex((t) => t.includes('first turn done')));
    expect(question).toBeLessThan(texts.findIndex((t) => t.includes('second turn done')));
  });

  it('a screen nobody recognises (a guess after stuck_seconds) waits its turn behind the queued notices', async () => {
    h = await startHarness({ deps: PACED });
    h.commands.addSession('d1d2', '/home/u/d');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session d1d2'));
    for (let i = 0; i < 3; i++) h.commands.emit('d1d2', notice(`s${i}`, `before the screen ${i}`));
    await h.fake.waitForMessage((m) => textOf(m).endsWith('before the screen 0'));
    h.commands.request('d1d2', { request_id: 's0000001', kind: 'screen', title: 'Screen', detail: 'ready', options: [], allows_text: true });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🖥 d1d2'), 10_000);
    const texts = h.fake.botMessages().map(textOf);
    expect(texts.findIndex((t) => t.startsWith('🖥 d1d2'))).toBeGreaterThan(texts.findIndex((t) => t.endsWith('before the screen 2')));
  });

  it('the request waits for its root while the root is on the wire, and its "resolved" edit comes after it', async () => {
    h = await startHarness({ deps: PACED });
    // Telegram takes the root at once and answers 300 ms later: the request is queued meanwhile.
    h.fake.failNext('sendMessage', 1, { kind: 'slow', ms: 300 });
    h.commands.addSession('e5f6', '/home/u/e');
    h.commands.request('e5f6', bash('r0000002', 'make clean'));
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 e5f6'), 5000);
    const root = h.fake.botMessages().find((m) => textOf(m).startsWith('🚀 Session e5f6'))!;
    expect(root.message_id).toBeLessThan(perm.message_id);
    expect(perm.reply_to).toBe(root.message_id);
    h.commands.resolveInTerminal('e5f6');
    await h.fake.waitForMessage((m) => m.message_id === perm.message_id && m.edits.length > 0);
    const edit = h.fake.calls.find((c) => c.method === 'editMessageText')!;
    expect(edit.arrivedAt).toBeGreaterThan(sends('make clean')[0]!.arrivedAt);
  });

  it("a 429 retry_after for the request is obeyed: its next attempt waits that long, and nothing else is sent into the block", async () => {
    h = await startHarness({ deps: PACED });
    h.commands.addSession('a7b8', '/home/u/a');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a7b8'));
    h.fake.failNext('sendMessage', 1, { kind: '429', retryAfter: 1 });
    h.commands.request('a7b8', bash('r0000003', 'git push --force'));
    await waitFor(() => sends('git push --force').length === 1, { message: 'the first attempt', intervalMs: 5 });
    h.commands.emit('a7b8', notice('late', 'a notice after the request'));
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a7b8'), 10_000);
    await h.fake.waitForMessage((m) => textOf(m).endsWith('a notice after the request'), 10_000);
    const [refused, accepted] = sends('git push --force');
    expect(refused!.status).toBe(429);
    expect(accepted!.status).toBe(200);
    expect(accepted!.arrivedAt - refused!.arrivedAt).toBeGreaterThanOrEqual(1000);
    // The notice came while the chat was blocked: it too waited for retry_after, and after the request.
    const late = sends('a notice after the request');
    expect(late.every((c) => c.arrivedAt >= refused!.arrivedAt + 1000)).toBe(true);
    expect(late.every((c) => c.status === 200)).toBe(true);
  });

  it('a 429 earned by an ordinary message holds the request back for retry_after, no more guessing', async () => {
    h = await startHarness({ deps: PACED });
    h.commands.addSession('b9c0', '/home/u/b');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session b9c0'));
    // Longer than auto-retry waits here (1 s): the outbox records the failure, so the test sees the 429 was read.
    h.fake.failNext('sendMessage', 1, { kind: '429', retryAfter: 2 });
    h.commands.emit('b9c0', notice('n', 'refused once'));
    const attempts = (): number => (h!.store.db.prepare("SELECT COALESCE(MAX(attempts), 0) AS n FROM outbox WHERE channel LIKE 'telegram:%'").get() as { n: number }).n;
    await waitFor(() => attempts() === 1, { message: 'the 429 recorded', intervalMs: 5 });
    h.commands.request('b9c0', bash('r0000004', 'rm -rf /tmp/x'));
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 b9c0'), 10_000);
    const refused = sends('refused once')[0]!;
    const request = sends('rm -rf /tmp/x');
    expect(request).toHaveLength(1);
    expect(request[0]!.status).toBe(200);
    expect(request[0]!.arrivedAt).toBeGreaterThanOrEqual(refused.arrivedAt + 2000);
    // And the request still went first: the refused notice is retried after it.
    await h.fake.waitForMessage((m) => textOf(m).endsWith('refused once'), 10_000);
    expect(sends('refused once').at(-1)!.arrivedAt).toBeGreaterThanOrEqual(request[0]!.arrivedAt);
  });
});
