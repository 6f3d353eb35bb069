import { getString, type RequestParams } from './telegram-bot-api-body.js';
import type { FakeChats } from './telegram-bot-api-chats.js';
import { bad, type ApiResult } from './telegram-bot-api-types.js';

/**
 * sendPhoto with the real API's limits (core.telegram.org/bots/api#sendphoto): at most 10 MB, width +
 * height at most 10000, neither side over 20 times the other; a file that is no image is refused. The
 * answers are Telegram's own texts.
 */
export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

export function sendPhoto(chats: FakeChats, p: RequestParams): ApiResult {
  const ref = getString(p.fields['photo']);
  const file = ref?.startsWith('attach://') ? p.files[ref.slice('attach://'.length)] : p.files['photo'];
  if (!file) return bad(ref ? 'wrong remote file identifier specified: Wrong string length' : 'there is no photo in the request');
  if (file.content.length === 0) return bad('file must be non-empty');
  if (file.content.length > PHOTO_MAX_BYTES) return bad('PHOTO_SAVE_FILE_INVALID');
  const size = imageSize(file.content);
  if (!size) return bad('IMAGE_PROCESS_FAILED');
  const { width, height } = size;
  if (width + height > 10_000 || width > height * 20 || height > width * 20) return bad('PHOTO_INVALID_DIMENSIONS');
  return chats.sendMedia(p, { kind: 'photo', photo: { width, height, bytes: file.content.length, content: file.content.toString('base64') } });
}

/** Width and height from a PNG's IHDR or a JPEG's SOF marker; null for anything else. */
export function imageSize(buf: Buffer): { width: number; height: number } | null {
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47 && buf.toString('latin1', 12, 16) === 'IHDR') {
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) return null;
      const marker = buf[i + 1]!;
      const len = buf.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: buf.readUInt16BE(i + 7), height: buf.readUInt16BE(i + 5) };
      }
      i += 2 + len;
    }
  }
  return null;
}
