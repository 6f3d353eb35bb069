import { describe, expect, it } from 'vitest';
import { cleanTranscript, commandLine, formatSeconds, needsWav, transcriptionsUrl } from '../../../daemon/voice/template.js';

describe('voice command templates (run without a shell)', () => {
  it.each([
    ['whisper-cli -m ~/models/ggml-base.en.bin -f {wav} -nt', { file: 'whisper-cli', args: ['-m', '/home/u/models/ggml-base.en.bin', '-f', '/tmp/v/audio.wav', '-nt'] }],
    ['pocketsphinx_continuous -infile {wav} -jsgf /g.jsgf -logfn /dev/null', { file: 'pocketsphinx_continuous', args: ['-infile', '/tmp/v/audio.wav', '-jsgf', '/g.jsgf', '-logfn', '/dev/null'] }],
    ['my-stt --in={file}', { file: 'my-stt', args: ['--in=/tmp/v/audio.oga'] }],
    [['/opt/My STT/run', '{file}', 'a b'], { file: '/opt/My STT/run', args: ['/tmp/v/audio.oga', 'a b'] }],
  ] as const)('%j', (template, expected) => {
    expect(commandLine(template, { file: '/tmp/v/audio.oga', wav: '/tmp/v/audio.wav' }, '/home/u')).toEqual(expected);
  });

  it('a path with spaces or shell characters stays one argument', () => {
    const r = commandLine('stt {file}', { file: '/tmp/a b;$(rm -rf ~)/x.oga' }, '/h');
    expect(r.args).toEqual(['/tmp/a b;$(rm -rf ~)/x.oga']);
  });

  it.each([
    ['stt -f {wav}', true],
    ['stt {file}', false],
    [['stt', '--wav={wav}'], true],
  ] as const)('needsWav(%j) = %s', (t, expected) => expect(needsWav(t)).toBe(expected));
});

describe('transcriptionsUrl', () => {
  it.each([
    ['https://api.openai.com/v1', 'https://api.openai.com/v1/audio/transcriptions'],
    ['https://api.openai.com/v1/', 'https://api.openai.com/v1/audio/transcriptions'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/v1/audio/transcriptions'],
    ['http://127.0.0.1:8080/v1/audio/transcriptions', 'http://127.0.0.1:8080/v1/audio/transcriptions'],
    ['http://host/inference/audio/transcriptions', 'http://host/inference/audio/transcriptions'],
  ])('%s → %s', (input, expected) => expect(transcriptionsUrl(input)).toBe(expected));
});

describe('cleanTranscript', () => {
  it.each([
    ['please run the tests\n', 'please run the tests'],
    ['  hello\r\nworld  ', 'hello world'],
    ['[00:00.000 --> 00:02.000]  Please run the tests.\n[00:02.000 --> 00:03.500]  Thanks.', 'Please run the tests. Thanks.'],
    ['\u001b[32mgreen\u001b[0m text', 'green text'],
    ['a\u0000b\u202Ec', 'a b c'],
    ['\n\n', ''],
  ])('%j → %j', (raw, expected) => expect(cleanTranscript(raw)).toBe(expected));
});

describe('formatSeconds', () => {
  it.each([[4, '4 s'], [59.6, '1 min'], [300, '5 min'], [312, '5 min 12 s']])('%d → %s', (s, expected) => expect(formatSeconds(s)).toBe(expected));
});
