import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi, type FakeMessage } from '../fakes/telegram-bot-api.js';
import type { DaemonHandle } from '../helpers/daemon.js';
import { speakVoiceNote } from '../helpers/speech.js';
import { startTelegramDaemon, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');
const HANG = ['sh', '-c', 'exec tail -f "$1"', 'sh', '{wav}'];

/**
 * Voice messages that must not become prompts, through the real daemon with real ffmpeg and real
 * transcriber processes: none configured, too long, audio ffmpeg cannot read, a transcriber that hangs
 * (stopped at the timeout, and not holding up SIGTERM). Nothing is ever typed into the session.
 */
describe('Telegram voice messages that fail', () => {
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let work: string;
  let root: FakeMessage;
  const typedFile = (): string => join(work, 'typed.txt');
  const typed = (): string => (existsSync(typedFile()) ? readFileSync(typedFile(), 'utf8') : '');
  /** Rewrites the daemon's voice: section and restarts it on the same home. */
  const reconfigure = async (voice: Record<string, unknown> | null): Promise<void> => {
    await d.stop('SIGTERM');
    const config = parse(readFileSync(d.configFile, 'utf8')) as Record<string, unknown>;
    if (voice) config['voice'] = voice;
    else delete config['voice'];
    writeFileSync(d.configFile, stringify(config));
    await d.restart();
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-voice-fail-'));
    tg = await FakeTelegramBotApi.start();
    d = await startTelegramDaemon(tg, {
      claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: typedFile() },
      // Hangs on whatever ffmpeg could turn into a WAV.
      config: { voice: { command: HANG, max_seconds: 30, timeout_seconds: 2 } },
    });
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
    root = await tg.waitForMessage((m) => textOf(m).startsWith(`🚀 Session ${r.body.session_id} started`), 15_000);
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
  });

  it('longer than voice.max_seconds: refused before it is fetched', async () => {
    const note = await speakVoiceNote(work, 'please continue', 'long');
    tg.userSends({ voice: { bytes: note.bytes, duration: 31 }, replyTo: root.message_id });
    const refusal = await tg.waitForMessage((m) => textOf(m).startsWith('🎤 That voice message is'), 15_000);
    expect(textOf(refusal)).toBe('🎤 That voice message is 31 s long; csm transcribes up to 30 s (voice.max_seconds). Nothing was typed.');
    expect(tg.files.downloads).toEqual([]);
  });

  it('audio that ffmpeg cannot read: says so, nothing typed', async () => {
    tg.userSends({ voice: { bytes: Buffer.from('this is not audio at all'), duration: 2 }, replyTo: root.message_id });
    const failed = await tg.waitForMessage((m) => textOf(m).startsWith('⚠️ Converting the audio'), 15_000);
    expect(textOf(failed)).toMatch(/^⚠️ Converting the audio to WAV with ffmpeg \(ffmpeg\) failed: it exited with 1 \(.+\)\. Install ffmpeg or set voice\.ffmpeg\. Nothing was typed\.$/);
    expect(typed()).toBe('');
  });

  it('a hanging transcriber is stopped at the timeout', async () => {
    const note = await speakVoiceNote(work, 'stop now', 'hang');
    const started = Date.now();
    tg.userSends({ voice: note, replyTo: root.message_id });
    const hung = await tg.waitForMessage((m) => textOf(m).includes('did not finish within'), 30_000);
    expect(textOf(hung)).toBe('⚠️ The transcriber (sh) did not finish within 2 s (voice.timeout_seconds) and was stopped. Nothing was typed.');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(typed()).toBe('');
  });

  it('SIGTERM while a transcriber runs: the daemon exits within seconds, and the restart transcribes it again', async () => {
    await reconfigure({ command: HANG, timeout_seconds: 30 });
    const note = await speakVoiceNote(work, 'stop now', 'sigterm');
    const downloads = tg.files.downloads.length;
    const voice = tg.userSends({ voice: note, replyTo: root.message_id });
    await waitFor(() => tg.files.downloads.length > downloads, { timeoutMs: 30_000, message: 'the voice note fetched (the transcriber is running)' });
    const placeholder = await tg.waitForMessage((m) => m.reply_to === voice.message_id && textOf(m) === '🎤 Transcribing…', 15_000);
    const t0 = Date.now();
    await d.stop('SIGTERM');
    expect(Date.now() - t0, 'SIGTERM with a transcriber running').toBeLessThan(5000);
    // Meanwhile the owner fixes the transcriber; the restart runs the unfinished transcription again.
    const config = parse(readFileSync(d.configFile, 'utf8')) as Record<string, unknown>;
    config['voice'] = { command: ['sh', '-c', 'test -s "$1" && echo "stop now"', 'sh', '{wav}'], timeout_seconds: 30 };
    writeFileSync(d.configFile, stringify(config));
    await d.restart();
    const shown = await tg.waitForMessage((m) => m.message_id === placeholder.message_id && textOf(m) === '🎤 "stop now"', 60_000);
    expect(shown.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['➤ Send', 'Cancel']);
    expect(tg.files.downloads.length).toBe(downloads + 2);
    expect(tg.botMessages().filter((m) => m.reply_to === voice.message_id)).toHaveLength(1);
    expect(typed()).toBe('');
  }, 240_000);

  it('no transcriber configured: the reply says how to set one up', { timeout: 240_000 }, async () => {
    await reconfigure(null);
    const downloads = tg.files.downloads.length;
    tg.userSends({ voice: true, replyTo: root.message_id });
    const help = await tg.waitForMessage((m) => textOf(m).startsWith('🎤 No transcriber is configured'), 15_000);
    expect(textOf(help)).toContain('whisper-cli -m ~/models/ggml-base.en.bin -f {wav} -nt');
    expect(tg.files.downloads.length).toBe(downloads);
    expect(typed()).toBe('');
  });
});
