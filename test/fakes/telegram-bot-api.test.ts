import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi } from './telegram-bot-api.js';

/** The fake must behave like the real Bot API where our code depends on it; these pin that down. */
let fake: FakeTelegramBotApi;
let base: string;

const call = async (method: string, body?: unknown, init: { token?: string; raw?: RequestInit } = {}): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(`${fake.url}/bot${init.token ?? fake.token}/${method}`, init.raw ?? {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

beforeEach(async () => {
  fake = await FakeTelegramBotApi.start();
  base = `${fake.url}/bot${fake.token}`;
});
afterEach(async () => fake.close());

describe('fake Telegram Bot API', () => {
  it('answers getMe, rejects a wrong token with 401', async () => {
    expect((await call('getMe')).json).toMatchObject({ ok: true, result: { is_bot: true, username: 'csm_test_bot' } });
    expect(await call('getMe', {}, { token: '1:wrong' })).toEqual({ status: 401, json: { ok: false, error_code: 401, description: 'Unauthorized' } });
  });

  it('sends, parses HTML like Telegram, and refuses malformed HTML and over-long text', async () => {
    const chat_id = fake.owner.id;
    const sent = await call('sendMessage', { chat_id, text: '<b>a &lt;b&gt; &amp; c</b>', parse_mode: 'HTML' });
    expect(sent.status).toBe(200);
    expect(fake.botMessages()[0]!.text).toBe('a <b> & c');
    for (const text of ['<b>open', 'a < b', 'x & y', '<foo>x</foo>', '<b><i>x</b></i>']) {
      const r = await call('sendMessage', { chat_id, text, parse_mode: 'HTML' });
      expect(r.status, text).toBe(400);
      expect(String(r.json['description'])).toMatch(/can't parse entities/);
    }
    // 4096 counts what the user sees: entities count as one character each.
    expect((await call('sendMessage', { chat_id, text: '&amp;'.repeat(4096), parse_mode: 'HTML' })).status).toBe(200);
    expect((await call('sendMessage', { chat_id, text: 'x'.repeat(4097) })).json['description']).toBe('Bad Request: message text is too long');
    expect((await call('sendMessage', { chat_id: 999, text: 'hi' })).json['description']).toBe('Bad Request: chat not found');
  });

  it('accepts query-string and urlencoded bodies, checks callback_data size', async () => {
    expect((await call('sendMessage', undefined, { raw: { method: 'GET' } })).status).toBe(400);
    const q = await fetch(`${base}/sendMessage?chat_id=${fake.owner.id}&text=hello`);
    expect(q.status).toBe(200);
    const form = await fetch(`${base}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ chat_id: String(fake.owner.id), text: 'form' }) });
    expect(form.status).toBe(200);
    expect(fake.botMessages().map((m) => m.text)).toEqual(['hello', 'form']);
    const big = await call('sendMessage', { chat_id: fake.owner.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'b', callback_data: 'y'.repeat(65) }]] } });
    expect(big.json).toMatchObject({ ok: false, error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
  });

  it('edits: "message is not modified" when nothing changes; buttons dropped when reply_markup is left out', async () => {
    const chat_id = fake.owner.id;
    const kb = { inline_keyboard: [[{ text: 'Allow', callback_data: 'a' }]] };
    const sent = await call('sendMessage', { chat_id, text: 'q', reply_markup: kb });
    const message_id = (sent.json['result'] as { message_id: number }).message_id;
    expect((await call('editMessageText', { chat_id, message_id, text: 'q', reply_markup: kb })).json['description']).toMatch(/message is not modified/);
    expect((await call('editMessageText', { chat_id, message_id, text: 'q — allowed' })).status).toBe(200);
    const m = fake.botMessages()[0]!;
    expect(m.text).toBe('q — allowed');
    expect(m.reply_markup).toBeUndefined();
    expect(m.edits).toHaveLength(1);
    expect(m.edits[0]!.reply_markup).toEqual(kb);
  });

  it('sends documents as multipart/form-data', async () => {
    const form = new FormData();
    form.set('chat_id', String(fake.owner.id));
    form.set('caption', '<b>long</b>');
    form.set('parse_mode', 'HTML');
    form.set('document', new Blob(['line 1\nline 2']), 'out.txt');
    const res = await fetch(`${base}/sendDocument`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(fake.botMessages()[0]!.document).toEqual({ file_name: 'out.txt', content: 'line 1\nline 2', caption: 'long' });
  });

  it('long-polls getUpdates, drops confirmed updates, and answers an earlier poller with 409', async () => {
    const first = call('getUpdates', { timeout: 5 });
    const second = call('getUpdates', { timeout: 5 });
    const r1 = await first;
    expect(r1.status).toBe(409);
    expect(r1.json['description']).toMatch(/^Conflict: terminated by other getUpdates request/);
    fake.userSends({ text: 'hello' });
    const r2 = await second;
    const updates = r2.json['result'] as { update_id: number; message: { text: string } }[];
    expect(updates.map((u) => u.message.text)).toEqual(['hello']);
    // Not confirmed yet: delivered again; confirmed by a higher offset: gone.
    expect(((await call('getUpdates', { timeout: 0 })).json['result'] as unknown[]).length).toBe(1);
    expect((await call('getUpdates', { offset: updates[0]!.update_id + 1, timeout: 0 })).json['result']).toEqual([]);
  });

  it('filters by allowed_updates and delivers taps with the message', async () => {
    const sent = await call('sendMessage', { chat_id: fake.owner.id, text: 'q', reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'x:1' }]] } });
    const id = fake.userTaps((sent.json['result'] as { message_id: number }).message_id, 'x:1');
    const r = await call('getUpdates', { timeout: 0, allowed_updates: ['callback_query'] });
    expect(r.json['result']).toMatchObject([{ callback_query: { id, data: 'x:1', message: { text: 'q' } } }]);
    expect((await call('answerCallbackQuery', { callback_query_id: id, text: 'done' })).status).toBe(200);
    expect(fake.callbackAnswers.get(id)).toEqual({ text: 'done' });
    expect((await call('answerCallbackQuery', { callback_query_id: id })).status).toBe(400);
  });

  it('injects faults and enforces a per-chat rate limit', async () => {
    fake.failNext('sendMessage', 1, { kind: '429', retryAfter: 3 });
    fake.failNext('sendMessage', 1, { kind: '500' });
    expect((await call('sendMessage', { chat_id: fake.owner.id, text: 'a' })).json).toEqual({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } });
    expect((await call('sendMessage', { chat_id: fake.owner.id, text: 'a' })).status).toBe(500);
    expect(fake.botMessages()).toHaveLength(0);
    fake.rateLimit({ perSecond: 1, burst: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('sendMessage', { chat_id: fake.owner.id, text: `m${i}` })).status);
    expect(statuses).toEqual([200, 200, 429]);
    fake.failNext('getMe', 1, { kind: 'hang' });
    const hung = await fetch(`${base}/getMe`, { signal: AbortSignal.timeout(200) }).then(() => 'answered', (e: Error) => e.name);
    expect(hung).toBe('TimeoutError');
    expect(fake.calls.filter((c) => c.fault).map((c) => c.fault)).toEqual(['429', '500', 'hang']);
  });

  it('forum topics only where the chat is a forum; reactions from the allowed set', async () => {
    expect((await call('createForumTopic', { chat_id: fake.owner.id, name: 't' })).json['description']).toBe('Bad Request: the chat is not a forum');
    fake.configureChat({ id: -100, type: 'supergroup', is_forum: true });
    const topic = await call('createForumTopic', { chat_id: -100, name: 'a1b2 · app' });
    const thread = (topic.json['result'] as { message_thread_id: number }).message_thread_id;
    expect((await call('sendMessage', { chat_id: -100, text: 'in topic', message_thread_id: thread })).status).toBe(200);
    expect((await call('sendMessage', { chat_id: -100, text: 'x', message_thread_id: 999 })).json['description']).toBe('Bad Request: message thread not found');
    const mine = fake.userSends({ text: 'hi' });
    expect((await call('setMessageReaction', { chat_id: fake.owner.id, message_id: mine.message_id, reaction: [{ type: 'emoji', emoji: '👍' }] })).status).toBe(200);
    expect((await call('setMessageReaction', { chat_id: fake.owner.id, message_id: mine.message_id, reaction: [{ type: 'emoji', emoji: '🦄' }] })).json['description']).toBe('Bad Request: REACTION_INVALID');
    expect(fake.chatMessages()[0]!.reactions).toEqual(['👍']);
  });
});
