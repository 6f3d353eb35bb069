import type { QueuedRow } from './outbox-order.js';
import type { Store } from './store.js';

/**
 * A persisted queue of outgoing messages, shared by the channels. A message is written here before any
 * network call, so a crash or an outage never loses it; it is deleted only after the remote side accepted
 * it. Within one `lane` (a session, usually) messages go out in order, except that urgent ones overtake
 * ordinary ones (see outbox-order.ts): a failing head blocks the lane, other lanes go on.
 */
export interface OutboxItem<T> {
  id: number;
  lane: string;
  payload: T;
  attempts: number;
}

export interface OutboxOptions {
  /** First retry delay; doubles per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class Outbox<T> {
  readonly #store: Store;
  readonly #channel: string;
  readonly #base: number;
  readonly #max: number;

  constructor(store: Store, channel: string, options: OutboxOptions = {}) {
    this.#store = store;
    this.#channel = channel;
    this.#base = options.baseDelayMs ?? 1000;
    this.#max = options.maxDelayMs ?? 60_000;
    store.migrate('outbox', [
      `CREATE TABLE outbox (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         channel TEXT NOT NULL,
         lane TEXT NOT NULL,
         payload TEXT NOT NULL,
         attempts INTEGER NOT NULL DEFAULT 0,
         next_at INTEGER NOT NULL DEFAULT 0,
         last_error TEXT
       )`,
      `CREATE INDEX outbox_channel ON outbox (channel, id)`,
      `ALTER TABLE outbox ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE outbox ADD COLUMN barrier INTEGER NOT NULL DEFAULT 0`,
    ]);
  }

  /** `urgent`: something a session is blocked on; `barrier`: nothing newer in the lane may pass it. */
  enqueue(lane: string, payload: T, o: { urgent?: boolean; barrier?: boolean } = {}): number {
    const info = this.#store.db
      .prepare('INSERT INTO outbox (channel, lane, payload, urgent, barrier) VALUES (?, ?, ?, ?, ?)')
      .run(this.#channel, lane, JSON.stringify(payload), o.urgent ? 1 : 0, o.barrier ? 1 : 0);
    return Number(info.lastInsertRowid);
  }

  /** Every queued row of the channel, oldest first, without payloads: what outbox-order.ts decides on. */
  queued(): QueuedRow[] {
    const rows = this.#store.db
      .prepare('SELECT id, lane, urgent, barrier, next_at FROM outbox WHERE channel = ? ORDER BY id')
      .all(this.#channel) as { id: number; lane: string; urgent: number; barrier: number; next_at: number }[];
    return rows.map((r) => ({ id: r.id, lane: r.lane, urgent: r.urgent === 1, barrier: r.barrier === 1, nextAt: r.next_at }));
  }

  /** One row with its payload, or null when it is gone. */
  get(id: number): OutboxItem<T> | null {
    const r = this.#store.db.prepare('SELECT id, lane, payload, attempts FROM outbox WHERE id = ?').get(id) as
      | { id: number; lane: string; payload: string; attempts: number }
      | undefined;
    return r ? { id: r.id, lane: r.lane, payload: JSON.parse(r.payload) as T, attempts: r.attempts } : null;
  }

  /** Rewrites a queued payload (e.g. to remember a partial result before retrying the rest). */
  update(id: number, payload: T): void {
    this.#store.db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(JSON.stringify(payload), id);
  }

  done(id: number): void {
    this.#store.db.prepare('DELETE FROM outbox WHERE id = ?').run(id);
  }

  /** Removes the row and runs `record` in one transaction: a sent message is never both recorded and queued. */
  doneWith(id: number, record: (() => void) | void): void {
    this.#store.db.transaction(() => {
      record?.();
      this.done(id);
    })();
  }

  /** Schedules a retry with exponential backoff, or at `retryAfterMs` when the remote side said so. */
  failed(id: number, error: string, retryAfterMs?: number, now = Date.now()): void {
    const row = this.#store.db.prepare('SELECT attempts FROM outbox WHERE id = ?').get(id) as { attempts: number } | undefined;
    if (!row) return;
    const delay = retryAfterMs ?? Math.min(this.#max, this.#base * 2 ** row.attempts);
    this.#store.db
      .prepare('UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?')
      .run(now + delay, error.slice(0, 500), id);
  }

  size(): number {
    return (this.#store.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE channel = ?').get(this.#channel) as { n: number }).n;
  }
}

/** Whether any channel has made the outbox table yet (retention and start-up tidying may run before). */
function hasOutbox(store: Store): boolean {
  return store.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'`).get() !== undefined;
}

/**
 * The lanes (sessions, for the channels) with a message not yet delivered, on every channel: retention keeps
 * what those messages still need. Empty when no channel has made the table.
 */
export function undeliveredLanes(store: Store): Set<string> {
  if (!hasOutbox(store)) return new Set();
  return new Set((store.db.prepare('SELECT DISTINCT lane FROM outbox').all() as { lane: string }[]).map((r) => r.lane));
}

/** The channel names with rows in the outbox (queued or retrying). */
export function outboxChannels(store: Store): string[] {
  if (!hasOutbox(store)) return [];
  return (store.db.prepare('SELECT DISTINCT channel FROM outbox').all() as { channel: string }[]).map((r) => r.channel);
}

/** Moves a channel's queued rows to another name (a channel whose rows are now split by chat); returns how many. */
export function renameOutbox(store: Store, from: string, to: string): number {
  if (!hasOutbox(store)) return 0;
  return store.db.prepare('UPDATE outbox SET channel = ? WHERE channel = ?').run(to, from).changes;
}

/** Removes what is queued under `channel` (a chat no longer served: its messages have nowhere to go); returns how many. */
export function discardOutbox(store: Store, channel: string): number {
  return store.db.prepare('DELETE FROM outbox WHERE channel = ?').run(channel).changes;
}
