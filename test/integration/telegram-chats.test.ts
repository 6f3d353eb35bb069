import { afterEach, describe, expect, it } from 'vitest';
import type { OutOp } from '../../daemon/channels/telegram/types.js';
import { Outbox, outboxChannels } from '../../daemon/store/outbox.js';
import type { FakeMessage } from '../fakes/telegram-bot-api.js';
import { button } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';
import { startHarness, type Harness } from './telegram-harness.js';

const textOf = (m: FakeMessage): string => m.text ?? m.caption ?? '';
const BOB = 2002;
const NEVER_STARTED = 3003;

let h: Harness;
afterEach(async () => h?.cleanup());

/** telegram.chat_ids against the fake Bot API: each chat its own thread and outbox, one decision shown in all. */
describe('telegram: several chats', () => {
  it('every chat gets the thread and the request; an answer in one edits the request in each, naming who', async () => {
    h = await startHarness({ fake: { chats: [{ id: BOB, type: 'private' }] }, telegram: { chat_ids: [BOB], allowed_user_ids: [1001], users: [{ id: BOB, name: 'Bob', role: 'operator' }] } });
    h.commands.addSession('c001', '/home/u/c');
    h.commands.request('c001', { request_id: 'r1', detail: 'rm -rf build' });
    const perm = (chat: number) => h.fake.waitForMessage((m) => m.chat_id === chat && textOf(m).startsWith('🔔 c001') && m.reply_markup !== undefined, 5000);
    const [mine, bobs] = await Promise.all([perm(h.fake.owner.id), perm(BOB)]);
    for (const chat of [h.fake.owner.id, BOB]) expect(h.fake.botMessages(chat).filter((m) => textOf(m).includes('Session c001'))).toHaveLength(1);

    const tap = h.fake.userTaps(bobs.message_id, button(bobs, 'Allow'), { from: { id: BOB, first_name: 'Robert' }, chatId: BOB });
    await h.fake.waitForCallbackAnswer(tap, 5000);
    expect(h.commands.callsOf('answer')).toHaveLength(1);
    await Promise.all([[h.fake.owner.id, mine], [BOB, bobs]].map(([chat, m]) =>
      h.fake.waitForMessage((x) => x.chat_id === chat && x.message_id === (m as FakeMessage).message_id && /Allowed by Bob \(Telegram\)$/.test(textOf(x)), 5000)));

    // The owner's stale button, tapped after Bob decided: nothing answered twice.
    const late = h.fake.userTaps(mine.message_id, button(mine, 'Allow'));
    expect(await h.fake.waitForCallbackAnswer(late, 5000)).toMatchObject({ text: 'Already resolved.' });
    expect(h.commands.callsOf('answer')).toHaveLength(1);
  });

  it('roles hold in every private chat: a viewer is refused in hers, an operator answers and types in his, only the owner may always-allow', async () => {
    const CAROL = 3004;
    const carol = { id: CAROL, first_name: 'Carol' };
    const bobUser = { id: BOB, first_name: 'Robert' };
    h = await startHarness({
      fake: { chats: [{ id: BOB, type: 'private' }, { id: CAROL, type: 'private' }] },
      telegram: { chat_ids: [BOB, CAROL], allowed_user_ids: [1001], users: [{ id: BOB, name: 'Bob', role: 'operator' }, { id: CAROL, name: 'Carol', role: 'viewer' }] },
    });
    h.commands.addSession('c003', '/home/u/c');
    const root = (chat: number) => h.fake.waitForMessage((m) => m.chat_id === chat && textOf(m).startsWith('🚀 Session c003'), 5000);
    const roots = { bob: await root(BOB), carol: await root(CAROL) };
    h.commands.request('c003', { request_id: 'r3', detail: 'npm test' });
    const perm = (chat: number) => h.fake.waitForMessage((m) => m.chat_id === chat && textOf(m).startsWith('🔔 c003') && m.reply_markup !== undefined, 5000);
    const [mine, bobs, carols] = await Promise.all([perm(h.fake.owner.id), perm(BOB), perm(CAROL)]);

    const byCarol = h.fake.userTaps(carols.message_id, button(carols, 'Allow'), { from: carol, chatId: CAROL });
    expect(await h.fake.waitForCallbackAnswer(byCarol, 5000)).toMatchObject({ text: expect.stringMatching(/viewer.*answering requests/), show_alert: true });
    h.fake.userSends({ text: 'type this', chatId: CAROL, replyTo: roots.carol.message_id, from: carol });
    await h.fake.waitForMessage((m) => m.chat_id === CAROL && /^🔒 You are a viewer here.*typing into sessions/.test(textOf(m)), 5000);

    expect((await h.fake.waitForCallbackAnswer(h.fake.userTaps(bobs.message_id, button(bobs, 'Always allow'), { from: bobUser, chatId: BOB }), 5000)).text).toMatch(/Only an owner may choose "always allow"/);
    expect(h.commands.callsOf('answer')).toHaveLength(0);

    h.fake.userTaps(mine.message_id, button(mine, 'Always allow'));
    await waitFor(() => h.commands.callsOf('answer').length === 1, { message: 'the owner answered', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('answer')[0]!.args).toMatchObject({ input: { choice: 'allow_always' } });
    await Promise.all([[h.fake.owner.id, mine], [BOB, bobs], [CAROL, carols]].map(([chat, m]) =>
      h.fake.waitForMessage((x) => x.chat_id === chat && x.message_id === (m as FakeMessage).message_id && /by @owner \(Telegram\)/.test(textOf(x)) && x.reply_markup === undefined, 5000)));

    const typed = h.fake.userSends({ text: 'bob types', chatId: BOB, replyTo: roots.bob.message_id, from: bobUser });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'Bob typed', intervalMs: 10, timeoutMs: 5000 });
    // Keyed by his chat and message: the same message id in another chat is another message.
    expect(h.commands.callsOf('sendInput')[0]!.args).toMatchObject({ text: 'bob types', key: `telegram:${BOB}:${typed.message_id}`, origin: { user: String(BOB), name: 'Bob' } });
  });

  it('what was queued under the old outbox name goes to the first chat; what waits for a chat no longer served is dropped, and said', async () => {
    h = await startHarness();
    await h.channel.stop();
    new Outbox<OutOp>(h.store, 'telegram').enqueue('_', { op: 'send', session: null, html: 'queued before the upgrade' });
    new Outbox<OutOp>(h.store, 'telegram:777').enqueue('_', { op: 'send', session: null, html: 'for a chat no longer served' });
    await h.restart();
    await h.fake.waitForMessage((m) => m.chat_id === h.fake.owner.id && textOf(m) === 'queued before the upgrade', 5000);
    expect(h.logs.find((l) => l.msg?.includes('no longer in telegram.chat_id'))?.obj).toEqual({ chat_id: 777, messages: 1 });
    // The row goes once the send is recorded, a moment after the message shows.
    await waitFor(() => outboxChannels(h.store).length === 0, { message: 'the outbox empty', intervalMs: 10, timeoutMs: 5000 });
    expect(h.fake.calls.some((c) => Number(c.params['chat_id']) === 777)).toBe(false);
  });

  it('a chat that never started the bot is refused by Telegram, logged, and holds up no other chat', async () => {
    h = await startHarness({ telegram: { chat_ids: [NEVER_STARTED] } });
    h.commands.addSession('c002', '/home/u/c');
    for (let i = 0; i < 3; i++) h.commands.emit('c002', { kind: 'notify', notify_id: `n${i}`, channel: 'telegram', subject: null, message: `note ${i}` });
    await h.fake.waitUntil(() => (h.fake.botMessages().filter((m) => textOf(m).startsWith('📣')).length === 3 ? true : undefined), 5000, 'three notes in the owner chat');
    await h.fake.waitUntil(() => (h.logs.some((l) => l.msg?.includes('refused a message for good') && JSON.stringify(l.obj).includes('chat not found')) ? true : undefined), 5000, 'the refusal logged');
    expect(h.fake.calls.filter((c) => c.method === 'sendMessage' && Number(c.params['chat_id']) === NEVER_STARTED).every((c) => c.status === 400)).toBe(true);
    // csm doctor and /health say which chat and what to do.
    expect(h.channel.health()).toEqual({ ok: true, detail: `connected as @csm_test_bot, serving chats ${h.fake.owner.id}, ${NEVER_STARTED}; chat ${NEVER_STARTED} cannot be reached (Bad Request: chat not found): that person must open @csm_test_bot and press Start` });
  });
});
