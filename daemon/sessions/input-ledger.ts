import { jsonIds, type Store } from '../store/store.js';

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

export class InputLedger {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
    store.migrate('inputs', [
      `CREATE TABLE inputs (key TEXT PRIMARY KEY, session_id TEXT NOT NULL, text TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL)`,
    ]);
    // A forgotten session's keys go with it (a retry then finds no session); others after the idempotency
    // floor, except text a live session was being typed when the daemon died: the restart check finishes it.
    store.retain('inputs', (db, scope) =>
      db
        .prepare(
          `DELETE FROM inputs WHERE session_id IN (SELECT value FROM json_each(?))
             OR (at < ? AND (state != 'typing' OR session_id NOT IN (SELECT value FROM json_each(?))))`,
        )
        .run(jsonIds(scope.sessions), scope.keysBefore, jsonIds(scope.live)).changes,
    );
  }

  get(key: string): LedgerEntry | null {
    return (this.#store.db.prepare('SELECT * FROM inputs WHERE key = ?').get(key) as LedgerEntry | undefined) ?? null;
  }

  begin(key: string, sessionId: string, text: string, at: number): void {
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
}
