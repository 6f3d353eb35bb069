import type { Store } from '../../store/store.js';

/** Its own migration owner, so its steps never collide with the channel's (threads.ts). Append-only. */
const VOICE_MIGRATIONS = [
  `CREATE TABLE tg_voice_notes (
     id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, session_id TEXT NOT NULL,
     message_id INTEGER NOT NULL, reply_key TEXT, text TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL)`,
];

export interface VoiceNote {
  id: number;
  session: string;
  /** The person's voice message: the transcript is typed keyed by it, and answers what it replied to. */
  messageId: number;
  /** The key of the bot message the voice note replied to (`req:<id>` = a request it answers), if any. */
  replyKey: string | null;
  text: string;
  state: 'shown' | 'sent' | 'cancelled';
}

/** Transcripts shown with Send / Cancel, kept in the database so the buttons work after a restart. */
export class VoiceNotes {
  readonly #store: Store;
  readonly #chat: number;

  constructor(store: Store, chatId: number) {
    store.migrate('telegram-voice', VOICE_MIGRATIONS);
    this.#store = store;
    this.#chat = chatId;
  }

  save(n: Omit<VoiceNote, 'id' | 'state'>): number {
    const r = this.#store.db
      .prepare(`INSERT INTO tg_voice_notes (chat_id, session_id, message_id, reply_key, text, state, created_at) VALUES (?, ?, ?, ?, ?, 'shown', ?)`)
      .run(this.#chat, n.session, n.messageId, n.replyKey, n.text, Date.now());
    return Number(r.lastInsertRowid);
  }

  get(id: number): VoiceNote | null {
    const row = this.#store.db.prepare('SELECT * FROM tg_voice_notes WHERE id = ? AND chat_id = ?').get(id, this.#chat) as
      | { id: number; session_id: string; message_id: number; reply_key: string | null; text: string; state: VoiceNote['state'] }
      | undefined;
    return row ? { id: row.id, session: row.session_id, messageId: row.message_id, replyKey: row.reply_key, text: row.text, state: row.state } : null;
  }

  /** Moves a shown note to `state`; false when it was already sent or cancelled (a second tap). */
  settle(id: number, state: 'sent' | 'cancelled'): boolean {
    return this.#store.db.prepare(`UPDATE tg_voice_notes SET state = ? WHERE id = ? AND chat_id = ? AND state = 'shown'`).run(state, id, this.#chat).changes === 1;
  }
}
