import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi } from './telegram-bot-api.js';

/** The edit rules of the real Bot API that live output depends on. */
let fake: FakeTelegramBotApi;

const call = async (method: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(`${fake.url}/bot${fake.token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

beforeEach(async () => {
  fake = await FakeTelegramBotApi.start();
});
afterEach(async () => fake.close());

describe('fake Telegram Bot API: editMessageText', () => {
  it('refuses the same content, a text past 4096, and a message that is not there, in Telegram\'s words', async () => {
    const chat_id = fake.owner.id;
    const sent = await call('sendMessage', { chat_id, text: 'one' });
    const message_id = (sent.json['result'] as { message_id: number }).message_id;
    expect(await call('editMessageText', { chat_id, message_id, text: 'one' })).toEqual({
      status: 400,
      json: { ok: false, error_code: 400, description: 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message' },
    });
    expect((await call('editMessageText', { chat_id, message_id, text: 'x'.repeat(4097) })).json).toEqual({ ok: false, error_code: 400, description: 'Bad Request: MESSAGE_TOO_LONG' });
    expect((await call('editMessageText', { chat_id, message_id, text: 'x'.repeat(4096) })).status).toBe(200);
    expect((await call('editMessageText', { chat_id, message_id: 9999, text: 'two' })).json).toEqual({ ok: false, error_code: 400, description: 'Bad Request: message to edit not found' });
    expect(fake.botMessages()[0]!.edits.map((e) => e.text)).toEqual(['one']);
  });

  it('paces edits per chat with 429 and retry_after, apart from sends', async () => {
    fake.editRateLimit({ perSecond: 1, burst: 2 });
    const chat_id = fake.owner.id;
    const sent = await call('sendMessage', { chat_id, text: 'v0' });
    const message_id = (sent.json['result'] as { message_id: number }).message_id;
    expect((await call('editMessageText', { chat_id, message_id, text: 'v1' })).status).toBe(200);
    expect((await call('editMessageText', { chat_id, message_id, text: 'v2' })).status).toBe(200);
    const third = await call('editMessageText', { chat_id, message_id, text: 'v3' });
    expect(third).toEqual({ status: 429, json: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } });
    expect(fake.editsRefused).toBe(1);
    // Sending is not held by the edit bucket.
    expect((await call('sendMessage', { chat_id, text: 'another' })).status).toBe(200);
    expect(fake.botMessages()[0]!.text).toBe('v2');
  });
});
