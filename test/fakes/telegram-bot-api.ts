import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getNumber, getObject, getString, readParams, type RequestParams } from './telegram-bot-api-body.js';
import { FakeChats } from './telegram-bot-api-chats.js';
import { EditLimiter, type EditLimit } from './telegram-bot-api-edits.js';
import { FakeFiles, mediaInput, type UserSends } from './telegram-bot-api-files.js';
import { sendPhoto } from './telegram-bot-api-photo.js';
import { bad, ok, type ApiResult, type CallRecord, type FakeChat, type FakeMessage, type FakeUser, type Fault } from './telegram-bot-api-types.js';
import { mulberry32 } from '../helpers/random.js';

export type { UserSends } from './telegram-bot-api-files.js';
export type { CallRecord, FakeChat, FakeMessage, FakeUser, Fault, InlineMarkup } from './telegram-bot-api-types.js';

/**
 * A fake Telegram Bot API on loopback, for tests: `<root>/bot<token>/<method>`, JSON, urlencoded, query
 * string and multipart bodies, the real error texts, long polling with offset confirmation and 409 for a
 * second poller. Tests play the people in the chat (`userSends`, `userTaps`), read what the bot did
 * (`chatMessages`, `calls`) and break things (`failNext`, `failRate`, `rateLimit`).
 */
export interface FakeBotApiOptions {
  token?: string;
  /** The owner; their private chat (id = user id) exists from the start. */
  owner?: FakeUser;
  chats?: FakeChat[];
  /** Per-chat message rate: a bucket of `burst` messages refilled at `perSecond`. Generous by default. */
  rateLimit?: { perSecond: number; burst: number };
  firstUpdateId?: number;
}

type Update = Record<string, unknown> & { update_id: number };
interface Poll { res: ServerResponse; record: CallRecord; timer: NodeJS.Timeout | null; limit: number }

const RATE_LIMITED = new Set(['sendMessage', 'sendDocument', 'sendPhoto', 'editMessageText', 'editMessageReplyMarkup']);

export class FakeTelegramBotApi {
  readonly token: string;
  readonly owner: FakeUser;
  /** As in the real API, the bot's user id is the number before the colon of its token. */
  readonly bot: FakeUser;
  readonly calls: CallRecord[] = [];
  /** Set by setMyCommands. */
  commands: { command: string; description: string }[] = [];
  readonly callbackAnswers = new Map<string, { text?: string; show_alert?: boolean }>();
  /** The files people sent: getFile and the download path (telegram-bot-api-files.ts). */
  readonly files = new FakeFiles();
  url = '';

  readonly #chats: FakeChats;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #listeners = new Set<() => void>();
  #updates: Update[] = [];
  #nextUpdateId: number;
  #allowedUpdates: string[] | null = null;
  #poll: Poll | null = null;
  #faults = new Map<string, Fault[]>();
  #failRate = { rate: 0, kinds: ['500', '429'] as Fault['kind'][], retryAfter: 1, methods: null as string[] | null };
  #rand: () => number = () => 1;
  #rate: { perSecond: number; burst: number };
  #buckets = new Map<number, { tokens: number; at: number }>();
  readonly #edits = new EditLimiter();
  #callbackSeq = 0;
  #openCallbacks = new Set<string>();

  private constructor(o: FakeBotApiOptions) {
    this.token = o.token ?? '123456:TEST-fake-token';
    this.bot = { id: Number(this.token.split(':')[0]), is_bot: true, first_name: 'csm test bot', username: 'csm_test_bot' };
    this.owner = o.owner ?? { id: 1001, first_name: 'Owner', username: 'owner' };
    this.#rate = o.rateLimit ?? { perSecond: 1000, burst: 1000 };
    this.#nextUpdateId = o.firstUpdateId ?? 500_000;
    this.#chats = new FakeChats(this.bot, () => this.#changed());
    this.#chats.configure({ id: this.owner.id, type: 'private' });
    for (const chat of o.chats ?? []) this.#chats.configure(chat);
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(o: FakeBotApiOptions = {}): Promise<FakeTelegramBotApi> {
    const fake = new FakeTelegramBotApi(o);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- test controls -------------------------------------------------------------------------

  configureChat(chat: FakeChat): void {
    this.#chats.configure(chat);
  }

  /** A person sends a message; returns it as stored. `replyTo` is a message id in the same chat. */
  userSends(input: UserSends): FakeMessage {
    const from = input.from ?? this.owner;
    const chatId = input.chatId ?? from.id;
    if (!this.#chats.chats.has(chatId)) this.#chats.configure({ id: chatId, type: chatId > 0 ? 'private' : 'group' });
    const kind = input.photo ? 'photo' : input.voice ? 'voice' : input.audio ? 'audio' : input.document ? 'document' : 'text';
    // In a forum topic, a message that replies to nothing replies to the topic's opening service message.
    const replyTo = input.replyTo ?? input.threadId;
    const m = this.#chats.add(chatId, {
      from, from_bot: false, kind,
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...mediaInput(this.files, input),
      ...(input.caption !== undefined ? { caption: input.caption } : {}),
      ...(replyTo !== undefined ? { reply_to: replyTo } : {}),
      ...(input.threadId !== undefined ? { thread_id: input.threadId } : {}),
    });
    this.#push({ message: this.#chats.toApi(m) });
    return m;
  }

  /**
   * A person taps an inline button that the message shows (or showed: taps on stale buttons happen). Returns the
   * callback query id. `forged`: data the message never showed, as a modified client can send.
   */
  userTaps(messageId: number, callbackData: string, opts: { from?: FakeUser; chatId?: number; forged?: boolean } = {}): string {
    const from = opts.from ?? this.owner;
    const chatId = opts.chatId ?? this.owner.id;
    const m = this.#chats.find(chatId, messageId);
    if (!m) throw new Error(`userTaps: no message ${messageId} in chat ${chatId}`);
    const markups = [m.reply_markup, ...m.edits.map((e) => e.reply_markup)];
    const shown = markups.some((mk) => mk?.inline_keyboard.some((row) => row.some((b) => b.callback_data === callbackData)));
    if (!shown && !opts.forged) throw new Error(`userTaps: message ${messageId} never showed a button with data "${callbackData}"`);
    const id = `cbq${++this.#callbackSeq}`;
    this.#openCallbacks.add(id);
    this.#push({ callback_query: { id, from, chat_instance: `ci${chatId}`, data: callbackData, message: this.#chats.toApi(m) } });
    return id;
  }

  chatMessages(chatId = this.owner.id): FakeMessage[] {
    return structuredClone(this.#chats.messages.get(chatId) ?? []);
  }

  botMessages(chatId = this.owner.id): FakeMessage[] {
    return this.chatMessages(chatId).filter((m) => m.from_bot && !m.deleted && m.kind !== 'topic_created');
  }

  /** Resolves with the first bot message (any chat) matching `pred`, re-checked on every change. */
  waitForMessage(pred: (m: FakeMessage) => boolean, timeoutMs = 5000): Promise<FakeMessage> {
    return this.waitUntil(() => {
      for (const list of this.#chats.messages.values()) {
        const hit = list.find((m) => m.from_bot && pred(structuredClone(m)));
        if (hit) return structuredClone(hit);
      }
      return undefined;
    }, timeoutMs, 'a bot message matching the predicate');
  }

  waitForCallbackAnswer(id: string, timeoutMs = 5000): Promise<{ text?: string; show_alert?: boolean }> {
    return this.waitUntil(() => this.callbackAnswers.get(id), timeoutMs, `an answer to callback query ${id}`);
  }

  /** Resolves when `probe` returns something other than undefined; probes on every change of the fake's state. */
  waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const v = probe();
        if (v === undefined) return false;
        cleanup();
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        const recent = this.botMessages().slice(-8).map((m) => `#${m.message_id} ${JSON.stringify(m.text?.slice(0, 120))}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last bot messages:\n${recent.join('\n')}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = (): void => void check();
      this.#listeners.add(listener);
      check();
    });
  }

  /** The next `n` calls of `method` ('*' = any) fail with `fault`, before having any effect. */
  failNext(method: string, n: number, fault: Fault): void {
    this.#faults.set(method, [...(this.#faults.get(method) ?? []), ...Array<Fault>(n).fill(fault)]);
  }

  /** A fraction of all calls fail (before any effect), chosen by a seeded generator so runs repeat. */
  failRate(rate: number, o: { seed?: number; kinds?: Fault['kind'][]; retryAfter?: number; methods?: string[] } = {}): void {
    this.#failRate = { rate, kinds: o.kinds ?? ['500', '429'], retryAfter: o.retryAfter ?? 1, methods: o.methods ?? null };
    this.#rand = mulberry32(o.seed ?? 1);
  }

  /** Drops queued faults and the failure rate. */
  resetFaults(): void {
    this.#faults.clear();
    this.failRate(0);
  }

  rateLimit(limit: { perSecond: number; burst: number }): void {
    this.#rate = limit;
    this.#buckets.clear();
  }

  /** Paces editMessageText per chat, apart from sends (see telegram-bot-api-edits.ts). Generous by default. */
  editRateLimit(limit: EditLimit): void {
    this.#edits.set(limit);
  }

  /** How many edits the edit limit refused with 429. */
  get editsRefused(): number {
    return this.#edits.refused;
  }

  /** Updates queued and not yet confirmed by a getUpdates offset. */
  pendingUpdates(): Update[] {
    return structuredClone(this.#updates);
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  #changed(): void {
    for (const l of [...this.#listeners]) l();
  }

  #push(body: Record<string, unknown>): void {
    this.#updates.push({ update_id: this.#nextUpdateId++, ...body });
    this.#changed();
    if (this.#poll) this.#answerPoll();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Before the body is read: when the request left the client, as near as the server can tell.
    const arrivedAt = performance.timeOrigin + performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/file/')) return this.files.serve(url.pathname, this.token, req.method, res);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    let params: RequestParams;
    try {
      params = await readParams(req, url);
    } catch {
      return this.#send(res, null, { status: 400, description: 'Bad Request: invalid request body' });
    }
    if (!m) return this.#send(res, null, { status: 404, description: 'Not Found' });
    const [, token, method] = m as unknown as [string, string, string];
    const record: CallRecord = { method, params: redact(params), status: 0, at: Date.now(), arrivedAt };
    this.calls.push(record);
    if (token !== this.token) return this.#send(res, record, { status: 401, description: 'Unauthorized' });

    const fault = this.#takeFault(method);
    if (fault) {
      record.fault = fault.kind;
      if (fault.kind === 'hang') return; // held open until the client gives up or the fake closes
      if (fault.kind === 'slow') {
        const result = this.#call(method, params);
        setTimeout(() => this.#send(res, record, result), fault.ms);
        return;
      }
      if (fault.kind === '500') return this.#send(res, record, { status: 500, description: 'Internal Server Error' });
      const after = fault.retryAfter ?? 1;
      return this.#send(res, record, { status: 429, description: `Too Many Requests: retry after ${after}`, retryAfter: after });
    }
    if (method === 'getUpdates') return this.#getUpdates(params, res, record);
    const chatId = getNumber(params.fields['chat_id']);
    if (RATE_LIMITED.has(method) && chatId !== undefined) {
      const wait = this.#takeToken(chatId);
      if (wait > 0) return this.#send(res, record, { status: 429, description: `Too Many Requests: retry after ${wait}`, retryAfter: wait });
    }
    if (method === 'editMessageText' && chatId !== undefined) {
      const wait = this.#edits.take(chatId);
      if (wait > 0) return this.#send(res, record, { status: 429, description: `Too Many Requests: retry after ${wait}`, retryAfter: wait });
    }
    this.#send(res, record, this.#call(method, params));
  }

  #call(method: string, p: RequestParams): ApiResult {
    const c = this.#chats;
    switch (method) {
      case 'getMe': return ok({ ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'deleteWebhook': return ok(true);
      case 'getWebhookInfo': return ok({ url: '', has_custom_certificate: false, pending_update_count: this.#updates.length });
      case 'getChat': return c.getChat(p);
      case 'sendMessage': return c.sendMessage(p);
      case 'sendDocument': return c.sendDocument(p);
      case 'sendPhoto': return sendPhoto(c, p);
      case 'editMessageText': return c.editMessageText(p);
      case 'editMessageReplyMarkup': return c.editMessageReplyMarkup(p);
      case 'deleteMessage': return c.deleteMessage(p);
      case 'setMessageReaction': return c.setMessageReaction(p);
      case 'createForumTopic': return c.createForumTopic(p);
      case 'setMyCommands': return this.#setMyCommands(p);
      case 'answerCallbackQuery': return this.#answerCallback(p);
      case 'getFile': return this.files.getFile(p);
      default: return { status: 404, description: 'Not Found: method not found' };
    }
  }

  #setMyCommands(p: RequestParams): ApiResult {
    const commands = getObject<{ command: string; description: string }[]>(p.fields['commands']);
    if (!Array.isArray(commands)) return bad("can't parse commands JSON object");
    for (const cmd of commands) {
      if (!/^[a-z0-9_]{1,32}$/.test(cmd.command) || !cmd.description || cmd.description.length > 256) return bad('BOT_COMMAND_INVALID');
    }
    this.commands = commands;
    return ok(true);
  }

  #answerCallback(p: RequestParams): ApiResult {
    const id = getString(p.fields['callback_query_id']) ?? '';
    if (!this.#openCallbacks.delete(id)) return bad('query is too old and response timeout expired or query ID is invalid');
    const text = getString(p.fields['text']);
    this.callbackAnswers.set(id, { ...(text !== undefined ? { text } : {}), ...(p.fields['show_alert'] !== undefined ? { show_alert: p.fields['show_alert'] === true || p.fields['show_alert'] === 'true' } : {}) });
    this.#changed();
    return ok(true);
  }

  #getUpdates(p: RequestParams, res: ServerResponse, record: CallRecord): void {
    const offset = getNumber(p.fields['offset']);
    if (offset !== undefined && offset > 0) this.#updates = this.#updates.filter((u) => u.update_id >= offset);
    const allowed = getObject<string[]>(p.fields['allowed_updates']);
    if (Array.isArray(allowed)) this.#allowedUpdates = allowed.length > 0 ? allowed : null;
    if (this.#poll) {
      const earlier = this.#poll;
      this.#poll = null;
      if (earlier.timer) clearTimeout(earlier.timer);
      this.#send(earlier.res, earlier.record, { status: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
    }
    const timeout = Math.max(0, Math.min(50, getNumber(p.fields['timeout']) ?? 0));
    const limit = Math.max(1, Math.min(100, getNumber(p.fields['limit']) ?? 100));
    const poll: Poll = { res, record, timer: null, limit };
    this.#poll = poll;
    res.on('close', () => {
      if (this.#poll === poll) this.#poll = null;
      if (poll.timer) clearTimeout(poll.timer);
    });
    if (this.#deliverable().length > 0 || timeout === 0) return this.#answerPoll();
    poll.timer = setTimeout(() => this.#answerPoll(), timeout * 1000);
  }

  #deliverable(): Update[] {
    if (this.#allowedUpdates) {
      const allowed = this.#allowedUpdates;
      // Like Telegram: an update of a type the bot did not ask for is dropped, not kept for later.
      this.#updates = this.#updates.filter((u) => Object.keys(u).some((k) => k !== 'update_id' && allowed.includes(k)));
    }
    return this.#updates;
  }

  #answerPoll(): void {
    const poll = this.#poll;
    if (!poll) return;
    this.#poll = null;
    if (poll.timer) clearTimeout(poll.timer);
    this.#send(poll.res, poll.record, ok(this.#deliverable().slice(0, poll.limit)));
  }

  #takeFault(method: string): Fault | undefined {
    for (const key of [method, '*']) {
      const queue = this.#faults.get(key);
      if (queue && queue.length > 0) return queue.shift();
    }
    const f = this.#failRate;
    if (f.rate <= 0 || (f.methods && !f.methods.includes(method))) return undefined;
    if (this.#rand() >= f.rate) return undefined;
    const kind = f.kinds[Math.floor(this.#rand() * f.kinds.length)]!;
    if (kind === '429') return { kind, retryAfter: f.retryAfter };
    return kind === 'slow' ? { kind, ms: 1000 } : { kind };
  }

  /** Seconds to wait before this chat may get another message (0 = go ahead, token taken). */
  #takeToken(chatId: number): number {
    const now = Date.now();
    const b = this.#buckets.get(chatId) ?? { tokens: this.#rate.burst, at: now };
    b.tokens = Math.min(this.#rate.burst, b.tokens + ((now - b.at) / 1000) * this.#rate.perSecond);
    b.at = now;
    this.#buckets.set(chatId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#rate.perSecond));
  }

  #send(res: ServerResponse, record: CallRecord | null, r: ApiResult): void {
    if (record) {
      record.status = r.status;
      if ('description' in r) record.description = r.description;
    }
    if (res.writableEnded || res.destroyed) return;
    const body = r.status === 200 && 'result' in r
      ? { ok: true, result: r.result }
      : { ok: false, error_code: r.status, description: 'description' in r ? r.description : '', ...('retryAfter' in r && r.retryAfter !== undefined ? { parameters: { retry_after: r.retryAfter } } : {}) };
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** File bodies would bloat the call log; keep their names and sizes. */
function redact(p: RequestParams): Record<string, unknown> {
  const files = Object.fromEntries(Object.entries(p.files).map(([k, f]) => [k, { filename: f.filename, bytes: f.content.length }]));
  return Object.keys(files).length > 0 ? { ...p.fields, _files: files } : { ...p.fields };
}
