import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { getString, type RequestParams } from './telegram-bot-api-body.js';
import { bad, ok, type ApiResult, type FakeFileRef, type FakeMessage, type FakeUser } from './telegram-bot-api-types.js';

/**
 * The files people send, as the real Bot API serves them to bots: `getFile` gives a `file_path` (and the
 * size), and `GET <root>/file/bot<token>/<file_path>` gives the bytes. The real limits and errors: getFile
 * refuses files over 20 MB ("file is too big"), an unknown file_id is "invalid file_id", an unknown path
 * or a wrong token is a 404.
 */
export const GETFILE_LIMIT = 20 * 1024 * 1024;

export type FileKind = 'photos' | 'voice' | 'documents' | 'music';

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
  bytes: Buffer;
}

/** An 8×8 red JPEG and half a second of OGG/Opus silence: what `photo: true` and `voice: true` send. */
export const TINY_JPEG = Buffer.from('/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgEBAQEBAUFBQUFBQYGBgYGBgYGBgYGBgYHBwcICAgHBwcGBgcHCAgICAkJCQgICAgJCQoKCgwMCwsODg4RERT/xABMAAEBAAAAAAAAAAAAAAAAAAAABgEBAQAAAAAAAAAAAAAAAAAABgcQAQAAAAAAAAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAAAAD/wAARCAAIAAgDASIAAhEAAxEA/9oADAMBAAIRAxEAPwCLAFF/f//Z', 'base64');
export const TINY_OGG = Buffer.from('T2dnUwACAAAAAAAAAAC+IchQAAAAAOHRf6YBE09wdXNIZWFkAQE4AYC7AAAAAABPZ2dTAAAAAAAAAAAAAL4hyFABAAAAxYDESQE+T3B1c1RhZ3MNAAAATGF2ZjU5LjI3LjEwMAEAAAAdAAAAZW5jb2Rlcj1MYXZjNTkuMzcuMTAwIGxpYm9wdXNPZ2dTAAT4XgAAAAAAAL4hyFACAAAAFHQEBxoPERISEhISEhISEhISEhISEhISEhISEhISEngL5ME27MWNjElGmaQmsHgHyXIn4UTqVfHwwNXd6VJgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDgeAfJecjJV8CiEiP672fzZMDg', 'base64');

export class FakeFiles {
  readonly #byId = new Map<string, StoredFile>();
  readonly #byPath = new Map<string, StoredFile>();
  /** Downloads served, by file_path: a test can check what the bot fetched. */
  readonly downloads: string[] = [];
  #seq = 0;

  /** Stores bytes as Telegram stores an upload; `ext` becomes the file_path's extension, as Telegram does. */
  add(bytes: Buffer, kind: FileKind, ext: string): StoredFile {
    const n = this.#seq++;
    // Real file ids are long opaque base64url strings; the unique id is shorter.
    const file: StoredFile = {
      file_id: `${kind[0]!.toUpperCase()}Qx${randomBytes(30).toString('base64url')}`,
      file_unique_id: `AQAD${randomBytes(8).toString('base64url')}`,
      file_size: bytes.length,
      file_path: `${kind}/file_${n}${ext ? `.${ext}` : ''}`,
      bytes,
    };
    this.#byId.set(file.file_id, file);
    this.#byPath.set(file.file_path, file);
    return file;
  }

  getFile(p: RequestParams): ApiResult {
    const id = getString(p.fields['file_id']);
    if (id === undefined || id === '') return bad('file_id not specified');
    const file = this.#byId.get(id);
    if (!file) return bad('invalid file_id');
    if (file.file_size > GETFILE_LIMIT) return bad('file is too big');
    return ok({ file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size, file_path: file.file_path });
  }

  /** `GET /file/bot<token>/<file_path>`; answers like the real server, 404 JSON for anything unknown. */
  serve(pathname: string, token: string, method: string | undefined, res: ServerResponse): void {
    const m = /^\/file\/bot([^/]+)\/(.+)$/.exec(pathname);
    const path = m ? decodeURIComponent(m[2]!) : '';
    const file = m && m[1] === token ? this.#byPath.get(path) : undefined;
    if (!file || file.file_size > GETFILE_LIMIT || (method !== 'GET' && method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    this.downloads.push(file.file_path);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) });
    res.end(method === 'HEAD' ? undefined : file.bytes);
  }
}

/** What a person sends, for `userSends`. A media flag of `true` sends a tiny built-in file of that kind. */
export interface UserSends {
  text?: string;
  from?: FakeUser;
  chatId?: number;
  replyTo?: number;
  threadId?: number;
  caption?: string;
  /** A photo (Telegram re-encodes every photo as JPEG); `thumb` adds a smaller size before it, as Telegram does. */
  photo?: boolean | { bytes: Buffer; width?: number; height?: number; thumb?: { bytes: Buffer; width: number; height: number } };
  /** A voice note: OGG/Opus, with the duration Telegram reports. */
  voice?: boolean | { bytes: Buffer; duration: number; mime_type?: string };
  /** An audio file (a song, a recording sent as a file). */
  audio?: { bytes: Buffer; duration: number; file_name?: string; mime_type?: string };
  /** A file; its name is whatever the sender's system allowed (`../../x`, unicode, very long). */
  document?: { file_name: string; content: string | Buffer; mime_type?: string };
}

/** The FakeMessage fields for the media of `input`, with the bytes stored for getFile and download. */
export function mediaInput(files: FakeFiles, input: UserSends): Pick<FakeMessage, 'file' | 'document'> {
  const ref = (f: StoredFile, extra: Partial<FakeFileRef> = {}): FakeFileRef => ({ file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, ...extra });
  if (input.photo) {
    const p = input.photo === true ? { bytes: TINY_JPEG, width: 8, height: 8 } : input.photo;
    const thumb = p.thumb ? files.add(p.thumb.bytes, 'photos', 'jpg') : null;
    const full = files.add(p.bytes, 'photos', 'jpg');
    return {
      file: ref(full, {
        width: p.width ?? 90, height: p.height ?? 90,
        ...(thumb && p.thumb ? { thumb: { file_id: thumb.file_id, file_unique_id: thumb.file_unique_id, file_size: thumb.file_size, width: p.thumb.width, height: p.thumb.height } } : {}),
      }),
    };
  }
  if (input.voice) {
    const v = input.voice === true ? { bytes: TINY_OGG, duration: 1 } : input.voice;
    return { file: ref(files.add(v.bytes, 'voice', 'oga'), { duration: v.duration, mime_type: v.mime_type ?? 'audio/ogg' }) };
  }
  if (input.audio) {
    const a = input.audio;
    const ext = /\.([A-Za-z0-9]{1,5})$/.exec(a.file_name ?? '')?.[1] ?? 'mp3';
    return {
      file: ref(files.add(a.bytes, 'music', ext), { duration: a.duration, ...(a.mime_type ? { mime_type: a.mime_type } : {}) }),
      ...(a.file_name ? { document: { file_name: a.file_name, content: '' } } : {}),
    };
  }
  if (input.document) {
    const d = input.document;
    const bytes = typeof d.content === 'string' ? Buffer.from(d.content) : d.content;
    const ext = /\.([A-Za-z0-9]{1,5})$/.exec(d.file_name)?.[1] ?? '';
    return {
      file: ref(files.add(bytes, 'documents', ext), d.mime_type ? { mime_type: d.mime_type } : {}),
      document: { file_name: d.file_name, content: typeof d.content === 'string' ? d.content : '' },
    };
  }
  return {};
}
