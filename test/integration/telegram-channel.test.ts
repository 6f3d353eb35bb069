import { afterEach, describe, expect, it } from 'vitest';
import { UpdateLog } from '../../daemon/channels/telegram/update-log.js';
import { botIdOf } from '../../daemon/channels/telegram/bot.js';
import type { FakeMessage } from '../fakes/telegram-bot-api.js';
import { waitFor } from '../helpers/wait.js';
import { startHarness, type Harness } from './telegram-harness.js';
import { button } from '../helpers/telegram.js';

let h: Harness;
afterEach(async () => h?.cleanup());

const textOf = (m: FakeMessage): string => m.text ?? '';
const buttons = (m: FakeMessage): string[] => (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text);
const rootOf = (session: string): Promise<FakeMessage> => h.fake.waitForMessage((m) => textOf(m).startsWith(`🚀 Session ${session} started`));
const bash = (request_id: string, command = 'rm -rf node_modules') => ({ request_id, tool_name: 'Bash', tool_input: { command, description: 'Remove node_modules directory' } });

describe('telegram channel: events out', () => {
  it('threads a session: root, permission request with buttons, idle, finished, error, notify', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/projects/myapp');
    const root = await rootOf('a1b2');
    expect(textOf(root)).toBe('🚀 Session a1b2 started: ~/projects/myapp');

    h.commands.request('a1b2', bash('r0000001'));
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a1b2'));
    expect(textOf(perm)).toContain('🔔 a1b2 Bash: rm -rf node_modules\nRemove node_modules directory');
    expect(perm.reply_to).toBe(root.message_id);
    expect(buttons(perm)).toEqual(['Allow', 'Always allow', 'Deny', '🖼 Screen']);

    h.commands.emit('a1b2', { kind: 'idle', idle_seconds: 60, last_message: null });
    const idle = await h.fake.waitForMessage((m) => textOf(m) === '💤 a1b2 idle for 60s');
    expect(idle.reply_to).toBe(root.message_id);

    const long = Array.from({ length: 150 }, (_, i) => `Result line ${i}: ${'ok '.repeat(20)}`).join('\n');
    h.commands.emit('a1b2', { kind: 'finished', last_message: long });
    h.commands.emit('a1b2', { kind: 'error', message: 'API error <529>', screen_tail: 'a\nb & c' });
    h.commands.emit('', { kind: 'notify', notify_id: 'n1', channel: 'auto', subject: 'Build', message: 'Deploy done' });
    h.commands.emit('', { kind: 'notify', notify_id: 'n2', channel: 'email', subject: null, message: 'only by mail' });
    const err = await h.fake.waitForMessage((m) => textOf(m).startsWith('❌ a1b2 error: API error <529>'));
    expect(err.html).toContain('<pre>a\nb &amp; c</pre>');
    const notify = await h.fake.waitForMessage((m) => textOf(m).startsWith('📣'));
    expect(textOf(notify)).toBe('📣 Build\nDeploy done');
    expect(notify.reply_to).toBeUndefined();

    // Claude's last message in full, over several messages, all in the thread, in order.
    // (The standalone notify goes in its own lane and may land in between.)
    const finished = h.fake.botMessages().filter((m) => m.message_id > idle.message_id && m.message_id < err.message_id && m.reply_to === root.message_id);
    expect(finished.length).toBeGreaterThan(1);
    expect(textOf(finished[0]!)).toMatch(/^✅ a1b2 finished\nResult line 0: ok/);
    expect(finished.map(textOf).join('\n').replace('✅ a1b2 finished\n', '')).toBe(long);
    expect(h.fake.botMessages().some((m) => textOf(m).includes('only by mail'))).toBe(false);
    expect(h.fake.commands.map((c) => c.command)).toEqual(['new', 'list', 'status', 'output', 'screenshot', 'clear', 'compact', 'kill', 'stream', 'help']);
  });

  it('sends a very long last message as a .txt document', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    const root = await rootOf('a1b2');
    const long = 'word '.repeat(4000);
    h.commands.emit('a1b2', { kind: 'finished', last_message: long });
    const doc = await h.fake.waitForMessage((m) => m.kind === 'document');
    expect(doc.document?.content).toBe(long);
    expect(doc.document?.file_name).toBe('a1b2-last-message.txt');
    expect(doc.reply_to).toBe(root.message_id);
    expect(doc.text).toMatch(/^✅ a1b2 finished\nword word/);
  });

  it('coalesces a burst: ten sessions going idle together make one message', async () => {
    h = await startHarness();
    const ids = Array.from({ length: 10 }, (_, i) => `b00${i}`);
    for (const id of ids) h.commands.addSession(id, `/home/u/p${id}`);
    await h.fake.waitUntil(() => (h.fake.botMessages().length === 10 ? true : undefined), 5000, 'ten roots');
    for (const id of ids) h.commands.emit(id, { kind: 'idle', idle_seconds: 60, last_message: null });
    const burst = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 10 updates'));
    for (const id of ids) expect(textOf(burst)).toContain(`${id} (60s)`);
    await waitFor(() => h.store.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE channel LIKE 'telegram:%'").get() as { n: number }, { message: 'outbox row count', intervalMs: 10, timeoutMs: 5000 });
    await waitFor(() => (h.store.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE channel LIKE 'telegram:%'").get() as { n: number }).n === 0, { message: 'outbox drained', intervalMs: 10, timeoutMs: 5000 });
    expect(h.fake.botMessages().filter((m) => textOf(m).includes('idle'))).toHaveLength(1);
  });
});

describe('telegram channel: answering requests', () => {
  it('tap Allow → answer, message edited to say who decided, buttons gone; a stale tap → "already resolved"', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    h.commands.request('a1b2', bash('r0000001'));
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a1b2'));
    const allow = button(perm, 'Allow');
    expect(Buffer.byteLength(allow)).toBeLessThanOrEqual(64);
    const tap = h.fake.userTaps(perm.message_id, allow);
    expect(await h.fake.waitForCallbackAnswer(tap)).toEqual({ text: 'Allowed' });
    expect(h.commands.callsOf('answer')).toEqual([
      { method: 'answer', id: 'a1b2', args: { input: { request_id: 'r0000001', choice: 'allow' }, origin: { channel: 'telegram', user: String(h.fake.owner.id), name: '@owner' } } },
    ]);
    const edited = await h.fake.waitForMessage((m) => m.message_id === perm.message_id && m.edits.length > 0);
    expect(textOf(edited)).toMatch(/\n\n✅ Allowed by @owner \(Telegram\)$/);
    expect(edited.reply_markup).toBeUndefined();

    // The same button again (a second phone, a slow client): nothing reaches the session.
    const sent = h.fake.botMessages().length;
    const stale = h.fake.userTaps(perm.message_id, allow);
    expect(await h.fake.waitForCallbackAnswer(stale)).toEqual({ text: 'Already resolved.' });
    expect(h.commands.callsOf('answer')).toHaveLength(1);
    expect(h.fake.botMessages()).toHaveLength(sent);
    expect(h.fake.chatMessages().find((m) => m.message_id === perm.message_id)!.edits).toHaveLength(1);
  });

  it('answered in the terminal → the message says so; a late tap is "already resolved"', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    h.commands.request('a1b2', bash('r0000002'));
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a1b2'));
    h.commands.resolveInTerminal('a1b2');
    const edited = await h.fake.waitForMessage((m) => m.message_id === perm.message_id && m.edits.length > 0);
    expect(textOf(edited)).toMatch(/Answered in the terminal$/);
    expect(edited.reply_markup).toBeUndefined();
    const tap = h.fake.userTaps(perm.message_id, button(perm, 'Deny'));
    expect(await h.fake.waitForCallbackAnswer(tap)).toEqual({ text: 'Already resolved.' });
    expect(h.commands.callsOf('answer')).toHaveLength(0);
  });

  it('deny with a reason: a text reply to the permission message', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    h.commands.request('a1b2', bash('r0000003'));
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a1b2'));
    const reply = h.fake.userSends({ text: 'no, keep node_modules', replyTo: perm.message_id });
    await waitFor(() => h.commands.callsOf('answer').length === 1, { message: 'answer', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('answer')[0]!.args).toMatchObject({ input: { request_id: 'r0000003', choice: 'deny', message: 'no, keep node_modules' } });
    expect(h.commands.callsOf('sendInput')).toHaveLength(0);
    const edited = await h.fake.waitForMessage((m) => m.message_id === perm.message_id && m.edits.length > 0);
    expect(textOf(edited)).toMatch(/🚫 Denied by @owner \(Telegram\): no, keep node_modules$/);
    await h.fake.waitUntil(() => h.fake.chatMessages().find((m) => m.message_id === reply.message_id)?.reactions.includes('👍') || undefined, 3000, 'a 👍 on the reply');
  });

  it('questions: one button per option; a text reply answers with the text', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    h.commands.request('a1b2', {
      request_id: 'q0000001', kind: 'question', title: 'Which database?', detail: 'Pick one for the tests', allows_text: true,
      options: [{ key: '1', label: 'SQLite' }, { key: '2', label: 'Postgres' }],
    });
    const q = await h.fake.waitForMessage((m) => textOf(m).startsWith('❓ a1b2 Which database?'));
    expect(buttons(q)).toEqual(['SQLite', 'Postgres']);
    h.fake.userSends({ text: 'MySQL 8 please', replyTo: q.message_id });
    await waitFor(() => h.commands.callsOf('answer').length === 1, { message: 'answer', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('answer')[0]!.args).toMatchObject({ input: { request_id: 'q0000001', choice: 'MySQL 8 please' } });

    h.commands.request('a1b2', { request_id: 'd0000001', kind: 'dialog', title: 'Trust this folder?', detail: '❯ 1. Yes\n  2. No', allows_text: false, options: [{ key: '1', label: 'Yes, I trust this folder' }, { key: '2', label: 'No, exit' }] });
    const d = await h.fake.waitForMessage((m) => textOf(m).startsWith('❓ a1b2 Trust this folder?'));
    const tap = h.fake.userTaps(d.message_id, button(d, 'No, exit'));
    await h.fake.waitForCallbackAnswer(tap);
    expect(h.commands.callsOf('answer')[1]!.args).toMatchObject({ input: { request_id: 'd0000001', choice: '2' } });
  });
});

describe('telegram channel: buttons checked against their request', () => {
  it('a button naming another session with this request\'s id is refused: nothing answered, the request stays open on the phone', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/one');
    h.commands.addSession('c3d4', '/home/u/two');
    h.commands.request('a1b2', bash('r00000a1'));
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a1b2'));
    const real = button(perm, 'Allow');
    expect(real).toBe('a:a1b2:r00000a1:allow');
    for (const forged of ['a:c3d4:r00000a1:allow', 'a:ffff:r00000a1:allow']) {
      const tap = h.fake.userTaps(perm.message_id, forged, { forged: true });
      expect(await h.fake.waitForCallbackAnswer(tap)).toEqual({
        text: `This button does not belong to session ${forged.split(':')[1]}; nothing was answered. Use the buttons on the request's own message.`,
        show_alert: true,
      });
    }
    // An id we never issued: nothing happens either.
    const unknown = h.fake.userTaps(perm.message_id, 'a:a1b2:r99999999:allow', { forged: true });
    expect(await h.fake.waitForCallbackAnswer(unknown)).toEqual({ text: 'This button no longer works.' });
    expect(h.commands.callsOf('answer')).toHaveLength(0);
    const shown = h.fake.chatMessages().find((m) => m.message_id === perm.message_id)!;
    expect(shown.edits).toHaveLength(0);
    expect(buttons(shown)).toEqual(['Allow', 'Always allow', 'Deny', '🖼 Screen']);
    expect(h.logs.filter((l) => l.msg?.includes('refused a button naming another session'))).toHaveLength(2);

    // The real button still works.
    const tap = h.fake.userTaps(perm.message_id, real);
    expect(await h.fake.waitForCallbackAnswer(tap)).toEqual({ text: 'Allowed' });
    expect(h.commands.callsOf('answer').map((c) => c.id)).toEqual(['a1b2']);
  });
});

describe('telegram channel: messages in', () => {
  it('the input key names the chat: after a change of chat_id, a new message with a reused message id is typed', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/one');
    const root = await rootOf('a1b2');
    const first = h.fake.userSends({ text: 'in the old chat', replyTo: root.message_id });
    await waitFor(() => h.commands.typed.length === 1, { message: 'first input', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[0]!.args).toMatchObject({ key: `telegram:${h.fake.owner.id}:${first.message_id}` });
    await h.channel.stop();

    const group = -100200;
    h.fake.configureChat({ id: group, type: 'group' });
    await h.restart({ chat_id: group });
    // Message ids count per chat: send until the new chat reaches the id used in the old one.
    const sent = [];
    while ((sent.at(-1)?.message_id ?? 0) < first.message_id) {
      const m = h.fake.userSends({ text: `in the new chat ${sent.length}`, chatId: group });
      sent.push(m);
      await waitFor(() => h.commands.callsOf('sendInput').length === 1 + sent.length, { message: `input ${sent.length}`, intervalMs: 10, timeoutMs: 5000 });
    }
    expect(sent.at(-1)!.message_id).toBe(first.message_id);
    expect(h.commands.typed.map((t) => t.text)).toEqual(['in the old chat', ...sent.map((m) => m.text)]);
    expect(h.commands.callsOf('sendInput').at(-1)!.args).toMatchObject({ key: `telegram:${group}:${first.message_id}` });
  });


  it('a reply in a thread is typed into that session (two sessions), verbatim, and acknowledged', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/one');
    h.commands.addSession('c3d4', '/home/u/two');
    const rootA = await rootOf('a1b2');
    const rootC = await rootOf('c3d4');
    h.commands.emit('c3d4', { kind: 'idle', idle_seconds: 61, last_message: null });
    const idleC = await h.fake.waitForMessage((m) => textOf(m).startsWith('💤 c3d4'));
    const text = 'run the tests\n  and <fix> & report';
    const m1 = h.fake.userSends({ text, replyTo: rootA.message_id });
    h.fake.userSends({ text: 'second', replyTo: idleC.message_id });
    h.fake.userSends({ text: 'third', replyTo: rootC.message_id });
    await waitFor(() => h.commands.callsOf('sendInput').length === 3, { message: 'three inputs', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput').map((c) => [c.id, (c.args as { text: string }).text])).toEqual([['a1b2', text], ['c3d4', 'second'], ['c3d4', 'third']]);
    await h.fake.waitUntil(() => h.fake.chatMessages().find((m) => m.message_id === m1.message_id)?.reactions[0], 3000, 'reaction');
    // A reply to the user's own message in the thread routes too.
    h.fake.userSends({ text: 'fourth', replyTo: m1.message_id });
    await waitFor(() => h.commands.callsOf('sendInput').length === 4, { message: 'fourth input', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[3]!.id).toBe('a1b2');
  });

  it('a reply to a copy of a root message that was never recorded (sent again after a crash) still routes', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/one');
    const root = await rootOf('a1b2');
    // What a SIGKILL between Telegram accepting the root and the daemon recording it leaves behind.
    // The thread then knows only the second copy as its root.
    await waitFor(() => h.store.db.prepare('SELECT 1 FROM tg_messages WHERE message_id = ?').get(root.message_id), { message: 'the root recorded', intervalMs: 10 });
    h.store.db.prepare('DELETE FROM tg_messages WHERE message_id = ?').run(root.message_id);
    h.store.db.prepare('UPDATE tg_threads SET root_message_id = ? WHERE session_id = ?').run(root.message_id + 1000, 'a1b2');
    h.fake.userSends({ text: 'to the first copy', replyTo: root.message_id });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'the reply typed', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput').map((c) => [c.id, (c.args as { text: string }).text])).toEqual([['a1b2', 'to the first copy']]);
  });

  it('acknowledges with a short reply where reactions are off', async () => {
    h = await startHarness();
    h.fake.configureChat({ id: h.fake.owner.id, type: 'private', reactions: false });
    h.commands.addSession('a1b2', '/home/u/app');
    const root = await rootOf('a1b2');
    const m = h.fake.userSends({ text: 'go', replyTo: root.message_id });
    const ack = await h.fake.waitForMessage((x) => textOf(x) === '✓ typed into a1b2');
    expect(ack.reply_to).toBe(m.message_id);
  });

  it('text outside any thread: the only live session gets it; with several, a question with buttons, typed after the tap', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/one');
    await rootOf('a1b2');
    h.fake.userSends({ text: 'hello there' });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'input to the only session', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[0]!.id).toBe('a1b2');

    h.commands.addSession('c3d4', '/home/u/two');
    await rootOf('c3d4');
    h.fake.userSends({ text: 'which one?' });
    const ask = await h.fake.waitForMessage((m) => textOf(m) === 'Which session is this for?');
    expect(buttons(ask)).toEqual(['a1b2 · one', 'c3d4 · two']);
    expect(h.commands.callsOf('sendInput')).toHaveLength(1);
    const tap = h.fake.userTaps(ask.message_id, button(ask, 'c3d4 · two'));
    await waitFor(() => h.commands.callsOf('sendInput').length === 2, { message: 'input after the tap', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[1]).toMatchObject({ id: 'c3d4', args: { text: 'which one?' } });
    await h.fake.waitForCallbackAnswer(tap);
    const again = h.fake.userTaps(ask.message_id, button(ask, 'a1b2 · one'));
    expect(await h.fake.waitForCallbackAnswer(again)).toEqual({ text: 'Already done.' });
    expect(h.commands.callsOf('sendInput')).toHaveLength(2);
  });

  it('voice with no transcriber: says how to set one up, nothing typed; a reply to a message of no session says so', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    const root = await rootOf('a1b2');
    h.fake.userSends({ voice: true, replyTo: root.message_id });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🎤 No transcriber is configured'));
    h.fake.userSends({ voice: true });
    await h.fake.waitUntil(() => (h.fake.botMessages().filter((m) => textOf(m).startsWith('🎤 No transcriber')).length === 2 ? true : undefined), 3000, 'second refusal');
    const help = h.fake.userSends({ text: '/help' });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('Claude Session Manager'));
    h.fake.userSends({ text: 'reply to a message outside any thread', replyTo: help.message_id });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('That message belongs to no session'));
    expect(h.commands.callsOf('sendInput')).toHaveLength(0);
  });

  it('/new: ~ expanded; a missing folder → the command layer\'s message, nothing started', async () => {
    h = await startHarness();
    h.commands.existingDirs.add('/home/u/projects/myapp');
    h.fake.userSends({ text: '/new ~/projects/nope' });
    const refusal = await h.fake.waitForMessage((m) => textOf(m).includes('does not exist'));
    expect(textOf(refusal)).toBe('⚠️ The folder /home/u/projects/nope does not exist; nothing was started.');
    expect(h.commands.sessions.size).toBe(0);
    h.fake.userSends({ text: '/new ~/projects/myapp' });
    const root = await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session'));
    expect(textOf(root)).toMatch(/^🚀 Session [0-9a-f]{4} started: ~\/projects\/myapp$/);
    expect(h.commands.callsOf('newSession').map((c) => (c.args as { input: { cwd: string } }).input.cwd)).toEqual(['/home/u/projects/nope', '/home/u/projects/myapp']);
  });

  it('/list with open buttons, /status, /output in <pre>, /clear, /kill with confirmation, /help', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/one');
    h.commands.addSession('c3d4', '/home/u/two');
    await rootOf('a1b2');
    const rootC = await rootOf('c3d4');
    h.commands.screens.set('c3d4', Array.from({ length: 40 }, (_, i) => `screen <${i}>`).join('\n'));

    h.fake.userSends({ text: '/list' });
    const list = await h.fake.waitForMessage((m) => textOf(m).startsWith('2 sessions:'));
    expect(textOf(list)).toContain('c3d4 running · ~/two');
    const open = h.fake.userTaps(list.message_id, button(list, 'c3d4 · two'));
    await h.fake.waitForCallbackAnswer(open);
    const status = await h.fake.waitForMessage((m) => textOf(m).startsWith('▶️ c3d4 running'));
    expect(status.reply_to).toBe(rootC.message_id);
    expect(textOf(status)).toContain('screen <39>');

    h.fake.userSends({ text: '/output 5', replyTo: rootC.message_id });
    const out = await h.fake.waitForMessage((m) => textOf(m).startsWith('🖥 c3d4 last 5 lines'));
    expect(out.html).toContain('<pre>screen &lt;35&gt;\n');
    expect(textOf(out).split('\n').slice(1)).toEqual(['screen <35>', 'screen <36>', 'screen <37>', 'screen <38>', 'screen <39>']);

    h.fake.userSends({ text: '/status' });
    await h.fake.waitForMessage((m) => textOf(m) === 'Which session is this for?');
    h.fake.userSends({ text: '/clear a1b2' });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: '/clear', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[0]).toMatchObject({ id: 'a1b2', args: { text: '/clear' } });

    h.fake.userSends({ text: '/kill', replyTo: rootC.message_id });
    const confirm = await h.fake.waitForMessage((m) => textOf(m).startsWith('Stop session c3d4'));
    expect(h.commands.callsOf('kill')).toHaveLength(0);
    h.fake.userTaps(confirm.message_id, button(confirm, '🛑 Stop c3d4'));
    await waitFor(() => h.commands.callsOf('kill').length === 1, { message: 'kill', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('kill')[0]!.id).toBe('c3d4');
    await h.fake.waitForMessage((m) => m.message_id === confirm.message_id && textOf(m).startsWith('🛑 Session c3d4 stopped'));
    await h.fake.waitForMessage((m) => textOf(m).startsWith('⚰️ c3d4 ended'));

    h.fake.userSends({ text: '/help' });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('Claude Session Manager') && textOf(m).includes('/kill'));
  });

  it('strangers are ignored without a reply and logged once', async () => {
    h = await startHarness({ telegram: { allowed_user_ids: [1001] } });
    h.commands.existingDirs.add('/home/u/x');
    const eve = { id: 666, first_name: 'Eve' };
    h.fake.userSends({ text: '/new ~/x', from: eve });
    h.fake.userSends({ text: '/new ~/x', from: eve });
    // Someone else in the right chat, but not on the allow list.
    h.fake.userSends({ text: '/list', from: { id: 777, first_name: 'Mallory' }, chatId: h.fake.owner.id });
    h.fake.userSends({ text: '/help' });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('Claude Session Manager'));
    expect(h.commands.callsOf('newSession')).toHaveLength(0);
    expect(h.fake.botMessages(666)).toHaveLength(0);
    expect(h.fake.botMessages()).toHaveLength(1);
    const logged = h.logs.filter((l) => l.msg?.includes('ignoring a message from outside'));
    expect(logged.map((l) => (l.obj as { user_id: number }).user_id)).toEqual([666, 777]);
  });
});

describe('telegram channel: nothing lost, nothing twice', () => {
  it('with 30% of Bot API calls failing, every message arrives exactly once and in order, and replies are typed once', async () => {
    h = await startHarness();
    const sessions = ['e001', 'e002', 'e003'];
    for (const s of sessions) h.commands.addSession(s, `/home/u/${s}`);
    await h.fake.waitUntil(() => (h.fake.botMessages().length === 3 ? true : undefined), 5000, 'roots');
    h.fake.failRate(0.3, { seed: 7, kinds: ['500', '429', '500'], retryAfter: 1 });
    h.fake.failNext('sendMessage', 1, { kind: 'hang' });
    const N = 8;
    for (let i = 0; i < N; i++) for (const s of sessions) h.commands.emit(s, { kind: 'notify', notify_id: `${s}-${i}`, channel: 'telegram', subject: null, message: `${s} message ${i}` });
    const roots = new Map(sessions.map((s) => [s, h.fake.botMessages().find((m) => textOf(m).includes(`Session ${s}`))!.message_id]));
    const replies = sessions.map((s) => h.fake.userSends({ text: `reply to ${s}`, replyTo: roots.get(s)! }));
    await h.fake.waitUntil(() => (h.fake.botMessages().filter((m) => textOf(m).startsWith('📣')).length >= 3 * N ? true : undefined), 60_000, 'all messages');
    await waitFor(() => h.commands.callsOf('sendInput').length >= 3, { message: 'replies typed', intervalMs: 10, timeoutMs: 60_000 });
    h.fake.failRate(0);
    await waitFor(() => (h.store.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE channel LIKE 'telegram:%'").get() as { n: number }).n === 0, { message: 'outbox drained', intervalMs: 10, timeoutMs: 30_000 });

    expect(h.fake.calls.filter((c) => c.fault).length).toBeGreaterThan(5);
    for (const s of sessions) {
      const mine = h.fake.botMessages().filter((m) => textOf(m).startsWith(`📣 ${s}`));
      expect(mine.map((m) => textOf(m))).toEqual(Array.from({ length: N }, (_, i) => `📣 ${s}\n${s} message ${i}`));
      expect(mine.every((m) => m.reply_to === roots.get(s))).toBe(true);
    }
    expect(h.commands.callsOf('sendInput').map((c) => `${c.id}:${(c.args as { text: string }).text}`).sort()).toEqual(sessions.map((s) => `${s}:reply to ${s}`));
    for (const r of replies) await h.fake.waitUntil(() => h.fake.chatMessages().find((m) => m.message_id === r.message_id)?.reactions[0], 10_000, 'ack');
  }, 90_000);

  it('Telegram unreachable for a while: queued messages go out in order when it is back; a long retry_after is obeyed', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    const root = await rootOf('a1b2');
    h.fake.failRate(1, { kinds: ['500'] });
    for (let i = 0; i < 5; i++) h.commands.emit('a1b2', { kind: 'notify', notify_id: `n${i}`, channel: 'telegram', subject: null, message: `queued ${i}` });
    await waitFor(() => h.fake.calls.filter((c) => c.method === 'sendMessage' && c.fault).length >= 4, { message: 'several failed attempts', intervalMs: 10, timeoutMs: 5000 });
    expect(h.fake.botMessages()).toHaveLength(1);
    h.fake.failRate(0);
    h.fake.failNext('sendMessage', 1, { kind: '429', retryAfter: 2 });
    await h.fake.waitUntil(() => (h.fake.botMessages().length === 6 ? true : undefined), 15_000, 'all five');
    expect(h.fake.botMessages().slice(1).map((m) => [textOf(m), m.reply_to])).toEqual(Array.from({ length: 5 }, (_, i) => [`📣 a1b2\nqueued ${i}`, root.message_id]));
  }, 30_000);

  it('a restart (new instance, same database) routes replies to old messages and does not re-process updates', async () => {
    h = await startHarness();
    h.commands.addSession('a1b2', '/home/u/app');
    h.commands.addSession('c3d4', '/home/u/other');
    const rootA = await rootOf('a1b2');
    await rootOf('c3d4');
    const before = h.fake.userSends({ text: 'before restart', replyTo: rootA.message_id });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'first input', intervalMs: 10, timeoutMs: 5000 });
    const beforeId = h.fake.calls.length;
    await h.channel.stop();

    // Sent while the daemon was down; the second one was being typed when it "crashed" (marked in flight).
    h.fake.userSends({ text: 'after restart', replyTo: rootA.message_id });
    const crashed = h.fake.userSends({ text: 'was being typed when it crashed', replyTo: before.message_id });
    const crashedUpdate = h.fake.pendingUpdates().find((u) => (u['message'] as { message_id: number } | undefined)?.message_id === crashed.message_id)!;
    new UpdateLog(h.store, botIdOf(h.fake.token)).markInFlight(crashedUpdate.update_id);

    await h.restart();
    // Text to type is handled again, under its message's idempotency key: the command layer types it at
    // most once (its ledger), so nothing is lost and nothing doubled (test/e2e/telegram.test.ts crashes a real daemon).
    await waitFor(() => h.commands.callsOf('sendInput').length === 3, { message: 'the replies after restart', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput').map((c) => [c.id, (c.args as { text: string }).text, (c.args as { key?: string }).key])).toEqual([
      ['a1b2', 'before restart', `telegram:${h.fake.owner.id}:${before.message_id}`],
      ['a1b2', 'after restart', expect.stringMatching(/^telegram:\d+:\d+$/)],
      ['a1b2', 'was being typed when it crashed', `telegram:${h.fake.owner.id}:${crashed.message_id}`],
    ]);
    expect(h.fake.botMessages().some((m) => textOf(m).startsWith('⚠️ The daemon restarted'))).toBe(false);
    // The new instance asked Telegram only for updates after the ones already done.
    const firstPoll = h.fake.calls.slice(beforeId).find((c) => c.method === 'getUpdates')!;
    expect(Number(firstPoll.params['offset'])).toBe(crashedUpdate.update_id - 1);
    await waitFor(() => h.fake.pendingUpdates().length === 0 || undefined, { message: 'updates confirmed', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')).toHaveLength(3);
  });

  it('409 from getUpdates (another poller on the token): one clear log line, no fight, recovers when it is gone', async () => {
    h = await startHarness();
    await waitFor(() => h.fake.calls.some((c) => c.method === 'getUpdates'), { message: 'first poll', intervalMs: 10, timeoutMs: 5000 });
    let intruding = true;
    const intruder = (async () => {
      while (intruding) await fetch(`${h.fake.url}/bot${h.fake.token}/getUpdates?timeout=1`).then((r) => r.json(), () => undefined);
    })();
    await waitFor(() => h.logs.some((l) => l.msg?.includes('another process is polling this bot token')), { message: 'the conflict log line', intervalMs: 10, timeoutMs: 5000 });
    await waitFor(() => h.fake.calls.filter((c) => c.method === 'getUpdates' && c.status === 409).length >= 4, { message: 'a few conflicts', intervalMs: 10, timeoutMs: 5000 });
    // Not a tight loop: the channel asks again only every conflictRetryMs (200 ms here), so over
    // this span most getUpdates calls are the intruder's, one a second at most.
    const polls = h.fake.calls.filter((c) => c.method === 'getUpdates');
    expect(polls.length).toBeLessThan(40);
    intruding = false;
    await intruder;
    expect(h.logs.filter((l) => l.msg?.includes('another process is polling this bot token'))).toHaveLength(1);
    h.commands.addSession('a1b2', '/home/u/app');
    const root = await rootOf('a1b2');
    h.fake.userSends({ text: 'works again', replyTo: root.message_id });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'input after the conflict', intervalMs: 10, timeoutMs: 10_000 });
    await waitFor(() => h.logs.some((l) => l.msg?.includes('polling again')), { message: 'recovery log', intervalMs: 10, timeoutMs: 5000 });
  });
});

describe('telegram channel: forum topics', () => {
  it('topics: true in a forum → a topic per session; a plain message in the topic routes to it', async () => {
    h = await startHarness({ telegram: { chat_id: -1001, topics: true }, fake: { chats: [{ id: -1001, type: 'supergroup', is_forum: true, title: 'csm' }] } });
    h.commands.addSession('a1b2', '/home/u/app');
    const root = await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a1b2'));
    expect(root.thread_id).toBeDefined();
    const topic = h.fake.chatMessages(-1001).find((m) => m.kind === 'topic_created')!;
    expect(topic.topic_name).toBe('a1b2 · app');
    expect(root.thread_id).toBe(topic.message_id);
    h.commands.emit('a1b2', { kind: 'idle', idle_seconds: 90, last_message: null });
    const idle = await h.fake.waitForMessage((m) => textOf(m).startsWith('💤 a1b2'));
    expect(idle.thread_id).toBe(topic.message_id);
    h.fake.userSends({ text: 'in the topic', chatId: -1001, threadId: topic.message_id });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'input from the topic', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[0]!.id).toBe('a1b2');
  });

  it('topics: true where the chat has none → reply threads, logged once', async () => {
    h = await startHarness({ telegram: { topics: true } });
    h.commands.addSession('a1b2', '/home/u/app');
    h.commands.addSession('c3d4', '/home/u/app2');
    const root = await rootOf('a1b2');
    await rootOf('c3d4');
    expect(root.thread_id).toBeUndefined();
    // Both roots may have tried at once; after that, no more attempts.
    const tries = h.fake.calls.filter((c) => c.method === 'createForumTopic').length;
    expect(tries).toBeGreaterThanOrEqual(1);
    expect(tries).toBeLessThanOrEqual(2);
    expect(h.logs.filter((l) => l.msg?.includes('cannot open forum topics'))).toHaveLength(1);
    h.commands.addSession('e5f6', '/home/u/app3');
    await rootOf('e5f6');
    expect(h.fake.calls.filter((c) => c.method === 'createForumTopic')).toHaveLength(tries);
    h.fake.userSends({ text: 'still routed', replyTo: root.message_id });
    await waitFor(() => h.commands.callsOf('sendInput').length === 1, { message: 'input', intervalMs: 10, timeoutMs: 5000 });
    expect(h.commands.callsOf('sendInput')[0]!.id).toBe('a1b2');
  });
});
