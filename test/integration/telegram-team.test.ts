import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser } from '../fakes/telegram-bot-api.js';
import { waitFor } from '../helpers/wait.js';
import { startHarness, type Harness } from './telegram-harness.js';
import { button } from '../helpers/telegram.js';

/** Team mode in a forum group: an owner, an operator, a viewer and a stranger, each against each action. */
let h: Harness;
afterEach(async () => h?.cleanup());

const GROUP = -1001;
const alice: FakeUser = { id: 1001, first_name: 'Owner', username: 'owner' };
const bob: FakeUser = { id: 2002, first_name: 'Bob', username: 'bobby' };
const carol: FakeUser = { id: 3003, first_name: 'Carol' };
const eve: FakeUser = { id: 4004, first_name: 'Eve' };

const textOf = (m: FakeMessage): string => m.text ?? '';
const bash = (request_id: string) => ({ request_id, tool_name: 'Bash', tool_input: { command: 'npm test' } });

async function team(): Promise<{ topic: number }> {
  h = await startHarness({
    telegram: { chat_id: GROUP, topics: true, allowed_user_ids: [alice.id], users: [{ id: bob.id, name: 'Bob', role: 'operator' }, { id: carol.id, role: 'viewer' }] },
    config: { sessions: { allowed_roots: ['/home/u/projects'] } },
    fake: { owner: alice, chats: [{ id: GROUP, type: 'supergroup', is_forum: true, title: 'team' }] },
  });
  h.commands.addSession('a1b2', '/home/u/projects/app');
  const root = await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a1b2'));
  return { topic: root.thread_id! };
}

const says = (re: RegExp): Promise<FakeMessage> => h.fake.waitForMessage((m) => re.test(textOf(m)));

describe('telegram team mode', () => {
  it('a viewer sees but changes nothing; the request stays answerable and an operator answers it, named', async () => {
    const { topic } = await team();
    h.commands.request('a1b2', bash('r0000001'));
    const perm = await says(/^🔔 a1b2/);

    const tap = h.fake.userTaps(perm.message_id, button(perm, 'Allow'), { from: carol, chatId: GROUP });
    expect(await h.fake.waitForCallbackAnswer(tap)).toEqual({ text: expect.stringMatching(/^🔒 You are a viewer here.*answering requests/), show_alert: true });
    h.fake.userSends({ text: 'yes please', chatId: GROUP, threadId: topic, replyTo: perm.message_id, from: carol });
    await says(/^🔒 You are a viewer here.*answering requests/);
    h.fake.userSends({ text: 'run it', chatId: GROUP, threadId: topic, from: carol });
    await says(/^🔒 You are a viewer here.*typing into sessions/);
    h.fake.userSends({ text: '/clear', chatId: GROUP, threadId: topic, from: carol });
    await says(/^🔒 .*clearing a conversation/);
    h.fake.userSends({ text: '/stream off', chatId: GROUP, threadId: topic, from: carol });
    await says(/^🔒 .*changing live output/);
    h.fake.userSends({ photo: true, chatId: GROUP, threadId: topic, from: carol });
    await h.fake.waitUntil(() => (h.fake.botMessages(GROUP).filter((m) => textOf(m).startsWith('🔒')).length === 5 ? true : undefined), 5000, 'five refusals');
    // Reading is everyone's.
    h.fake.userSends({ text: '/status', chatId: GROUP, threadId: topic, from: carol });
    await says(/^⏸ a1b2|^▶️ a1b2|a1b2 waiting/);
    // …and so is the screen as an image, drawn for (and audited as) the person who asked.
    h.fake.userSends({ text: '/screenshot', chatId: GROUP, threadId: topic, from: carol });
    await waitFor(() => h.commands.callsOf('screenshot').length === 1, { message: 'screenshot', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('screenshot')[0]).toMatchObject({ id: 'a1b2', args: { origin: { channel: 'telegram', user: String(carol.id) } } });
    expect(h.commands.callsOf('answer')).toHaveLength(0);
    expect(h.commands.callsOf('sendInput')).toHaveLength(0);
    expect(h.commands.callsOf('saveFile')).toHaveLength(0);
    expect(h.fake.calls.filter((c) => c.method === 'getFile')).toHaveLength(0);
    expect(h.fake.chatMessages(GROUP).find((m) => m.message_id === perm.message_id)!.edits).toHaveLength(0);

    const always = h.fake.userTaps(perm.message_id, button(perm, 'Always allow'), { from: bob, chatId: GROUP });
    expect((await h.fake.waitForCallbackAnswer(always)).text).toMatch(/Only an owner may choose "always allow"/);
    expect(h.commands.callsOf('answer')).toHaveLength(0);
    const allow = h.fake.userTaps(perm.message_id, button(perm, 'Allow'), { from: bob, chatId: GROUP });
    expect(await h.fake.waitForCallbackAnswer(allow)).toEqual({ text: 'Allowed' });
    expect(h.commands.callsOf('answer')).toEqual([
      { method: 'answer', id: 'a1b2', args: { input: { request_id: 'r0000001', choice: 'allow' }, origin: { channel: 'telegram', user: String(bob.id), name: 'Bob' } } },
    ]);
    await h.fake.waitForMessage((m) => m.message_id === perm.message_id && /✅ Allowed by Bob \(Telegram\)$/.test(textOf(m)));
  });

  it('on a dialog that offers "don\'t ask again", the keypad is the owner\'s: an operator may press a plain option or Esc, not that one, nor Enter', async () => {
    const { topic } = await team();
    h.commands.request('a1b2', {
      request_id: 'r0000009', kind: 'dialog', title: 'Do you want to proceed?', detail: '1. Yes\n2. Yes, and don\'t ask again for npm commands\n3. No', allows_text: false,
      options: [{ key: '1', label: 'Yes' }, { key: '2', label: "Yes, and don't ask again for npm commands" }, { key: '3', label: 'No' }],
    });
    const dialog = await says(/^❓ a1b2 Do you want to proceed/);
    const keys = h.fake.userTaps(dialog.message_id, button(dialog, '⌨ Keys…'), { from: bob, chatId: GROUP });
    await h.fake.waitForCallbackAnswer(keys);
    const keypad = await says(/^⌨ Keys for a1b2/);
    expect(keypad.thread_id).toBe(topic);
    for (const key of ['2', '⏎ Enter']) {
      const tap = h.fake.userTaps(keypad.message_id, button(keypad, key), { from: bob, chatId: GROUP });
      expect(await h.fake.waitForCallbackAnswer(tap)).toEqual({ text: expect.stringMatching(/^🔒 Only an owner may choose "always allow"/), show_alert: true });
    }
    expect(h.commands.callsOf('keys')).toHaveLength(0);
    const plain = h.fake.userTaps(keypad.message_id, button(keypad, '1'), { from: bob, chatId: GROUP });
    expect(await h.fake.waitForCallbackAnswer(plain)).toEqual({ text: 'Pressed 1 in a1b2.' });
    const owner = h.fake.userTaps(keypad.message_id, button(keypad, '2'), { from: alice, chatId: GROUP });
    expect(await h.fake.waitForCallbackAnswer(owner)).toEqual({ text: 'Pressed 2 in a1b2.' });
    expect(h.commands.callsOf('keys').map((c) => [(c.args as { keys: string[] }).keys, (c.args as { origin: { user: string } }).origin.user])).toEqual([[['1'], String(bob.id)], [['2'], String(alice.id)]]);
  });

  it('an operator types, starts sessions only under allowed_roots, and stops only their own', async () => {
    const { topic } = await team();
    h.fake.userSends({ text: 'hello from bob', chatId: GROUP, threadId: topic, from: bob });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'typed', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[0]).toMatchObject({ id: 'a1b2', args: { text: 'hello from bob', origin: { user: String(bob.id), name: 'Bob' } } });
    h.fake.userSends({ text: '/compact', chatId: GROUP, threadId: topic, from: bob });
    await waitFor(() => h.commands.callsOf('sendInput').length === 2, { message: '/compact', intervalMs: 10, timeoutMs: 5000 });

    h.commands.existingDirs.add('/home/u/secrets').add('/home/u/projects/new');
    h.fake.userSends({ text: '/new ~/secrets', chatId: GROUP, from: bob });
    await says(/^🔒 Sessions may be started only under \/home\/u\/projects/);
    h.fake.userSends({ text: '/new ~/projects/../secrets', chatId: GROUP, from: bob });
    await h.fake.waitUntil(() => (h.fake.botMessages(GROUP).filter((m) => textOf(m).startsWith('🔒 Sessions may')).length === 2 ? true : undefined), 5000, 'two refusals');
    expect(h.commands.callsOf('newSession')).toHaveLength(0);
    h.fake.userSends({ text: '/new ~/projects/new', chatId: GROUP, from: bob });
    const root = await says(/^🚀 Session [0-9a-f]{4} started: ~\/projects\/new/);
    const own = /Session ([0-9a-f]{4})/.exec(textOf(root))![1]!;

    h.fake.userSends({ text: '/kill', chatId: GROUP, threadId: topic, from: bob });
    await says(/^🔒 Operators may stop only the sessions they started/);
    h.fake.userSends({ text: '/kill', chatId: GROUP, threadId: root.thread_id!, from: bob });
    const confirm = await says(new RegExp(`^Stop session ${own}`));
    // The confirmation, tapped by someone who may not: nothing stops.
    const byViewer = h.fake.userTaps(confirm.message_id, button(confirm, `🛑 Stop ${own}`), { from: carol, chatId: GROUP });
    expect((await h.fake.waitForCallbackAnswer(byViewer)).text).toMatch(/viewer.*stopping sessions/);
    expect(h.commands.callsOf('kill')).toHaveLength(0);
    h.fake.userTaps(confirm.message_id, button(confirm, `🛑 Stop ${own}`), { from: bob, chatId: GROUP });
    await waitFor(() => h.commands.callsOf('kill').length === 1, { message: 'kill', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('kill')[0]!.id).toBe(own);
    await h.fake.waitForMessage((m) => m.message_id === confirm.message_id && textOf(m) === `🛑 Session ${own} stopped — Bob`);

    // The owner may stop anyone's session, and start one anywhere under the roots.
    h.fake.userSends({ text: '/kill', chatId: GROUP, threadId: topic, from: alice });
    const mine = await says(/^Stop session a1b2/);
    h.fake.userTaps(mine.message_id, button(mine, '🛑 Stop a1b2'), { from: alice, chatId: GROUP });
    await waitFor(() => h.commands.callsOf('kill').length === 2, { message: 'owner kill', intervalMs: 10, timeoutMs: 5000 });
  });

  it("a viewer's tap on someone else's \"which session?\" is refused and leaves it for its author", async () => {
    await team();
    h.commands.addSession('c3d4', '/home/u/projects/two');
    await says(/^🚀 Session c3d4/);
    h.fake.userSends({ text: 'for one of them', chatId: GROUP, from: alice });
    const which = await says(/^Which session is this for\?/);
    const data = button(which, (which.reply_markup!.inline_keyboard[0]![0]!).text);
    const byViewer = h.fake.userTaps(which.message_id, data, { from: carol, chatId: GROUP });
    expect((await h.fake.waitForCallbackAnswer(byViewer)).text).toMatch(/viewer.*typing into sessions/);
    expect(h.commands.callsOf('sendInput')).toHaveLength(0);
    h.fake.userTaps(which.message_id, data, { from: alice, chatId: GROUP });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'typed by its author', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[0]).toMatchObject({ args: { text: 'for one of them', origin: { user: String(alice.id) } } });
  });

  it('a stranger in the group is still ignored without a reply', async () => {
    const { topic } = await team();
    h.fake.userSends({ text: 'let me in', chatId: GROUP, threadId: topic, from: eve });
    h.fake.userSends({ text: '/help', chatId: GROUP, from: carol });
    await says(/^Claude Session Manager/);
    expect(h.commands.callsOf('sendInput')).toHaveLength(0);
    expect(h.fake.botMessages(GROUP).filter((m) => textOf(m).startsWith('🔒'))).toHaveLength(0);
    expect(h.logs.filter((l) => l.msg?.includes('ignoring a message from outside')).map((l) => (l.obj as { user_id: number }).user_id)).toEqual([eve.id]);
  });
});
