import type { PendingRequest } from '../../events/types.js';
import { jsonIds, type PruneScope, type Store } from '../../store/store.js';

/** The channel's tables. Append-only: a shipped step is never edited (Store.migrate). */
export const TELEGRAM_MIGRATIONS = [
  `CREATE TABLE tg_threads (
     chat_id INTEGER NOT NULL, session_id TEXT NOT NULL, cwd TEXT NOT NULL,
     root_message_id INTEGER, topic_id INTEGER, created_at INTEGER NOT NULL,
     PRIMARY KEY (chat_id, session_id))`,
  `CREATE TABLE tg_messages (
     chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, session_id TEXT, key TEXT,
     PRIMARY KEY (chat_id, message_id))`,
  `CREATE INDEX tg_messages_key ON tg_messages (chat_id, key)`,
  `CREATE TABLE tg_requests (
     request_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, kind TEXT NOT NULL, options TEXT NOT NULL,
     allows_text INTEGER NOT NULL, html TEXT NOT NULL, resolved TEXT)`,
  `CREATE TABLE tg_choices (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, created_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE tg_users (user_id TEXT PRIMARY KEY, name TEXT NOT NULL)`,
  `CREATE TABLE tg_updates (bot_id INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL)`,
  `CREATE TABLE tg_inflight (bot_id INTEGER NOT NULL, update_id INTEGER NOT NULL, PRIMARY KEY (bot_id, update_id))`,
  // When a message was recorded, for the retention of messages that belong to no session (0: before this step).
  `ALTER TABLE tg_messages ADD COLUMN at INTEGER NOT NULL DEFAULT 0`,
  `CREATE TABLE tg_starters (session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, started_at INTEGER NOT NULL)`,
  // Several chats (telegram.chat_ids) each show a request: whether it is marked decided is per chat.
  `CREATE TABLE tg_request_chats (chat_id INTEGER NOT NULL, request_id TEXT NOT NULL, resolved TEXT NOT NULL, PRIMARY KEY (chat_id, request_id))`,
  `INSERT OR IGNORE INTO tg_request_chats (chat_id, request_id, resolved)
     SELECT m.chat_id, r.request_id, r.resolved FROM tg_requests r JOIN tg_messages m ON m.key = 'req:' || r.request_id WHERE r.resolved IS NOT NULL`,
];

/**
 * Retention (every chat): a forgotten session's thread, messages and requests; messages of no session after
 * the retention; "which session?" texts after the idempotency floor. A reply to a message forgotten here is
 * "a message that belongs to no session": nothing is typed. tg_users, tg_updates and tg_inflight stay small.
 */
function pruneTelegram(db: Store['db'], scope: PruneScope): number {
  const ids = jsonIds(scope.sessions);
  let n = 0;
  n += db.prepare('DELETE FROM tg_request_chats WHERE request_id IN (SELECT request_id FROM tg_requests WHERE session_id IN (SELECT value FROM json_each(?)))').run(ids).changes;
  for (const table of ['tg_threads', 'tg_requests']) n += db.prepare(`DELETE FROM ${table} WHERE session_id IN (SELECT value FROM json_each(?))`).run(ids).changes;
  n += db.prepare('DELETE FROM tg_messages WHERE session_id IN (SELECT value FROM json_each(?)) OR (session_id IS NULL AND at < ?)').run(ids, scope.before).changes;
  n += db.prepare('DELETE FROM tg_choices WHERE created_at < ?').run(scope.keysBefore).changes;
  return n;
}

export interface Thread {
  session: string;
  cwd: string;
  /** null while the root message is still queued. */
  root: number | null;
  topic: number | null;
}

export interface RequestRecord {
  request_id: string;
  session: string;
  kind: PendingRequest['kind'];
  options: PendingRequest['options'];
  allows_text: boolean;
  /** The HTML of the message that carries the buttons, to edit it later. */
  html: string;
  resolved: string | null;
}

/**
 * What the channel remembers across restarts: which message belongs to which session (so a reply to an old
 * message still routes), each session's root message and topic, the requests shown with buttons, and the
 * texts waiting for a "which session?" answer. Scoped by chat: changing chat_id starts afresh.
 */
export class Threads {
  readonly #store: Store;
  readonly #chat: number;

  constructor(store: Store, chatId: number) {
    store.migrate('telegram', TELEGRAM_MIGRATIONS);
    store.retain('telegram', pruneTelegram);
    this.#store = store;
    this.#chat = chatId;
  }

  get #db(): Store['db'] {
    return this.#store.db;
  }

  /** The chat served: message ids are only unique within a chat. */
  get chat(): number {
    return this.#chat;
  }

  thread(session: string): Thread | null {
    const row = this.#db
      .prepare('SELECT session_id, cwd, root_message_id, topic_id FROM tg_threads WHERE chat_id = ? AND session_id = ?')
      .get(this.#chat, session) as { session_id: string; cwd: string; root_message_id: number | null; topic_id: number | null } | undefined;
    return row ? { session: row.session_id, cwd: row.cwd, root: row.root_message_id, topic: row.topic_id } : null;
  }

  /** Starts a thread whose root message is queued; replaces an older thread of a reused session id. */
  openThread(session: string, cwd: string): void {
    this.#db
      .prepare(`INSERT INTO tg_threads (chat_id, session_id, cwd, root_message_id, topic_id, created_at) VALUES (?, ?, ?, NULL, NULL, ?)
                ON CONFLICT (chat_id, session_id) DO UPDATE SET cwd = excluded.cwd, root_message_id = NULL, topic_id = NULL, created_at = excluded.created_at`)
      .run(this.#chat, session, cwd, Date.now());
  }

  setRoot(session: string, messageId: number, topicId: number | null): void {
    this.#db.prepare('UPDATE tg_threads SET root_message_id = ?, topic_id = ? WHERE chat_id = ? AND session_id = ?').run(messageId, topicId, this.#chat, session);
  }

  sessionByTopic(topicId: number): string | null {
    const row = this.#db
      .prepare('SELECT session_id FROM tg_threads WHERE chat_id = ? AND topic_id = ? ORDER BY created_at DESC LIMIT 1')
      .get(this.#chat, topicId) as { session_id: string } | undefined;
    return row?.session_id ?? null;
  }

  recordMessage(messageId: number, session: string | null, key: string | null): void {
    this.#db
      .prepare(`INSERT INTO tg_messages (chat_id, message_id, session_id, key, at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (chat_id, message_id) DO UPDATE SET session_id = excluded.session_id, key = excluded.key`)
      .run(this.#chat, messageId, session, key, Date.now());
  }

  /** What we know about a message of the chat; null = not one of ours (or from before the channel existed). */
  lookup(messageId: number): { session: string | null; key: string | null } | null {
    const row = this.#db
      .prepare('SELECT session_id, key FROM tg_messages WHERE chat_id = ? AND message_id = ?')
      .get(this.#chat, messageId) as { session_id: string | null; key: string | null } | undefined;
    return row ? { session: row.session_id, key: row.key } : null;
  }

  messageByKey(key: string): number | null {
    const row = this.#db
      .prepare('SELECT message_id FROM tg_messages WHERE chat_id = ? AND key = ? ORDER BY message_id DESC LIMIT 1')
      .get(this.#chat, key) as { message_id: number } | undefined;
    return row?.message_id ?? null;
  }

  saveRequest(session: string, r: PendingRequest, html: string): void {
    this.#db
      .prepare(`INSERT INTO tg_requests (request_id, session_id, kind, options, allows_text, html, resolved) VALUES (?, ?, ?, ?, ?, ?, NULL)
                ON CONFLICT (request_id) DO UPDATE SET html = excluded.html`)
      .run(r.request_id, session, r.kind, JSON.stringify(r.options), r.allows_text ? 1 : 0, html);
  }

  request(requestId: string): RequestRecord | null {
    const row = this.#db
      .prepare(`SELECT r.request_id, r.session_id, r.kind, r.options, r.allows_text, r.html, c.resolved FROM tg_requests r
                LEFT JOIN tg_request_chats c ON c.request_id = r.request_id AND c.chat_id = ? WHERE r.request_id = ?`)
      .get(this.#chat, requestId) as
      | { request_id: string; session_id: string; kind: PendingRequest['kind']; options: string; allows_text: number; html: string; resolved: string | null }
      | undefined;
    if (!row) return null;
    return {
      request_id: row.request_id, session: row.session_id, kind: row.kind, options: JSON.parse(row.options) as PendingRequest['options'],
      allows_text: row.allows_text === 1, html: row.html, resolved: row.resolved,
    };
  }

  /** Marks a request decided in this chat; false when it already was (so its message is edited once). */
  resolveRequest(requestId: string, decision: string): boolean {
    return this.#db.prepare('INSERT OR IGNORE INTO tg_request_chats (chat_id, request_id, resolved) VALUES (?, ?, ?)').run(this.#chat, requestId, decision).changes === 1;
  }

  /** Remembers a text (or command) until the person says which session it is for. */
  saveChoice(text: string): number {
    return Number(this.#db.prepare('INSERT INTO tg_choices (text, created_at) VALUES (?, ?)').run(text, Date.now()).lastInsertRowid);
  }

  choice(id: number): { text: string; used: boolean } | null {
    const row = this.#db.prepare('SELECT text, used FROM tg_choices WHERE id = ?').get(id) as { text: string; used: number } | undefined;
    return row ? { text: row.text, used: row.used === 1 } : null;
  }

  useChoice(id: number): void {
    this.#db.prepare('UPDATE tg_choices SET used = 1 WHERE id = ?').run(id);
  }

  setName(userId: string, name: string): void {
    this.#db.prepare('INSERT INTO tg_users (user_id, name) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET name = excluded.name').run(userId, name);
  }

  /** Who started a session with /new (an operator may stop only those); `started_at` tells a reused id apart. */
  setStarter(session: string, userId: string, startedAt: number): void {
    this.#db.prepare('INSERT INTO tg_starters (session_id, user_id, started_at) VALUES (?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, started_at = excluded.started_at').run(session, userId, startedAt);
  }

  starter(session: string): { user: string; started_at: number } | null {
    const row = this.#db.prepare('SELECT user_id, started_at FROM tg_starters WHERE session_id = ?').get(session) as { user_id: string; started_at: number } | undefined;
    return row ? { user: row.user_id, started_at: row.started_at } : null;
  }

  name(userId: string | undefined): string | null {
    if (!userId) return null;
    const row = this.#db.prepare('SELECT name FROM tg_users WHERE user_id = ?').get(userId) as { name: string } | undefined;
    return row?.name ?? null;
  }
}
