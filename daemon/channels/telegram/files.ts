import { GrammyError, type Api } from 'grammy';
import { CommandError } from '../../errors.js';
import { apiSignal } from './bot.js';

/** The cloud Bot API hands bots files of at most this size (getFile answers "file is too big" above it). */
export const TELEGRAM_GETFILE_LIMIT = 20 * 1024 * 1024;

export interface FileFetcherOptions {
  api: Api;
  token: string;
  /** telegram.api_root: the download URL lives there too (`<root>/file/bot<token>/<file_path>`). */
  apiRoot: string;
  /** Longest wait for one download. Default 60 000 ms. */
  timeoutMs?: number;
}

/**
 * Fetches a file a person sent: getFile for its path, then the download. Errors are CommandErrors that say
 * what happened; the URL (which holds the token) never appears in them.
 */
export class FileFetcher {
  readonly #o: FileFetcherOptions;

  constructor(o: FileFetcherOptions) {
    this.#o = o;
  }

  async fetch(fileId: string, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
    const timeout = AbortSignal.timeout(this.#o.timeoutMs ?? 60_000);
    const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let path: string | undefined;
    try {
      const file = await this.#o.api.getFile(fileId, apiSignal(s));
      if (file.file_size !== undefined && file.file_size > maxBytes) throw tooBig(file.file_size, maxBytes);
      path = file.file_path;
    } catch (err) {
      if (err instanceof CommandError) throw err;
      if (err instanceof GrammyError && /file is too big/i.test(err.description)) {
        throw new CommandError('bad_request', `Telegram refused to hand over the file: bots may fetch files of at most ${mb(TELEGRAM_GETFILE_LIMIT)} from Telegram's servers ("${err.description}"). Send a smaller file, or run a self-hosted Bot API server (telegram.api_root). Nothing was saved or typed.`);
      }
      const why = err instanceof GrammyError ? `${err.error_code}: ${err.description}` : timeout.aborted ? 'no answer in time' : 'the Bot API could not be reached';
      throw new CommandError('unavailable', `Could not get the file from Telegram (${why}). Send it again. Nothing was saved or typed.`);
    }
    if (!path) throw new CommandError('unavailable', 'Telegram gave no path for the file (it may have expired): send it again. Nothing was saved or typed.');
    const root = this.#o.apiRoot.replace(/\/+$/, '');
    const url = `${root}/file/bot${this.#o.token}/${path.split('/').map(encodeURIComponent).join('/')}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: s });
    } catch {
      throw new CommandError('unavailable', `Downloading the file from Telegram failed (${timeout.aborted ? 'no answer in time' : 'connection failed'}). Send it again. Nothing was saved or typed.`);
    }
    if (!res.ok || !res.body) {
      throw new CommandError('unavailable', `Telegram answered ${res.status} to the file download (the link may have expired): send the file again. Nothing was saved or typed.`);
    }
    return readLimited(res.body, maxBytes);
  }
}

async function readLimited(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch {
      throw new CommandError('unavailable', 'The file download from Telegram broke off: send it again. Nothing was saved or typed.');
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new CommandError('bad_request', `That file is larger than ${mb(maxBytes)}, the most csm takes (telegram.max_upload_mb). Nothing was saved or typed.`);
    }
    chunks.push(step.value);
  }
  return Buffer.concat(chunks);
}

function tooBig(size: number, maxBytes: number): CommandError {
  return new CommandError('bad_request', `That file is ${mb(size)}; csm takes files up to ${mb(maxBytes)} (telegram.max_upload_mb). Nothing was saved or typed.`);
}

/** Bytes for people: `20 MB`, `1.5 MB`. */
export function mb(bytes: number): string {
  const v = bytes / (1024 * 1024);
  return `${v >= 10 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)} MB`;
}
