import type { Store } from '../../store/store.js';

/**
 * Which updates are done, per bot. An update is handled first and marked done afterwards, in the same
 * transaction that records its effects (queued replies, remembered choices), so a crash never loses it.
 * Before a handler does something that cannot be repeated safely (typing, answering, killing), it marks
 * the update in flight: after a crash in between, the update is not run again but reported as interrupted,
 * so a reply is never typed twice.
 */
export class UpdateLog {
  readonly #store: Store;
  readonly #bot: number;

  /** Expects the telegram migrations to have run (Threads does it). */
  constructor(store: Store, botId: number) {
    this.#store = store;
    this.#bot = botId;
  }

  /** The offset for getUpdates: everything below it is done. */
  nextOffset(): number {
    const row = this.#store.db.prepare('SELECT next_offset FROM tg_updates WHERE bot_id = ?').get(this.#bot) as { next_offset: number } | undefined;
    return row?.next_offset ?? 0;
  }

  isDone(updateId: number): boolean {
    return updateId < this.nextOffset();
  }

  wasInterrupted(updateId: number): boolean {
    return this.#store.db.prepare('SELECT 1 FROM tg_inflight WHERE bot_id = ? AND update_id = ?').get(this.#bot, updateId) !== undefined;
  }

  markInFlight(updateId: number): void {
    this.#store.db.prepare('INSERT OR IGNORE INTO tg_inflight (bot_id, update_id) VALUES (?, ?)').run(this.#bot, updateId);
  }

  /** Runs `record` and marks the update done, atomically. */
  commit(updateId: number, record: () => void): void {
    const db = this.#store.db;
    db.transaction(() => {
      record();
      db.prepare(
        `INSERT INTO tg_updates (bot_id, next_offset) VALUES (?, ?)
         ON CONFLICT (bot_id) DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)`,
      ).run(this.#bot, updateId + 1);
      db.prepare('DELETE FROM tg_inflight WHERE bot_id = ? AND update_id = ?').run(this.#bot, updateId);
    })();
  }
}
