/**
 * The pure parts of transcription: the command template, the server URL and the text that comes back.
 * A template is split into words before anything is substituted, so a path can never add arguments, and
 * it is run without a shell, so nothing in it is ever interpreted.
 */

export interface CommandLine {
  file: string;
  args: string[];
}

/** The template's words: a string is split on spaces, a list is taken as it is. */
export function templateWords(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? command.trim().split(/\s+/).filter(Boolean) : [...command];
}

/** Whether the command wants the 16 kHz mono WAV (made with ffmpeg) rather than only the file as received. */
export function needsWav(command: string | readonly string[]): boolean {
  return templateWords(command).some((w) => w.includes('{wav}'));
}

/** The argv to run: `{wav}` and `{file}` substituted inside each word, and a leading `~/` made `home`. */
export function commandLine(command: string | readonly string[], paths: { wav?: string; file: string }, home: string): CommandLine {
  const words = templateWords(command).map((w) => {
    const expanded = w === '~' ? home : w.startsWith('~/') ? `${home}/${w.slice(2)}` : w;
    return expanded.replaceAll('{file}', paths.file).replaceAll('{wav}', paths.wav ?? paths.file);
  });
  const [file, ...args] = words;
  if (!file) throw new Error('voice.command is empty');
  return { file, args };
}

/**
 * The transcription endpoint of an OpenAI-compatible server from `voice.api_url`: a full
 * `…/audio/transcriptions` URL as it is, a base ending in `/v1` with the path added, anything else with
 * `/v1/audio/transcriptions` added.
 */
export function transcriptionsUrl(apiUrl: string): string {
  const u = apiUrl.replace(/\/+$/, '');
  if (/\/audio\/transcriptions$/.test(u)) return u;
  if (/\/v1$/.test(u)) return `${u}/audio/transcriptions`;
  return `${u}/v1/audio/transcriptions`;
}

/**
 * What a recogniser printed → the words to type: control characters (colour codes, a stray CR) removed,
 * lines joined, runs of spaces made one. Timestamps such as whisper's `[00:00.000 --> 00:02.000]` go too.
 */
export function cleanTranscript(raw: string): string {
  return raw
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\[\d{2}:\d{2}(?::\d{2})?[.,]\d{3} --> \d{2}:\d{2}(?::\d{2})?[.,]\d{3}\]/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A duration for people: `4 s`, `5 min 12 s`. */
export function formatSeconds(s: number): string {
  const whole = Math.round(s);
  if (whole < 60) return `${whole} s`;
  const rest = whole % 60;
  return `${Math.floor(whole / 60)} min${rest ? ` ${rest} s` : ''}`;
}
