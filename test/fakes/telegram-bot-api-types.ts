/** Shapes the fake Bot API keeps and shows to tests. Close to the real objects, trimmed to what we use. */

export interface FakeUser {
  id: number;
  is_bot?: boolean;
  first_name: string;
  username?: string;
}

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  title?: string;
  /** Supergroups with topics enabled: createForumTopic works only there. */
  is_forum?: boolean;
  /** false = setMessageReaction fails with REACTION_INVALID (reactions turned off in the chat). */
  reactions?: boolean;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

export interface InlineMarkup {
  inline_keyboard: InlineButton[][];
}

export interface FakeMessage {
  message_id: number;
  chat_id: number;
  from: FakeUser;
  from_bot: boolean;
  date: number;
  kind: 'text' | 'document' | 'photo' | 'voice' | 'audio' | 'topic_created';
  /** What the user sees: tags removed, entities decoded. */
  text?: string;
  /** The text exactly as sent, when parse_mode was HTML. */
  html?: string;
  parse_mode?: string;
  reply_markup?: InlineMarkup;
  reply_to?: number;
  thread_id?: number;
  /** Earlier versions, oldest first: each edit pushes the state it replaced. */
  edits: { text?: string; html?: string; reply_markup?: InlineMarkup; at: number }[];
  document?: { file_name: string; content: string; caption?: string };
  /** The stored file a person's photo, voice note, audio or document points to (telegram-bot-api-files.ts). */
  file?: FakeFileRef;
  /** A person's caption on a photo, voice note, audio or document. */
  caption?: string;
  /** A photo the bot sent: its size and the file itself (base64). The caption is in `text`. */
  photo?: { width: number; height: number; bytes: number; content: string };
  topic_name?: string;
  reactions: string[];
  deleted: boolean;
}

export interface FakeFileRef {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  mime_type?: string;
  duration?: number;
  width?: number;
  height?: number;
  /** A smaller size of a photo, sent before the full one as Telegram does. */
  thumb?: { file_id: string; file_unique_id: string; file_size: number; width: number; height: number };
}

/** `slow`: the call takes effect at once (the message is in the chat) but the answer comes `ms` later. */
export type Fault = { kind: '429'; retryAfter?: number } | { kind: '500' } | { kind: 'hang' } | { kind: 'slow'; ms: number };

export interface CallRecord {
  method: string;
  params: Record<string, unknown>;
  status: number;
  fault?: Fault['kind'];
  description?: string;
  at: number;
  /** Wall-clock ms (sub-ms precision) the request's first bytes arrived: for latency figures. */
  arrivedAt: number;
}

export type ApiResult = { status: 200; result: unknown } | { status: number; description: string; retryAfter?: number };

export const ok = (result: unknown): ApiResult => ({ status: 200, result });
export const bad = (description: string): ApiResult => ({ status: 400, description: `Bad Request: ${description}` });
