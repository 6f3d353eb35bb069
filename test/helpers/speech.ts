import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * Real speech for voice tests (see the README's Tests section): espeak-ng speaks, ffmpeg encodes OGG/Opus
 * as Telegram sends voice notes. Open-vocabulary recognition of espeak's voice is poor, so the recogniser
 * gets a small JSGF grammar: real audio in, words out of the audio alone, but from a known set.
 */
export const PHRASES = ['please run the tests', 'please continue', 'what is the status', 'stop now', 'yes', 'no', 'use the blue one'];

/** A voice note saying `text`: OGG/Opus bytes and its duration in seconds (what Telegram reports). */
export async function speakVoiceNote(dir: string, text: string, name = 'say'): Promise<{ bytes: Buffer; duration: number }> {
  const wav = join(dir, `${name}.wav`);
  const ogg = join(dir, `${name}.ogg`);
  await execa('espeak-ng', ['-s', '140', '-w', wav, text]);
  await execa('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'libopus', '-b:a', '24k', ogg]);
  const probe = await execa('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', ogg]);
  return { bytes: readFileSync(ogg), duration: Math.max(1, Math.round(Number(probe.stdout.trim()))) };
}

/** pocketsphinx with a grammar of PHRASES, as a `voice.command` (list form: the grammar path may hold spaces). */
export function pocketsphinxCommand(dir: string): string[] {
  const grammar = join(dir, 'phrases.jsgf');
  writeFileSync(grammar, `#JSGF V1.0;\ngrammar phrases;\npublic <phrase> = ${PHRASES.join(' | ')};\n`);
  return ['pocketsphinx_continuous', '-infile', '{wav}', '-jsgf', grammar, '-logfn', '/dev/null'];
}

/** A real JPEG of `w`×`h` (a test pattern), made by ffmpeg. */
export async function jpeg(dir: string, w = 320, h = 240): Promise<Buffer> {
  const out = join(dir, `pattern-${w}x${h}.jpg`);
  await execa('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${w}x${h}`, '-frames:v', '1', out]);
  return readFileSync(out);
}
