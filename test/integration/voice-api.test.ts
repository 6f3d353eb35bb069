import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { voiceSchema } from '../../daemon/config/schema.js';
import { createTranscriber, TranscribeError } from '../../daemon/voice/transcriber.js';
import { FakeTranscriptionApi } from '../fakes/transcription-api.js';
import { pocketsphinxCommand, speakVoiceNote } from '../helpers/speech.js';

/** voice.api_url against an OpenAI-compatible server on loopback that recognises the audio with pocketsphinx. */
let server: FakeTranscriptionApi;
let dir: string;
beforeEach(async () => {
  server = await FakeTranscriptionApi.start();
  dir = mkdtempSync(join(tmpdir(), 'csm-voice-api-'));
});
afterEach(async () => server.close());

const transcriber = (o: Record<string, unknown> = {}) => createTranscriber(voiceSchema.parse({ api_url: `${server.url}/v1`, api_key: 'sk-test', ...o }), { home: '/home/u' })!;

describe('the OpenAI-compatible transcriber', () => {
  it('sends the voice note as a multipart file with model and key; the server\'s text comes back', async () => {
    const [file, ...args] = pocketsphinxCommand(dir);
    server.answer = async (r) => {
      // A real recogniser behind the fake server: the words come from the audio.
      const ogg = join(dir, 'in.oga');
      writeFileSync(ogg, r.file!.bytes);
      await execa('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', ogg, '-ar', '16000', '-ac', '1', join(dir, 'in.wav')]);
      const out = await execa(file!, args.map((a) => a.replace('{wav}', join(dir, 'in.wav'))));
      return { status: 200, body: { text: ` ${out.stdout.trim()}\n` } };
    };
    const note = await speakVoiceNote(dir, 'what is the status');
    const text = await transcriber({ language: 'en' }).transcribe({ bytes: note.bytes, ext: 'oga', mime: 'audio/ogg' });
    expect(text).toBe('what is the status');
    const r = server.requests[0]!;
    expect(r.authorization).toBe('Bearer sk-test');
    expect(r.fields).toEqual({ model: 'whisper-1', response_format: 'json', language: 'en' });
    expect(r.file).toMatchObject({ filename: 'audio.oga', mimeType: 'audio/ogg' });
    expect(r.file!.bytes.equals(note.bytes)).toBe(true);
  });

  it('a refusal names the status and the server\'s message (and the key for 401); a hang is cut at the timeout; a dead server is said so', async () => {
    server.answer = () => ({ status: 401, body: { error: { message: 'Incorrect API key provided' } } });
    await expect(transcriber().transcribe({ bytes: Buffer.from('x'), ext: 'oga' })).rejects.toThrow(
      new TranscribeError('The transcription server answered 401: Incorrect API key provided. Check voice.api_key. Nothing was typed.'),
    );
    server.answer = () => ({ status: 200, body: { transcript: 'wrong shape' } });
    await expect(transcriber().transcribe({ bytes: Buffer.from('x'), ext: 'oga' })).rejects.toThrow(/sent no "text" in its answer/);
    server.answer = () => 'hang';
    const started = Date.now();
    await expect(transcriber({ timeout_seconds: 1 }).transcribe({ bytes: Buffer.from('x'), ext: 'oga' })).rejects.toThrow(/did not answer within 1 s \(voice.timeout_seconds\)/);
    expect(Date.now() - started).toBeLessThan(5000);
    const url = server.url;
    await server.close();
    await expect(createTranscriber(voiceSchema.parse({ api_url: url }), { home: '/h' })!.transcribe({ bytes: Buffer.from('x'), ext: 'oga' })).rejects.toThrow(/could not be reached \((ECONNREFUSED|EPIPE|ECONNRESET)\)/);
    server = await FakeTranscriptionApi.start();
  });
});
