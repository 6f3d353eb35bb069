import { getBoolean, getNumber, getObject, getString, type RequestParams } from './telegram-bot-api-body.js';
import { parseTelegramHtml } from './telegram-bot-api-html.js';
import { bad, ok, type ApiResult, type FakeChat, type FakeMessage, type FakeUser, type InlineMarkup } from './telegram-bot-api-types.js';

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const CALLBACK_DATA_LIMIT = 64;
/** The emoji a bot may react with (a subset of Telegram's list, enough for tests). */
const REACTIONS = new Set(['👍', '👎', '❤', '🔥', '🎉', '👀', '🙏', '👌', '✍']);

/** The chats and their messages: the message methods of the fake Bot API, with the real API's checks. */
export class FakeChats {
  readonly chats = new Map<number, FakeChat>();
  readonly messages = new Map<number, FakeMessage[]>();
  readonly #nextId = new Map<number, number>();
  readonly #bot: FakeUser;
  readonly #onChange: () => void;

  constructor(bot: FakeUser, onChange: () => void) {
    this.#bot = bot;
    this.#onChange = onChange;
  }

  configure(chat: FakeChat): void {
    this.chats.set(chat.id, { ...this.chats.get(chat.id), ...chat });
    if (!this.messages.has(chat.id)) this.messages.set(chat.id, []);
  }

  find(chatId: number, messageId: number): FakeMessage | undefined {
    return this.messages.get(chatId)?.find((m) => m.message_id === messageId);
  }

  add(chatId: number, m: Omit<FakeMessage, 'message_id' | 'chat_id' | 'date' | 'edits' | 'reactions' | 'deleted'>): FakeMessage {
    const id = this.#nextId.get(chatId) ?? 1;
    this.#nextId.set(chatId, id + 1);
    const message: FakeMessage = { message_id: id, chat_id: chatId, date: Math.floor(Date.now() / 1000), edits: [], reactions: [], deleted: false, ...m };
    this.messages.get(chatId)!.push(message);
    this.#onChange();
    return message;
  }

  /** The Message object the real API returns and puts into updates. */
  toApi(m: FakeMessage, withReply = true): Record<string, unknown> {
    const chat = this.chats.get(m.chat_id)!;
    const out: Record<string, unknown> = {
      message_id: m.message_id,
      date: m.date,
      chat: { id: chat.id, type: chat.type, ...(chat.title ? { title: chat.title } : {}), ...(chat.is_forum ? { is_forum: true } : {}) },
      from: m.from,
    };
    if (m.text !== undefined && m.kind === 'text') out['text'] = m.text;
    if (m.reply_markup) out['reply_markup'] = m.reply_markup;
    if (m.thread_id !== undefined) Object.assign(out, { message_thread_id: m.thread_id, is_topic_message: true });
    Object.assign(out, mediaOf(m));
    // A photo the bot sent (sendPhoto): its caption is the message's text.
    if (m.kind === 'photo' && m.photo) Object.assign(out, { photo: [{ file_id: `ph${m.message_id}`, file_unique_id: `p${m.message_id}`, width: m.photo.width, height: m.photo.height, file_size: m.photo.bytes }], ...(m.text !== undefined ? { caption: m.text } : {}) });
    if (m.kind === 'topic_created') out['forum_topic_created'] = { name: m.topic_name, icon_color: 7322096 };
    if (withReply && m.reply_to !== undefined) {
      const target = this.find(m.chat_id, m.reply_to);
      if (target) out['reply_to_message'] = this.toApi(target, false);
    }
    return out;
  }

  /** getChat: what the bot may know of a chat; a private chat whose person never started the bot is not found. */
  getChat(p: RequestParams): ApiResult {
    const chat = this.#chat(p);
    if ('status' in chat) return chat;
    return ok({ id: chat.id, type: chat.type, ...(chat.title ? { title: chat.title } : {}), ...(chat.is_forum ? { is_forum: true } : {}) });
  }

  #chat(p: RequestParams): FakeChat | ApiResult {
    const id = getNumber(p.fields['chat_id']);
    const chat = id === undefined ? undefined : this.chats.get(id);
    return chat ?? bad('chat not found');
  }

  #text(raw: string | undefined, parseMode: string | undefined, limit: number, what: string): { text: string; html?: string } | ApiResult {
    if (raw === undefined || raw.trim() === '') return bad(`${what} is empty`);
    let text = raw;
    if (parseMode?.toLowerCase() === 'html') {
      const parsed = parseTelegramHtml(raw);
      if (!parsed.ok) return { status: 400, description: parsed.error };
      text = parsed.text;
    }
    if (text.trim() === '') return bad(`${what} is empty`);
    if (text.length > limit) return bad(`${what} is too long`);
    return { text, ...(parseMode?.toLowerCase() === 'html' ? { html: raw } : {}) };
  }

  #markup(p: RequestParams): InlineMarkup | undefined | ApiResult {
    const markup = getObject<InlineMarkup>(p.fields['reply_markup']);
    if (!markup) return undefined;
    if (!Array.isArray(markup.inline_keyboard)) return bad("can't parse reply keyboard markup JSON object");
    for (const row of markup.inline_keyboard) {
      for (const b of row) {
        if (!b.text) return bad('BUTTON_TEXT_EMPTY');
        if (b.callback_data !== undefined) {
          const n = Buffer.byteLength(b.callback_data);
          if (n < 1 || n > CALLBACK_DATA_LIMIT) return bad('BUTTON_DATA_INVALID');
        }
      }
    }
    return markup;
  }

  /** reply_parameters / reply_to_message_id and message_thread_id, checked against the chat. */
  #placement(chat: FakeChat, p: RequestParams): { reply_to?: number; thread_id?: number } | ApiResult {
    const params = getObject<{ message_id?: number; allow_sending_without_reply?: boolean }>(p.fields['reply_parameters']);
    const replyId = params?.message_id ?? getNumber(p.fields['reply_to_message_id']);
    const allowWithout = params?.allow_sending_without_reply ?? getBoolean(p.fields['allow_sending_without_reply']);
    const threadId = getNumber(p.fields['message_thread_id']);
    const out: { reply_to?: number; thread_id?: number } = {};
    if (threadId !== undefined) {
      const topic = this.find(chat.id, threadId);
      if (!chat.is_forum || !topic || topic.kind !== 'topic_created') return bad('message thread not found');
      out.thread_id = threadId;
    }
    if (replyId !== undefined) {
      const target = this.find(chat.id, replyId);
      if (target && !target.deleted) out.reply_to = replyId;
      else if (!allowWithout) return bad('message to be replied not found');
    }
    return out;
  }

  sendMessage(p: RequestParams): ApiResult {
    const chat = this.#chat(p);
    if ('status' in chat) return chat;
    const parseMode = getString(p.fields['parse_mode']);
    const text = this.#text(getString(p.fields['text']), parseMode, TEXT_LIMIT, 'message text');
    if ('status' in text) return text;
    const markup = this.#markup(p);
    if (markup && 'status' in markup) return markup;
    const place = this.#placement(chat, p);
    if ('status' in place) return place;
    const m = this.add(chat.id, { from: this.#bot, from_bot: true, kind: 'text', ...text, ...(parseMode ? { parse_mode: parseMode } : {}), ...(markup ? { reply_markup: markup } : {}), ...place });
    return ok(this.toApi(m));
  }

  sendDocument(p: RequestParams): ApiResult {
    const chat = this.#chat(p);
    if ('status' in chat) return chat;
    const ref = getString(p.fields['document']);
    const file = ref?.startsWith('attach://') ? p.files[ref.slice('attach://'.length)] : p.files['document'];
    if (!file) return bad('there is no document in the request');
    if (file.content.length === 0) return bad('file must be non-empty');
    const rawCaption = getString(p.fields['caption']);
    const parseMode = getString(p.fields['parse_mode']);
    let caption: string | undefined;
    if (rawCaption !== undefined && rawCaption !== '') {
      const parsed = this.#text(rawCaption, parseMode, CAPTION_LIMIT, 'message caption');
      if ('status' in parsed) return parsed;
      caption = parsed.text;
    }
    const markup = this.#markup(p);
    if (markup && 'status' in markup) return markup;
    const place = this.#placement(chat, p);
    if ('status' in place) return place;
    const m = this.add(chat.id, {
      from: this.#bot, from_bot: true, kind: 'document', ...(caption !== undefined ? { text: caption } : {}),
      document: { file_name: file.filename, content: file.content.toString('utf8'), ...(caption !== undefined ? { caption } : {}) },
      ...(markup ? { reply_markup: markup } : {}), ...place,
    });
    return ok(this.toApi(m));
  }

  /** A bot message carrying a checked file (sendPhoto: telegram-bot-api-photo.ts), with caption, buttons and placement checked as here. */
  sendMedia(p: RequestParams, media: Pick<FakeMessage, 'kind' | 'photo'>): ApiResult {
    const chat = this.#chat(p);
    if ('status' in chat) return chat;
    const rawCaption = getString(p.fields['caption']);
    let caption: { text: string; html?: string } | undefined;
    if (rawCaption !== undefined && rawCaption !== '') {
      const parsed = this.#text(rawCaption, getString(p.fields['parse_mode']), CAPTION_LIMIT, 'message caption');
      if ('status' in parsed) return parsed;
      caption = parsed;
    }
    const markup = this.#markup(p);
    if (markup && 'status' in markup) return markup;
    const place = this.#placement(chat, p);
    if ('status' in place) return place;
    const m = this.add(chat.id, { from: this.#bot, from_bot: true, ...media, ...(caption ?? {}), ...(markup ? { reply_markup: markup } : {}), ...place });
    return ok(this.toApi(m));
  }

  #ownMessage(p: RequestParams, verb: string): FakeMessage | ApiResult {
    const chat = this.#chat(p);
    if ('status' in chat) return chat;
    const m = this.find(chat.id, getNumber(p.fields['message_id']) ?? -1);
    if (!m || m.deleted) return bad(`message to ${verb} not found`);
    if (!m.from_bot) return bad(`message can't be ${verb === 'edit' ? 'edited' : verb + 'd'}`);
    return m;
  }

  editMessageText(p: RequestParams): ApiResult {
    const m = this.#ownMessage(p, 'edit');
    if ('status' in m) return m;
    if (m.kind !== 'text') return bad('there is no text in the message to edit');
    const parseMode = getString(p.fields['parse_mode']);
    const text = this.#text(getString(p.fields['text']), parseMode, TEXT_LIMIT, 'message text');
    // An edit past the limit is refused in Telegram's other wording.
    if ('status' in text) return 'description' in text && text.description.endsWith('is too long') ? bad('MESSAGE_TOO_LONG') : text;
    const markup = this.#markup(p);
    if (markup && 'status' in markup) return markup;
    return this.#applyEdit(m, text, markup);
  }

  editMessageReplyMarkup(p: RequestParams): ApiResult {
    const m = this.#ownMessage(p, 'edit');
    if ('status' in m) return m;
    const markup = this.#markup(p);
    if (markup && 'status' in markup) return markup;
    return this.#applyEdit(m, { text: m.text!, ...(m.html !== undefined ? { html: m.html } : {}) }, markup);
  }

  #applyEdit(m: FakeMessage, text: { text: string; html?: string }, markup: InlineMarkup | undefined): ApiResult {
    const sameText = text.text === m.text && text.html === m.html;
    const sameMarkup = JSON.stringify(markup?.inline_keyboard ?? []) === JSON.stringify(m.reply_markup?.inline_keyboard ?? []);
    if (sameText && sameMarkup) {
      return bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    m.edits.push({ ...(m.text !== undefined ? { text: m.text } : {}), ...(m.html !== undefined ? { html: m.html } : {}), ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}), at: Date.now() });
    m.text = text.text;
    if (text.html !== undefined) m.html = text.html;
    else delete m.html;
    if (markup && markup.inline_keyboard.length > 0) m.reply_markup = markup;
    else delete m.reply_markup;
    this.#onChange();
    return ok(this.toApi(m));
  }

  deleteMessage(p: RequestParams): ApiResult {
    const m = this.#ownMessage(p, 'delete');
    if ('status' in m) return m;
    m.deleted = true;
    this.#onChange();
    return ok(true);
  }

  setMessageReaction(p: RequestParams): ApiResult {
    const chat = this.#chat(p);
    if ('status' in chat) return chat;
    const m = this.find(chat.id, getNumber(p.fields['message_id']) ?? -1);
    if (!m || m.deleted) return bad('message to react not found');
    const reaction = getObject<{ type: string; emoji?: string }[]>(p.fields['reaction']) ?? [];
    if (chat.reactions === false && reaction.length > 0) return bad('REACTION_INVALID');
    for (const r of reaction) if (r.type !== 'emoji' || !r.emoji || !REACTIONS.has(r.emoji)) return bad('REACTION_INVALID');
    m.reactions = reaction.map((r) => r.emoji!);
    this.#onChange();
    return ok(true);
  }

  createForumTopic(p: RequestParams): ApiResult {
    const chat = this.#chat(p);
    if ('status' in chat) return chat;
    if (!chat.is_forum) return bad('the chat is not a forum');
    const name = getString(p.fields['name']);
    if (!name || name.length > 128) return bad('TOPIC_TITLE_EMPTY');
    // As in Telegram, the topic's id is the id of the service message that opened it.
    const m = this.add(chat.id, { from: this.#bot, from_bot: true, kind: 'topic_created', topic_name: name });
    m.thread_id = m.message_id;
    return ok({ message_thread_id: m.message_id, name, icon_color: 7322096 });
  }
}

/** The media fields of a Message: the stored file a person sent (or, for the bot's documents, made-up ids). */
function mediaOf(m: FakeMessage): Record<string, unknown> {
  const f = m.file;
  const ids = f ? { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size } : { file_id: `doc${m.message_id}`, file_unique_id: `u${m.message_id}` };
  const mime = f?.mime_type ? { mime_type: f.mime_type } : {};
  const caption = m.caption ?? m.document?.caption;
  const withCaption = (o: Record<string, unknown>): Record<string, unknown> => (caption !== undefined ? { ...o, caption } : o);
  if (m.kind === 'document' && m.document) return withCaption({ document: { ...ids, file_name: m.document.file_name, ...mime } });
  if (m.kind === 'photo' && f) {
    const sizes = [...(f.thumb ? [f.thumb] : []), { ...ids, width: f.width ?? 90, height: f.height ?? 90 }];
    return withCaption({ photo: sizes });
  }
  if (m.kind === 'voice' && f) return withCaption({ voice: { ...ids, duration: f.duration ?? 1, mime_type: f.mime_type ?? 'audio/ogg' } });
  if (m.kind === 'audio' && f) return withCaption({ audio: { ...ids, duration: f.duration ?? 1, ...mime, ...(m.document ? { file_name: m.document.file_name } : {}) } });
  return {};
}
