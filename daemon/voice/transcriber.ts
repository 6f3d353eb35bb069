import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { VoiceConfig } from '../config/schema.js';
import { cleanTranscript, commandLine, needsWav, transcriptionsUrl } from './template.js';

/** Audio as it came: the bytes and the extension of its kind (`oga` for a Telegram voice note). */
export interface Audio {
  bytes: Uint8Array;
  ext: string;
  mime?: string;
}

/** Speech → text. Throws TranscribeError, whose message says what failed, for a person to read. */
export interface Transcriber {
  /** What it is, for messages and `csm doctor` ("whisper-cli", "http://127.0.0.1:8080/v1/audio/transcriptions"). */
  readonly describe: string;
  transcribe(audio: Audio, signal?: AbortSignal): Promise<string>;
}

export class TranscribeError extends Error {
  override readonly name = 'TranscribeError';
}

/** Where the owner learns to set a transcriber up: shown when a voice note arrives and none is configured. */
export const VOICE_SETUP_HELP =
  'No transcriber is configured, so voice messages cannot be turned into text. Add to the config either\n' +
  'voice:\n  command: "whisper-cli -m ~/models/ggml-base.en.bin -f {wav} -nt"\n' +
  'or\nvoice:\n  api_url: "https://api.openai.com/v1"\n  api_key: "sk-..."\n' +
  'and restart the daemon (see config.example.yaml); `csm doctor` checks it.';

export interface TranscriberDeps {
  /** For a leading `~/` in voice.command. */
  home: string;
}

/** The configured transcriber, or null when voice.command and voice.api_url are both unset. */
export function createTranscriber(cfg: VoiceConfig, deps: TranscriberDeps): Transcriber | null {
  if (cfg.command !== undefined) return new CommandTranscriber(cfg, cfg.command, deps.home);
  if (cfg.api_url !== undefined) return new ApiTranscriber(cfg, cfg.api_url);
  return null;
}

/** Any program that prints the words: the audio goes in as `{file}` or as a 16 kHz mono `{wav}`. */
class CommandTranscriber implements Transcriber {
  readonly describe: string;
  readonly #cfg: VoiceConfig;
  readonly #command: string | string[];
  readonly #home: string;

  constructor(cfg: VoiceConfig, command: string | string[], home: string) {
    this.#cfg = cfg;
    this.#command = command;
    this.#home = home;
    this.describe = commandLine(command, { file: '{file}' }, home).file;
  }

  async transcribe(audio: Audio, signal?: AbortSignal): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'csm-voice-'));
    const deadline = Date.now() + this.#cfg.timeout_seconds * 1000;
    try {
      const file = join(dir, `audio.${audio.ext.replace(/[^A-Za-z0-9]/g, '') || 'bin'}`);
      await writeFile(file, audio.bytes);
      const wav = needsWav(this.#command) ? join(dir, 'audio.wav') : undefined;
      if (wav) await this.#toWav(file, wav, deadline, signal);
      const { file: program, args } = commandLine(this.#command, { file, ...(wav ? { wav } : {}) }, this.#home);
      const r = await run(program, args, deadline, this.#cfg.timeout_seconds, signal, dir);
      if (r.failed) throw r.canceled ? cancelled() : new TranscribeError(`The transcriber (${program}) ${r.why}. Nothing was typed.`);
      return cleanTranscript(r.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async #toWav(file: string, wav: string, deadline: number, signal?: AbortSignal): Promise<void> {
    const args = ['-nostdin', '-loglevel', 'error', '-y', '-i', file, '-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', wav];
    const r = await run(this.#cfg.ffmpeg, args, deadline, this.#cfg.timeout_seconds, signal);
    if (r.failed && r.canceled) throw cancelled();
    if (r.failed) throw new TranscribeError(`Converting the audio to WAV with ffmpeg (${this.#cfg.ffmpeg}) failed: it ${r.why}. Install ffmpeg or set voice.ffmpeg. Nothing was typed.`);
  }
}

/** An OpenAI-compatible `/v1/audio/transcriptions` server (a local whisper server or a hosted one). */
class ApiTranscriber implements Transcriber {
  readonly describe: string;
  readonly #cfg: VoiceConfig;

  constructor(cfg: VoiceConfig, apiUrl: string) {
    this.#cfg = cfg;
    this.describe = transcriptionsUrl(apiUrl);
  }

  async transcribe(audio: Audio, signal?: AbortSignal): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([audio.bytes], { type: audio.mime ?? 'application/octet-stream' }), `audio.${audio.ext}`);
    form.append('model', this.#cfg.model);
    form.append('response_format', 'json');
    if (this.#cfg.language) form.append('language', this.#cfg.language);
    const timeout = AbortSignal.timeout(this.#cfg.timeout_seconds * 1000);
    let res: Response;
    try {
      res = await fetch(this.describe, {
        method: 'POST',
        body: form,
        headers: this.#cfg.api_key ? { authorization: `Bearer ${this.#cfg.api_key}` } : {},
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      if (timeout.aborted) throw new TranscribeError(`The transcription server at ${this.describe} did not answer within ${this.#cfg.timeout_seconds} s (voice.timeout_seconds). Nothing was typed.`);
      throw new TranscribeError(`The transcription server at ${this.describe} could not be reached (${causeOf(err)}). Nothing was typed.`);
    }
    const body = await res.text().catch(() => '');
    if (!res.ok) {
      const detail = errorMessage(body) ?? body.slice(0, 200);
      const hint = res.status === 401 || res.status === 403 ? ' Check voice.api_key.' : '';
      throw new TranscribeError(`The transcription server answered ${res.status}${detail ? `: ${detail}` : ''}.${hint} Nothing was typed.`);
    }
    const text = textOf(body);
    if (text === null) throw new TranscribeError(`The transcription server at ${this.describe} sent no "text" in its answer. Nothing was typed.`);
    return cleanTranscript(text);
  }
}

type RunResult = { failed: false; stdout: string } | { failed: true; why: string; canceled?: true };

const cancelled = (): TranscribeError => new TranscribeError('The transcription was cancelled because the daemon is stopping: send the voice message again. Nothing was typed.');

/**
 * Runs a program without a shell until `deadline`; a hang is killed (SIGKILL 2 s after SIGTERM). Not
 * execa's `cleanup`: its exit hook re-raises a SIGTERM that the daemon's own handler (a `once`) has already
 * taken, killing the daemon before it records the update in hand. `signal` stops the program instead.
 */
async function run(file: string, args: string[], deadline: number, seconds: number, signal?: AbortSignal, cwd?: string): Promise<RunResult> {
  const timeout = Math.max(1, deadline - Date.now());
  const r = await execa(file, args, {
    reject: false, stdin: 'ignore', timeout, forceKillAfterDelay: 2000, maxBuffer: 4 * 1024 * 1024, cleanup: false,
    ...(cwd ? { cwd } : {}), ...(signal ? { cancelSignal: signal } : {}),
  });
  if (!r.failed) return { failed: false, stdout: r.stdout };
  if (r.timedOut) return { failed: true, why: `did not finish within ${seconds} s (voice.timeout_seconds) and was stopped` };
  if (r.isCanceled) return { failed: true, why: 'was cancelled', canceled: true };
  if ((r as { code?: string }).code === 'ENOENT') return { failed: true, why: `was not found: install it or give its full path` };
  const last = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).pop()?.slice(0, 200);
  return { failed: true, why: `exited with ${r.exitCode ?? r.signal ?? 'an error'}${last ? ` (${last})` : ''}` };
}

function textOf(body: string): string | null {
  try {
    const v = JSON.parse(body) as { text?: unknown };
    return typeof v.text === 'string' ? v.text : null;
  } catch {
    return null;
  }
}

function errorMessage(body: string): string | null {
  try {
    const v = JSON.parse(body) as { error?: { message?: unknown } | string };
    if (typeof v.error === 'string') return v.error;
    return typeof v.error?.message === 'string' ? v.error.message : null;
  } catch {
    return null;
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
