import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi } from './telegram-bot-api.js';
import { GETFILE_LIMIT, TINY_JPEG } from './telegram-bot-api-files.js';

/** Incoming files as the real Bot API serves them: getFile, then the download path, with its limits and errors. */
let fake: FakeTelegramBotApi;
beforeEach(async () => (fake = await FakeTelegramBotApi.start()));
afterEach(async () => fake.close());

const getFile = async (file_id: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(`${fake.url}/bot${fake.token}/getFile`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file_id }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
const update = (): Record<string, unknown> => fake.pendingUpdates().at(-1)!['message'] as Record<string, unknown>;

describe('fake Telegram Bot API: files people send', () => {
  it('a photo comes in several sizes; getFile gives file_path and file_size; the download gives the bytes', async () => {
    const full = Buffer.concat([TINY_JPEG, Buffer.from('full')]);
    fake.userSends({ photo: { bytes: full, width: 1280, height: 960, thumb: { bytes: TINY_JPEG, width: 90, height: 68 } }, caption: 'the error' });
    const msg = update();
    expect(msg['caption']).toBe('the error');
    const sizes = msg['photo'] as { file_id: string; width: number; file_size: number }[];
    expect(sizes.map((s) => s.width)).toEqual([90, 1280]);
    const r = await getFile(sizes[1]!.file_id);
    expect(r.status).toBe(200);
    const result = r.json['result'] as { file_path: string; file_size: number };
    expect(result.file_path).toMatch(/^photos\/file_\d+\.jpg$/);
    expect(result.file_size).toBe(full.length);
    const dl = await fetch(`${fake.url}/file/bot${fake.token}/${result.file_path}`);
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer()).equals(full)).toBe(true);
  });

  it('voice notes carry duration and mime type; documents keep the name the sender gave', async () => {
    fake.userSends({ voice: { bytes: Buffer.from('OggS…'), duration: 7 } });
    expect(update()['voice']).toMatchObject({ duration: 7, mime_type: 'audio/ogg', file_size: Buffer.byteLength('OggS…') });
    fake.userSends({ document: { file_name: '../../x', content: 'hostile', mime_type: 'text/plain' } });
    expect(update()['document']).toMatchObject({ file_name: '../../x', mime_type: 'text/plain', file_size: 7 });
  });

  it('errors like the real one: invalid file_id, file is too big over 20 MB, 404 for unknown paths and a wrong token', async () => {
    expect(await getFile('AgACAgnope')).toEqual({ status: 400, json: { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' } });
    expect((await getFile('')).json['description']).toBe('Bad Request: file_id not specified');
    fake.userSends({ document: { file_name: 'big.bin', content: Buffer.alloc(GETFILE_LIMIT + 1) } });
    const big = update()['document'] as { file_id: string; file_size: number };
    expect(big.file_size).toBe(GETFILE_LIMIT + 1);
    expect(await getFile(big.file_id)).toEqual({ status: 400, json: { ok: false, error_code: 400, description: 'Bad Request: file is too big' } });
    fake.userSends({ document: { file_name: 'ok.txt', content: 'fine' } });
    const small = (await getFile((update()['document'] as { file_id: string }).file_id)).json['result'] as { file_path: string };
    for (const url of [`/file/bot${fake.token}/documents/nope.txt`, `/file/bot1:wrong/${small.file_path}`, `/file/bot${fake.token}/`]) {
      const res = await fetch(`${fake.url}${url}`);
      expect(res.status, url).toBe(404);
      expect(await res.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    }
    expect(fake.files.downloads).toEqual([]);
  });
});
