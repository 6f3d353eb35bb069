import type { Store } from '../../store/store.js';
import { appendPiece, renderPiece, streamText, wants, type PieceKind, type StreamEvent, type StreamMode } from './stream-render.js';
import type { OutOp } from './types.js';

/** The live output's tables, under their own migration owner. Append-only (Store.migrate). */
const STREAM_MIGRATIONS = [
  // Every transcript entry shown, so a restart (or a follower that reads a line again) never shows one twice.
  `CREATE TABLE tg_stream_entries (chat_id INTEGER NOT NULL, session_id TEXT NOT NULL, entry_id TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (chat_id, session_id, entry_id))`,
  // One row per message of a turn: its text now, the text Telegram has (`sent`), and whether an op to bring it up to date is queued.
  `CREATE TABLE tg_stream_parts (
     chat_id INTEGER NOT NULL, session_id TEXT NOT NULL, turn_id TEXT NOT NULL, part INTEGER NOT NULL,
     body TEXT NOT NULL, last_kind TEXT NOT NULL, message_id INTEGER, sent TEXT, queued INTEGER NOT NULL DEFAULT 0,
     closed INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
     PRIMARY KEY (chat_id, session_id, turn_id, part))`,
  `CREATE TABLE tg_stream_modes (chat_id INTEGER NOT NULL, session_id TEXT NOT NULL, mode TEXT NOT NULL, PRIMARY KEY (chat_id, session_id))`,
];

const KEEP_MS = 30 * 24 * 3600 * 1000;

interface PartRow {
  part: number;
  body: string;
  last_kind: PieceKind;
  message_id: number | null;
  sent: string | null;
  closed: number;
}

/** What the sender needs to bring one part up to date. */
export interface PartToSend {
  text: string;
  messageId: number | null;
  /** Telegram already shows exactly this. */
  unchanged: boolean;
}

/**
 * The live output of the Telegram channel: each turn of a session is one message (more when it grows past
 * Telegram's limit) that is edited as the transcript events come. The text lives here, not in the outbox:
 * a queued `stream` op only says "bring this part up to date", and reads the text when it is sent, so a
 * burst of entries costs one edit, paced by the throttler like every ordinary message.
 */
export class LiveStream {
  readonly #store: Store;
  readonly #chat: number;
  readonly #default: StreamMode;

  constructor(store: Store, chatId: number, defaultMode: StreamMode, now = Date.now()) {
    store.migrate('telegram-stream', STREAM_MIGRATIONS);
    this.#store = store;
    this.#chat = chatId;
    this.#default = defaultMode;
    // A transcript line is read again only around a crash: a month of shown entries is more than enough.
    const before = now - KEEP_MS;
    store.db.prepare('DELETE FROM tg_stream_entries WHERE created_at < ?').run(before);
    store.db.prepare('DELETE FROM tg_stream_parts WHERE created_at < ?').run(before);
  }

  get #db(): Store['db'] {
    return this.#store.db;
  }

  get defaultMode(): StreamMode {
    return this.#default;
  }

  mode(session: string): StreamMode {
    const row = this.#db.prepare('SELECT mode FROM tg_stream_modes WHERE chat_id = ? AND session_id = ?').get(this.#chat, session) as { mode: StreamMode } | undefined;
    return row?.mode ?? this.#default;
  }

  setMode(session: string, mode: StreamMode): void {
    this.#db
      .prepare('INSERT INTO tg_stream_modes (chat_id, session_id, mode) VALUES (?, ?, ?) ON CONFLICT (chat_id, session_id) DO UPDATE SET mode = excluded.mode')
      .run(this.#chat, session, mode);
  }

  /** Inside the caller's transaction: records the entry and queues what brings the turn's message up to date. */
  add(e: StreamEvent, enqueue: (op: OutOp) => void): void {
    const s = e.session_id;
    if (!wants(this.mode(s), e)) return;
    const fresh = this.#db.prepare('INSERT OR IGNORE INTO tg_stream_entries (chat_id, session_id, entry_id, created_at) VALUES (?, ?, ?, ?)').run(this.#chat, s, e.entry_id, Date.now()).changes === 1;
    if (!fresh) return;
    const piece = renderPiece(e);
    const last = this.#db
      .prepare('SELECT part, body, last_kind, message_id, sent, closed FROM tg_stream_parts WHERE chat_id = ? AND session_id = ? AND turn_id = ? ORDER BY part DESC LIMIT 1')
      .get(this.#chat, s, e.turn_id) as PartRow | undefined;
    const open = last && last.closed === 0 ? { body: last.body, lastKind: last.last_kind } : null;
    const { updated, added } = appendPiece(open, piece);
    if (updated !== null && last) {
      this.#db.prepare('UPDATE tg_stream_parts SET body = ?, last_kind = ? WHERE chat_id = ? AND session_id = ? AND turn_id = ? AND part = ?').run(updated, piece.kind, this.#chat, s, e.turn_id, last.part);
      this.#queue(s, e.turn_id, last.part, enqueue);
    }
    let part = last ? last.part : -1;
    for (const body of added) {
      part += 1;
      this.#db
        .prepare('INSERT INTO tg_stream_parts (chat_id, session_id, turn_id, part, body, last_kind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(this.#chat, s, e.turn_id, part, body, piece.kind, Date.now());
      this.#queue(s, e.turn_id, part, enqueue);
    }
  }

  /** The turn ended (its final message follows): what comes later in it starts a new message below. */
  close(session: string): void {
    this.#db.prepare('UPDATE tg_stream_parts SET closed = 1 WHERE chat_id = ? AND session_id = ? AND closed = 0').run(this.#chat, session);
  }

  /**
   * For the sender, right before its call: the part's text now. From here on, a new entry queues a new op
   * (the text this call carries may already be behind it).
   */
  take(session: string, turn: string, part: number): PartToSend | null {
    const row = this.#row(session, turn, part);
    if (!row) return null;
    this.#db.prepare('UPDATE tg_stream_parts SET queued = 0 WHERE chat_id = ? AND session_id = ? AND turn_id = ? AND part = ?').run(this.#chat, session, turn, part);
    const text = streamText(session, part, row.body);
    return { text, messageId: row.message_id, unchanged: row.message_id !== null && row.sent === text };
  }

  /** Telegram accepted `text` as the part's message `messageId` (inside the sender's transaction). */
  sent(session: string, turn: string, part: number, messageId: number, text: string): void {
    this.#db.prepare('UPDATE tg_stream_parts SET message_id = ?, sent = ? WHERE chat_id = ? AND session_id = ? AND turn_id = ? AND part = ?').run(messageId, text, this.#chat, session, turn, part);
  }

  /** The part's message is gone (deleted in the chat): the next attempt sends it anew. */
  lost(session: string, turn: string, part: number): void {
    this.#db.prepare('UPDATE tg_stream_parts SET message_id = NULL, sent = NULL WHERE chat_id = ? AND session_id = ? AND turn_id = ? AND part = ?').run(this.#chat, session, turn, part);
  }

  #row(session: string, turn: string, part: number): (PartRow & { queued: number }) | undefined {
    return this.#db
      .prepare('SELECT part, body, last_kind, message_id, sent, closed, queued FROM tg_stream_parts WHERE chat_id = ? AND session_id = ? AND turn_id = ? AND part = ?')
      .get(this.#chat, session, turn, part) as (PartRow & { queued: number }) | undefined;
  }

  #queue(session: string, turn: string, part: number, enqueue: (op: OutOp) => void): void {
    const r = this.#db.prepare('UPDATE tg_stream_parts SET queued = 1 WHERE chat_id = ? AND session_id = ? AND turn_id = ? AND part = ? AND queued = 0').run(this.#chat, session, turn, part);
    if (r.changes === 1) enqueue({ op: 'stream', session, turn, part });
  }
}
