import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi } from './telegram-bot-api.js';
import { imageSize, PHOTO_MAX_BYTES } from './telegram-bot-api-photo.js';

/** The fake's sendPhoto must refuse what Telegram refuses, with Telegram's texts. */
let fake: FakeTelegramBotApi;
beforeEach(async () => {
  fake = await FakeTelegramBotApi.start();
});
afterEach(async () => fake.close());

/** A valid PNG of the given size (one grey row repeated). */
function png(width: number, height: number, pad = 0): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * Math.min(height, 4), 0x80);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('tEXt', Buffer.alloc(pad)), chunk('IEND', Buffer.alloc(0))]);
}

async function sendPhoto(file: Buffer | null, fields: Record<string, string> = {}): Promise<{ status: number; description?: string; result?: Record<string, unknown> }> {
  const form = new FormData();
  form.set('chat_id', String(fake.owner.id));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  if (file) form.set('photo', new Blob([file]), 'screen.png');
  const res = await fetch(`${fake.url}/bot${fake.token}/sendPhoto`, { method: 'POST', body: form });
  const json = (await res.json()) as { description?: string; result?: Record<string, unknown> };
  return { status: res.status, ...json };
}

describe('fake Bot API: sendPhoto', () => {
  it('takes a PNG: the chat shows a photo with its size, caption and the file', async () => {
    const r = await sendPhoto(png(800, 600), { caption: '<b>a1b2</b> screen', parse_mode: 'HTML' });
    expect(r.status).toBe(200);
    expect(r.result).toMatchObject({ caption: 'a1b2 screen', photo: [{ width: 800, height: 600 }] });
    const [m] = fake.botMessages();
    expect(m).toMatchObject({ kind: 'photo', text: 'a1b2 screen', photo: { width: 800, height: 600 } });
    expect(imageSize(Buffer.from(m!.photo!.content, 'base64'))).toEqual({ width: 800, height: 600 });
  });

  it.each([
    { name: 'no file', file: null, fields: {}, description: 'Bad Request: there is no photo in the request' },
    { name: 'an empty file', file: Buffer.alloc(0), fields: {}, description: 'Bad Request: file must be non-empty' },
    { name: 'not an image', file: Buffer.from('just some text, not a picture'), fields: {}, description: 'Bad Request: IMAGE_PROCESS_FAILED' },
    { name: 'width + height over 10000', file: png(6000, 4001), fields: {}, description: 'Bad Request: PHOTO_INVALID_DIMENSIONS' },
    { name: 'wider than 20 times its height', file: png(2100, 100), fields: {}, description: 'Bad Request: PHOTO_INVALID_DIMENSIONS' },
    { name: 'taller than 20 times its width', file: png(10, 201), fields: {}, description: 'Bad Request: PHOTO_INVALID_DIMENSIONS' },
    { name: 'over 10 MB', file: png(100, 100, PHOTO_MAX_BYTES), fields: {}, description: 'Bad Request: PHOTO_SAVE_FILE_INVALID' },
    { name: 'a caption over 1024 characters', file: png(100, 100), fields: { caption: 'x'.repeat(1025) }, description: 'Bad Request: message caption is too long' },
    { name: 'a caption with broken HTML', file: png(100, 100), fields: { caption: '<b>open', parse_mode: 'HTML' }, description: expect.stringMatching(/^Bad Request: can't parse entities/) },
  ])('refuses $name', async ({ file, fields, description }) => {
    const r = await sendPhoto(file, fields as Record<string, string>);
    expect({ status: r.status, description: r.description }).toEqual({ status: 400, description });
    expect(fake.botMessages()).toHaveLength(0);
  });

  it('20:1 exactly and width + height of exactly 10000 are accepted', async () => {
    expect((await sendPhoto(png(2000, 100))).status).toBe(200);
    expect((await sendPhoto(png(5000, 5000))).status).toBe(200);
  });
});
