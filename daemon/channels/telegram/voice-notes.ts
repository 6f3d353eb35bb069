import type { Origin } from '../../events/types.js';
import type { Store } from '../../store/store.js';

/** Its own migration owner, so its steps never collide with the channel's (threads.ts). Append-only. */
const VOICE_MIGRATIONS = [
  `CREATE TABLE tg_voice_notes (
     id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, session_id TEXT NOT NULL,
     message_id INTEGER NOT NULL, reply_key TEXT, text TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  // A transcription runs beside the update loop; what it needs is kept so a restart picks it up again.
  `ALTER TABLE tg_voice_notes ADD COLUMN job TEXT`,
];

/** What a transcription in progress needs: the file, and who sent it from where. */
export interface VoiceJob {
  fileId: string;
  size: number | undefined;
  ext: string;
  mime?: string;
  origin: Origin;
}

export interface VoiceNote {
  id: number;
  session: string;
  /** The person's voice message: the transcript is typed keyed by it, and answers what it replied to. */
  messageId: number;
  /** The key of the bot message the voice note replied to (`req:<id>` = a request it answers), if any. */
  replyKey: string | null;
  /** Empty while it is transcribed. */
  text: string;
  state: 'transcribing' | 'shown' | 'sent' | 'cancelled' | 'failed';
  job: VoiceJob | null;
}

interface Row { id: number; session_id: string; message_id: number; reply_key: string | null; text: string; state: VoiceNote['state']; job: string | null }

const noteOf = (row: Row): VoiceNote => ({
  id: row.id, session: row.session_id, messageId: row.message_id, replyKey: row.reply_key, text: row.text, state: row.state,
  job: row.job ? (JSON.parse(row.job) as VoiceJob) : null,
});

/** Transcripts shown with Send / Cancel, kept in the database so the buttons work after a restart. */
export class VoiceNotes {
  readonly #store: Store;
  readonly #chat: number;

  constructor(store: Store, chatId: number) {
    store.migrate('telegram-voice', VOICE_MIGRATIONS);
    this.#store = store;
    this.#chat = chatId;
  }

  /**
   * A voice message to transcribe: its note, new or (the same message handled again after a restart) the
   * one it already has. `fresh` says whether this call made it.
   */
  begin(n: { session: string; messageId: number; replyKey: string | null; job: VoiceJob }): { id: number; fresh: boolean } {
    const db = this.#store.db;
    return db.transaction(() => {
      const had = db.prepare('SELECT id FROM tg_voice_notes WHERE chat_id = ? AND message_id = ?').get(this.#chat, n.messageId) as { id: number } | undefined;
      if (had) return { id: had.id, fresh: false };
      const r = db
        .prepare(`INSERT INTO tg_voice_notes (chat_id, session_id, message_id, reply_key, text, state, created_at, job) VALUES (?, ?, ?, ?, '', 'transcribing', ?, ?)`)
        .run(this.#chat, n.session, n.messageId, n.replyKey, Date.now(), JSON.stringify(n.job));
      return { id: Number(r.lastInsertRowid), fresh: true };
    })();
  }

  /** The transcriptions a stop or crash left unfinished. */
  unfinished(): VoiceNote[] {
    return (this.#store.db.prepare(`SELECT * FROM tg_voice_notes WHERE chat_id = ? AND state = 'transcribing' ORDER BY id`).all(this.#chat) as Row[]).map(noteOf);
  }

  /** The transcript is in: shown with Send / Cancel (or typed at once, then `sent`). */
  transcribed(id: number, text: string, state: 'shown' | 'sent' | 'failed'): void {
    this.#store.db.prepare(`UPDATE tg_voice_notes SET text = ?, state = ?, job = NULL WHERE id = ? AND chat_id = ? AND state = 'transcribing'`).run(text, state, id, this.#chat);
  }

  get(id: number): VoiceNote | null {
    const row = this.#store.db.prepare('SELECT * FROM tg_voice_notes WHERE id = ? AND chat_id = ?').get(id, this.#chat) as Row | undefined;
    return row ? noteOf(row) : null;
  }

  /** Moves a shown note to `state`; false when it was already sent or cancelled (a second tap). */
  settle(id: number, state: 'sent' | 'cancelled'): boolean {
    return this.#store.db.prepare(`UPDATE tg_voice_notes SET state = ? WHERE id = ? AND chat_id = ? AND state = 'shown'`).run(state, id, this.#chat).changes === 1;
  }
}
