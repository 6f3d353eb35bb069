import type { Store } from '../store/store.js';

/**
 * Every input, under an idempotency key (a Telegram message, a mail; one drawn by the daemon for the API).
 * The key is written before the first keystroke and marked delivered after Claude took the text, so a
 * channel that retries after a crash gets the text typed exactly once (done keys are skipped, half-done
 * ones are finished), and the restart check knows which text in an input box was ours.
 */
export interface LedgerEntry {
  key: string;
  session_id: string;
  text: string;
  /** `dropped`: interrupted by a crash before it reached the input box, and nobody retries it (API). */
  state: 'typing' | 'delivered' | 'dropped';
  at: number;
}

/** A channel retries within minutes, a mail left unread while the daemon was down within days: 30 days is ample. */
const KEEP_MS = 30 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

export class InputLedger {
  readonly #store: Store;
  #prunedAt = 0;

  constructor(store: Store) {
    this.#store = store;
    store.migrate('inputs', [
      `CREATE TABLE inputs (key TEXT PRIMARY KEY, session_id TEXT NOT NULL, text TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL)`,
    ]);
  }

  get(key: string): LedgerEntry | null {
    return (this.#store.db.prepare('SELECT * FROM inputs WHERE key = ?').get(key) as LedgerEntry | undefined) ?? null;
  }

  begin(key: string, sessionId: string, text: string, at: number): void {
    // Every API input has a row too, so the table is pruned as it grows rather than never.
    if (at - this.#prunedAt > PRUNE_EVERY_MS) {
      this.prune(KEEP_MS, at);
      this.#prunedAt = at;
    }
    this.#store.db
      .prepare(`INSERT INTO inputs (key, session_id, text, state, at) VALUES (?, ?, ?, 'typing', ?) ON CONFLICT(key) DO NOTHING`)
      .run(key, sessionId, text, at);
  }

  /** Inputs of `sessionId` that were being typed, oldest first. */
  typing(sessionId: string): LedgerEntry[] {
    return this.#store.db.prepare(`SELECT * FROM inputs WHERE session_id = ? AND state = 'typing' ORDER BY at`).all(sessionId) as LedgerEntry[];
  }

  dropped(key: string): void {
    this.#store.db.prepare(`UPDATE inputs SET state = 'dropped' WHERE key = ? AND state = 'typing'`).run(key);
  }

  delivered(key: string): void {
    this.#store.db.prepare(`UPDATE inputs SET state = 'delivered' WHERE key = ?`).run(key);
  }

  /** Keys older than this are forgotten: a retry comes within minutes, not weeks. */
  prune(olderThanMs: number, now = Date.now()): void {
    this.#store.db.prepare('DELETE FROM inputs WHERE at < ?').run(now - olderThanMs);
  }
}
