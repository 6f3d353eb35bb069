import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localDate } from '../../daemon/inbox-name.js';
import { TINY_JPEG } from '../fakes/telegram-bot-api-files.js';
import type { FakeMessage } from '../fakes/telegram-bot-api.js';
import { waitFor } from '../helpers/wait.js';
import { startHarness, type Harness } from './telegram-harness.js';
import { button } from '../helpers/telegram.js';

/** Photos, files and voice notes through the channel, against the fake Bot API and an in-memory command layer. */
let h: Harness;
afterEach(async () => h?.cleanup());

const textOf = (m: FakeMessage): string => m.text ?? '';
const today = (): string => localDate(Date.now());

async function withSession(o: Parameters<typeof startHarness>[0] = {}): Promise<FakeMessage> {
  h = await startHarness(o);
  h.commands.addSession('a1b2', '/home/u/app');
  return h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a1b2 started'));
}
const typed = (): string[] => h.commands.typed.map((t) => t.text);
const getFileCalls = (): number => h.fake.calls.filter((c) => c.method === 'getFile').length;

describe('telegram: photos and files into the session', () => {
  it('a photo in the thread: the largest size is fetched, saved by the command layer, and its path typed with the caption', async () => {
    const root = await withSession();
    const full = Buffer.concat([TINY_JPEG, Buffer.from('the full size')]);
    const sent = h.fake.userSends({ photo: { bytes: full, width: 1280, height: 960, thumb: { bytes: TINY_JPEG, width: 90, height: 68 } }, caption: 'why is this red?', replyTo: root.message_id });
    await waitFor(() => h.commands.typed.length === 1, { message: 'the path typed' });
    expect(h.commands.saved).toHaveLength(1);
    expect(Buffer.from(h.commands.saved[0]!.bytes).equals(full)).toBe(true);
    expect(h.commands.saved[0]!.name).toBeNull();
    expect(typed()).toEqual([`Photo: ./.csm/inbox/${today()}-1.jpg — why is this red?`]);
    expect(h.commands.callsOf('sendInput')[0]!.args).toMatchObject({ key: `telegram:${h.fake.owner.id}:${sent.message_id}` });
    await h.fake.waitUntil(() => (h.fake.chatMessages().find((m) => m.message_id === sent.message_id)?.reactions.includes('👍') ? true : undefined), 3000, 'the 👍');
  });

  it('a document keeps its (hostile) name for the command layer to sanitise; no caption, just the path', async () => {
    const root = await withSession();
    h.fake.userSends({ document: { file_name: '../../x', content: 'secret plans', mime_type: 'text/plain' }, replyTo: root.message_id });
    await waitFor(() => h.commands.typed.length === 1, { message: 'the path typed' });
    expect(h.commands.saved[0]).toMatchObject({ id: 'a1b2', name: '../../x' });
    expect(Buffer.from(h.commands.saved[0]!.bytes).toString()).toBe('secret plans');
    expect(typed()).toEqual([`File: ./.csm/inbox/${today()}-1-x.txt`]);
  });

  it('over telegram.max_upload_mb: refused before anything is fetched; over 20 MB: Telegram\'s own limit is named', async () => {
    const root = await withSession({ telegram: { max_upload_mb: 1 } });
    h.fake.userSends({ document: { file_name: 'big.bin', content: Buffer.alloc(1_600_000) }, replyTo: root.message_id });
    const refusal = await h.fake.waitForMessage((m) => textOf(m).includes('csm takes files up to'));
    expect(textOf(refusal)).toBe('⚠️ That file is 1.5 MB; csm takes files up to 1 MB (telegram.max_upload_mb). Nothing was saved or typed.');
    expect(getFileCalls()).toBe(0);

    await h.channel.stop();
    await h.restart({ max_upload_mb: 50 });
    h.fake.userSends({ document: { file_name: 'huge.bin', content: Buffer.alloc(21 * 1024 * 1024) }, replyTo: root.message_id });
    const tooBig = await h.fake.waitForMessage((m) => textOf(m).includes('file is too big'));
    expect(textOf(tooBig)).toContain('bots may fetch files of at most 20 MB');
    expect(getFileCalls()).toBe(1);
    expect(h.commands.saved).toHaveLength(0);
    expect(typed()).toEqual([]);
  });

  it('with several sessions and no thread it asks for the thread; in a thread it goes to that session', async () => {
    await withSession();
    h.commands.addSession('c3d4', '/home/u/other');
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session c3d4'));
    h.fake.userSends({ photo: true });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('Several sessions are running: send it as a reply'));
    expect(getFileCalls()).toBe(0);
    const root = h.fake.botMessages().find((m) => textOf(m).startsWith('🚀 Session c3d4'))!;
    h.fake.userSends({ document: { file_name: 'a.txt', content: 'x' }, replyTo: root.message_id });
    await waitFor(() => h.commands.typed.length === 1, { message: 'the good file typed' });
    expect(h.commands.typed[0]!.id).toBe('c3d4');
  });
});

describe('telegram: voice notes', () => {
  // `cat {file}` is a transcriber too: it prints what the "audio" says, so these tests know the words.
  const echo = { voice: { command: 'cat {file}' } };

  it('no transcriber configured: the reply says how to set one up; nothing is fetched or typed', async () => {
    const root = await withSession();
    h.fake.userSends({ voice: true, replyTo: root.message_id });
    const help = await h.fake.waitForMessage((m) => textOf(m).startsWith('🎤 No transcriber is configured'));
    expect(textOf(help)).toContain('voice:\n  command: "whisper-cli -m ~/models/ggml-base.en.bin -f {wav} -nt"');
    expect(textOf(help)).toContain('api_url');
    expect(getFileCalls()).toBe(0);
    expect(typed()).toEqual([]);
  });

  it('transcript shown with Send / Cancel; Send types it once, keyed by the voice message; a second tap does nothing', async () => {
    const root = await withSession({ config: echo });
    const voice = h.fake.userSends({ voice: { bytes: Buffer.from('please run the tests\n'), duration: 2 }, replyTo: root.message_id });
    const shown = await h.fake.waitForMessage((m) => textOf(m).startsWith('🎤 "'));
    expect(textOf(shown)).toBe('🎤 "please run the tests"');
    expect(shown.reply_to).toBe(voice.message_id);
    expect(typed()).toEqual([]);
    const tap = h.fake.userTaps(shown.message_id, button(shown, '➤ Send'));
    await h.fake.waitForCallbackAnswer(tap);
    await waitFor(() => h.commands.typed.length === 1, { message: 'the transcript typed' });
    expect(typed()).toEqual(['please run the tests']);
    expect(h.commands.callsOf('sendInput')[0]!.args).toMatchObject({ key: `telegram:${h.fake.owner.id}:${voice.message_id}` });
    // The reply went "Transcribing…" → the transcript → sent.
    const edited = await h.fake.waitForMessage((m) => m.message_id === shown.message_id && m.edits.length === 2);
    expect(edited.edits.map((e) => e.text)).toEqual(['🎤 Transcribing…', '🎤 "please run the tests"']);
    expect(textOf(edited)).toBe('🎤 "please run the tests"\n\n➤ Sent to a1b2');
    expect(edited.reply_markup).toBeUndefined();
    const again = h.fake.userTaps(shown.message_id, button(shown, '➤ Send'));
    expect(await h.fake.waitForCallbackAnswer(again)).toEqual({ text: 'Already sent.' });
    expect(typed()).toHaveLength(1);
  });

  it('Cancel: nothing is typed, and Send afterwards does nothing', async () => {
    const root = await withSession({ config: echo });
    h.fake.userSends({ voice: { bytes: Buffer.from('stop now'), duration: 1 }, replyTo: root.message_id });
    const shown = await h.fake.waitForMessage((m) => textOf(m).startsWith('🎤 "stop now"'));
    h.fake.userTaps(shown.message_id, button(shown, 'Cancel'));
    await h.fake.waitForMessage((m) => m.message_id === shown.message_id && textOf(m).endsWith('✖ Cancelled: nothing was typed.'));
    const late = h.fake.userTaps(shown.message_id, button(shown, '➤ Send'));
    expect(await h.fake.waitForCallbackAnswer(late)).toEqual({ text: 'Cancelled earlier: nothing was typed.' });
    expect(typed()).toEqual([]);
  });

  it('voice.auto_send: typed at once, and shown', async () => {
    const root = await withSession({ config: { voice: { ...echo.voice, auto_send: true } } });
    h.fake.userSends({ voice: { bytes: Buffer.from('what is the status'), duration: 1 }, replyTo: root.message_id });
    await waitFor(() => h.commands.typed.length === 1, { message: 'typed at once' });
    expect(typed()).toEqual(['what is the status']);
    const shown = await h.fake.waitForMessage((m) => textOf(m) === '🎤 "what is the status"');
    expect(shown.reply_markup).toBeUndefined();
  });

  it('a voice reply to a question answers it (after Send)', async () => {
    await withSession({ config: echo });
    h.commands.request('a1b2', { request_id: 'q0000001', kind: 'question', title: 'Which colour?', detail: 'Which colour?', options: [{ key: '1', label: 'Red' }, { key: '2', label: 'Blue' }] });
    const ask = await h.fake.waitForMessage((m) => textOf(m).includes('Which colour?') && (m.reply_markup?.inline_keyboard.length ?? 0) > 0);
    h.fake.userSends({ voice: { bytes: Buffer.from('use the blue one'), duration: 1 }, replyTo: ask.message_id });
    const shown = await h.fake.waitForMessage((m) => textOf(m).startsWith('🎤 "use the blue one"'));
    h.fake.userTaps(shown.message_id, button(shown, '➤ Send'));
    await waitFor(() => h.commands.callsOf('answer').length === 1, { message: 'the answer' });
    expect(h.commands.callsOf('answer')[0]!.args).toMatchObject({ input: { request_id: 'q0000001', choice: 'use the blue one' } });
    expect(typed()).toEqual([]);
  });

  it('longer than voice.max_seconds: refused before it is fetched', async () => {
    const root = await withSession({ config: { voice: { ...echo.voice, max_seconds: 60 } } });
    h.fake.userSends({ voice: { bytes: Buffer.from('x'), duration: 61 }, replyTo: root.message_id });
    const refusal = await h.fake.waitForMessage((m) => textOf(m).startsWith('🎤 That voice message is'));
    expect(textOf(refusal)).toBe('🎤 That voice message is 1 min 1 s long; csm transcribes up to 1 min (voice.max_seconds). Nothing was typed.');
    expect(getFileCalls()).toBe(0);
  });

  it('a failing transcriber says what failed; nothing typed', async () => {
    const root = await withSession({ config: { voice: { command: ['sh', '-c', 'echo "model file not found" >&2; exit 3', 'sh', '{file}'] } } });
    h.fake.userSends({ voice: true, replyTo: root.message_id });
    const failed = await h.fake.waitForMessage((m) => textOf(m).startsWith('⚠️ The transcriber'));
    expect(textOf(failed)).toBe('⚠️ The transcriber (sh) exited with 3 (model file not found). Nothing was typed.');
    expect(typed()).toEqual([]);
  });

  it('a hanging transcriber is stopped at voice.timeout_seconds; nothing typed', async () => {
    const root = await withSession({ config: { voice: { command: 'tail -f {file}', timeout_seconds: 1 } } });
    const started = Date.now();
    h.fake.userSends({ voice: true, replyTo: root.message_id });
    const hung = await h.fake.waitForMessage((m) => textOf(m).includes('did not finish within'), 10_000);
    expect(textOf(hung)).toBe('⚠️ The transcriber (tail) did not finish within 1 s (voice.timeout_seconds) and was stopped. Nothing was typed.');
    expect(Date.now() - started).toBeLessThan(6000);
    expect(typed()).toEqual([]);
  });

  it('a transcription runs beside the update loop: a tap behind it is handled at once; a restart picks it up again', async () => {
    const gate = join(mkdtempSync(join(tmpdir(), 'csm-voice-gate-')), 'go');
    const waitsForGate = ['sh', '-c', 'while [ ! -e "$1" ]; do sleep 0.05; done; cat "$2"', 'sh', gate, '{file}'];
    const root = await withSession({ config: { voice: { command: waitsForGate, timeout_seconds: 60 } } });
    const voice = h.fake.userSends({ voice: { bytes: Buffer.from('deploy it'), duration: 1 }, replyTo: root.message_id });
    const placeholder = await h.fake.waitForMessage((m) => m.reply_to === voice.message_id && textOf(m) === '🎤 Transcribing…');

    h.commands.request('a1b2', { request_id: 'r0000009', detail: 'npm test' });
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a1b2') && m.reply_markup !== undefined);
    await h.fake.waitForCallbackAnswer(h.fake.userTaps(perm.message_id, button(perm, 'Allow')));
    expect(h.commands.callsOf('answer')).toHaveLength(1);
    expect(textOf((await h.fake.waitForMessage((m) => m.message_id === placeholder.message_id))!)).toBe('🎤 Transcribing…');

    // Stopped mid-transcription: the next start runs it again, and the same reply becomes the transcript.
    await h.channel.stop();
    await h.restart();
    writeFileSync(gate, '');
    const shown = await h.fake.waitForMessage((m) => m.message_id === placeholder.message_id && textOf(m) === '🎤 "deploy it"', 10_000);
    expect(button(shown, '➤ Send')).toBeTruthy();
    expect(h.fake.botMessages().filter((m) => m.reply_to === voice.message_id)).toHaveLength(1);
    expect(typed()).toEqual([]);
  });

  it('a transcriber that is not installed says so', async () => {
    const root = await withSession({ config: { voice: { command: 'no-such-whisper-csm {wav}' } } });
    h.fake.userSends({ voice: true, replyTo: root.message_id });
    const failed = await h.fake.waitForMessage((m) => textOf(m).startsWith('⚠️ The transcriber'));
    expect(textOf(failed)).toBe('⚠️ The transcriber (no-such-whisper-csm) was not found: install it or give its full path. Nothing was typed.');
  });
});
