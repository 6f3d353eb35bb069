import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { voiceSchema } from '../../daemon/config/schema.js';
import { checkVoice } from '../../daemon/voice/check.js';
import { pocketsphinxCommand } from '../helpers/speech.js';

/** `csm doctor`'s voice lines, with the real ffmpeg, espeak-ng and pocketsphinx. */
describe('checkVoice', () => {
  it('no transcriber: one line, not a failure', async () => {
    const checks = await checkVoice(voiceSchema.parse({}), '/home/u');
    expect(checks).toEqual([{ name: 'voice', ok: true, detail: expect.stringMatching(/^no transcriber configured/) }]);
  });

  it('pocketsphinx on a second of espeak-ng speech: ffmpeg found, the transcriber ran and heard something', async () => {
    const checks = await checkVoice(voiceSchema.parse({ command: pocketsphinxCommand(mkdtempSync(`${tmpdir()}/csm-vc-`)) }), '/home/u');
    expect(checks.map((c) => [c.name, c.ok])).toEqual([['ffmpeg', true], ['transcriber', true]]);
    expect(checks[0]!.detail).toMatch(/^ffmpeg version/);
    expect(checks[1]!.detail).toMatch(/^pocketsphinx_continuous heard .* in \d+\.\d s \(espeak-ng said "testing one two three"\)$/);
  });

  it('a failing transcriber and a missing ffmpeg are failures with a fix', async () => {
    const failing = await checkVoice(voiceSchema.parse({ command: ['sh', '-c', 'echo boom >&2; exit 2', 'sh', '{file}'] }), '/home/u');
    expect(failing[1]).toMatchObject({ name: 'transcriber', ok: false, detail: 'The transcriber (sh) exited with 2 (boom).' });
    expect(failing[1]!.fix).toBeDefined();
    const noFfmpeg = await checkVoice(voiceSchema.parse({ command: 'whisper-cli -f {wav}', ffmpeg: '/nonexistent/ffmpeg' }), '/home/u');
    expect(noFfmpeg.map((c) => [c.name, c.ok])).toEqual([['ffmpeg', false], ['transcriber', false]]);
    expect(noFfmpeg[0]!.detail).toBe('"/nonexistent/ffmpeg" not found: voice.command uses {wav}, which ffmpeg makes');
  });
});
