import { afterEach, describe, expect, it } from 'vitest';
import { CommandError } from '../../daemon/errors.js';
import type { FakeMessage } from '../fakes/telegram-bot-api.js';
import { decodePng } from '../helpers/png.js';
import { startHarness, type Harness } from './telegram-harness.js';
import { button } from '../helpers/telegram.js';

/** Screen images in the Telegram channel, against the fake Bot API (the command layer is the fake one). */
let h: Harness;
afterEach(async () => h?.cleanup());

const textOf = (m: FakeMessage): string => m.text ?? '';
const photoOf = (m: FakeMessage) => decodePng(Buffer.from(m.photo!.content, 'base64'));

async function withSession(): Promise<FakeMessage> {
  h = await startHarness();
  h.commands.addSession('a1b2', '/home/u/app');
  h.commands.screens.set('a1b2', 'Claude Code\n\n❯ hello\n──────────');
  return h.fake.waitForMessage((m) => textOf(m).startsWith('🚀 Session a1b2 started'));
}

describe('telegram channel: screen images', () => {
  it('/screenshot in a thread → a photo of the pane, replying to the command', async () => {
    const root = await withSession();
    const cmd = h.fake.userSends({ text: '/screenshot', replyTo: root.message_id });
    const photo = await h.fake.waitForMessage((m) => m.kind === 'photo');
    expect(textOf(photo)).toBe('🖼 a1b2 screen');
    expect(photo.reply_to).toBe(cmd.message_id);
    const png = photoOf(photo);
    expect([png.width, png.height]).toEqual([photo.photo!.width, photo.photo!.height]);
    expect(png.width).toBeGreaterThan(200);
    expect(h.commands.callsOf('screenshot')).toHaveLength(1);
  });

  it('🖼 on a permission request, an idle and an error message each send the screen', async () => {
    await withSession();
    h.commands.request('a1b2', { request_id: 'r0000001', tool_name: 'Bash', tool_input: { command: 'ls' } });
    const perm = await h.fake.waitForMessage((m) => textOf(m).startsWith('🔔 a1b2'));
    h.commands.emit('a1b2', { kind: 'idle', idle_seconds: 60, last_message: null });
    const idle = await h.fake.waitForMessage((m) => textOf(m) === '💤 a1b2 idle for 60s');
    h.commands.emit('a1b2', { kind: 'error', message: 'API error', screen_tail: 'x' });
    const err = await h.fake.waitForMessage((m) => textOf(m).startsWith('❌ a1b2 error'));
    for (const [i, m] of [perm, idle, err].entries()) {
      const tap = h.fake.userTaps(m.message_id, button(m, '🖼 Screen'));
      expect((await h.fake.waitForCallbackAnswer(tap)).text).toBe('Drawing the screen of a1b2…');
      await h.fake.waitUntil(() => (h.fake.botMessages().filter((x) => x.kind === 'photo').length === i + 1 ? true : undefined), 5000, `photo ${i + 1}`);
    }
    const photos = h.fake.botMessages().filter((m) => m.kind === 'photo');
    expect(photos.map((p) => p.reply_to)).toEqual([perm.message_id, idle.message_id, err.message_id]);
    // The request itself is untouched: the tap answers nothing.
    expect(h.commands.callsOf('answer')).toHaveLength(0);
  });

  it('a screen nobody recognises comes with its image', async () => {
    await withSession();
    h.commands.request('a1b2', { request_id: 'r0000002', kind: 'screen', title: 'Waiting on a screen csm does not recognise', detail: 'Pick one', options: [{ key: 'Enter', label: '⏎ Enter' }] });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('🖥 a1b2'));
    const photo = await h.fake.waitForMessage((m) => m.kind === 'photo');
    expect(textOf(photo)).toBe('🖼 a1b2 the screen it waits on');
  });

  it('a screen that cannot be drawn is said in words, once', async () => {
    const root = await withSession();
    h.commands.screenshot = async () => {
      throw new CommandError('conflict', 'Session a1b2 has ended and its last screen was not kept.');
    };
    h.fake.userSends({ text: '/screenshot a1b2', replyTo: root.message_id });
    const said = await h.fake.waitForMessage((m) => textOf(m).startsWith('🖼 Session a1b2 has ended'));
    expect(said.kind).toBe('text');
    expect(h.fake.botMessages().filter((m) => m.kind === 'photo')).toHaveLength(0);
  });

  it('/screenshot of an unknown session is refused at once', async () => {
    const root = await withSession();
    h.fake.userSends({ text: '/screenshot beef', replyTo: root.message_id });
    await h.fake.waitForMessage((m) => textOf(m).startsWith('⚠️ No session beef'));
    expect(h.commands.callsOf('screenshot')).toHaveLength(0);
  });

  it('/output fits one message and offers the image', async () => {
    const root = await withSession();
    h.commands.screens.set('a1b2', ['', '', 'Claude Code', '', '', '', '❯ hello', '─'.repeat(200), `  ? for shortcuts${' '.repeat(150)}● high`].join('\n'));
    h.fake.userSends({ text: '/output', replyTo: root.message_id });
    const out = await h.fake.waitForMessage((m) => textOf(m).startsWith('🖥 a1b2 last 30 lines'));
    expect(textOf(out)).toBe(`🖥 a1b2 last 30 lines\nClaude Code\n\n❯ hello\n${'─'.repeat(24)}\n  ? for shortcuts   ● high`);
    h.fake.userTaps(out.message_id, button(out, '🖼 Screen'));
    await h.fake.waitForMessage((m) => m.kind === 'photo');
  });
});
