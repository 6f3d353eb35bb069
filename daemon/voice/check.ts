import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { VoiceConfig } from '../config/schema.js';
import { needsWav } from './template.js';
import { createTranscriber, type Audio } from './transcriber.js';

export interface VoiceCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const SAMPLE_WORDS = 'testing one two three';

/**
 * `csm doctor`'s voice lines: ffmpeg, and the configured transcriber run on a second of generated speech
 * (espeak-ng when it is installed, else a tone made by ffmpeg), encoded as Telegram encodes voice notes.
 */
export async function checkVoice(cfg: VoiceConfig, home: string): Promise<VoiceCheck[]> {
  const transcriber = createTranscriber(cfg, { home });
  if (!transcriber) {
    return [{ name: 'voice', ok: true, detail: 'no transcriber configured: voice messages get a reply saying how to set one up (voice.command or voice.api_url)' }];
  }
  const checks: VoiceCheck[] = [];
  const ffmpeg = await firstLine(cfg.ffmpeg, ['-version']);
  const wavNeeded = cfg.command !== undefined && needsWav(cfg.command);
  checks.push({
    name: 'ffmpeg',
    ok: ffmpeg !== null,
    detail: ffmpeg ?? `"${cfg.ffmpeg}" not found${wavNeeded ? ': voice.command uses {wav}, which ffmpeg makes' : ''}`,
    fix: 'install ffmpeg (`apt install ffmpeg` or `brew install ffmpeg`), or set voice.ffmpeg to its path',
  });
  if (ffmpeg === null) {
    checks.push({ name: 'transcriber', ok: false, detail: `${transcriber.describe}: not tried, because the test sample is made with ffmpeg`, fix: 'install ffmpeg first' });
    return checks;
  }
  const dir = await mkdtemp(join(tmpdir(), 'csm-voice-check-'));
  try {
    const sample = await makeSample(cfg.ffmpeg, dir);
    const started = Date.now();
    try {
      const text = await transcriber.transcribe(sample.audio);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      checks.push({
        name: 'transcriber',
        ok: true,
        detail: sample.speech
          ? `${transcriber.describe} heard ${text ? `"${text}"` : 'nothing'} in ${secs} s (espeak-ng said "${SAMPLE_WORDS}")`
          : `${transcriber.describe} ran in ${secs} s on a generated tone (install espeak-ng to test it on speech)`,
      });
    } catch (err) {
      checks.push({ name: 'transcriber', ok: false, detail: (err instanceof Error ? err.message : String(err)).replace(/ Nothing was typed\.$/, ''), fix: 'run voice.command by hand on a short recording, or check voice.api_url and voice.api_key' });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return checks;
}

async function makeSample(ffmpeg: string, dir: string): Promise<{ audio: Audio; speech: boolean }> {
  const wav = join(dir, 'sample.wav');
  const ogg = join(dir, 'sample.ogg');
  const spoken = await execa('espeak-ng', ['-s', '140', '-w', wav, SAMPLE_WORDS], { reject: false, timeout: 15_000 });
  const speech = !spoken.failed;
  if (!speech) await execa(ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', wav], { timeout: 15_000 });
  // As Telegram sends voice notes; an ffmpeg built without libopus gets the WAV instead.
  const opus = await execa(ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'libopus', '-b:a', '24k', ogg], { reject: false, timeout: 15_000 });
  const audio: Audio = opus.failed ? { bytes: await readFile(wav), ext: 'wav', mime: 'audio/wav' } : { bytes: await readFile(ogg), ext: 'oga', mime: 'audio/ogg' };
  return { audio, speech };
}

async function firstLine(cmd: string, args: string[]): Promise<string | null> {
  const r = await execa(cmd, args, { reject: false, timeout: 15_000 });
  return r.failed ? null : (r.stdout.split('\n')[0] ?? '').trim();
}
