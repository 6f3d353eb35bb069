import { statSync } from 'node:fs';
import Database from 'better-sqlite3';

/** What a retention sweep forgets, handed to every table owner's pruner (see `retain`). */
export interface PruneScope {
  /** Sessions being forgotten: their rows go, whatever their age. */
  sessions: readonly string[];
  /** Sessions still alive: nothing they need may go. */
  live: readonly string[];
  /** Records kept only for history (not tied to a session) written before this go. */
  before: number;
  /** Idempotency keys written before this go (see retention-policy.ts). */
  keysBefore: number;
}

/** Deletes what `scope` says from its owner's tables; returns the rows deleted. Runs inside a transaction. */
export type Pruner = (db: Database.Database, scope: PruneScope) => number;

/** A JSON array for `IN (SELECT value FROM json_each(?))`: any number of ids in one statement. */
export const jsonIds = (ids: readonly string[]): string => JSON.stringify(ids);

/**
 * The daemon's SQLite database. Core tables live here; a channel keeps its own tables and creates them
 * with `migrate(owner, steps)`, so adding a channel never edits this file.
 */
export class Store {
  readonly db: Database.Database;
  readonly #pruners = new Map<string, Pruner>();

  constructor(file: string) {
    this.db = new Database(file);
    // WAL keeps readers and the single writer out of each other's way; NORMAL is durable across a
    // process crash (what we guard against), only not across power loss.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // The WAL is reused, never shrunk, unless told: after a checkpoint it is cut back to this size.
    this.db.pragma(`journal_size_limit = ${4 * 1024 * 1024}`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS migrations (owner TEXT NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (owner, step))`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  }

  /** Runs the steps of `owner` not yet applied, in order. Steps are append-only: never edit a shipped one. */
  migrate(owner: string, steps: string[]): void {
    const done = new Set(
      (this.db.prepare('SELECT step FROM migrations WHERE owner = ?').all(owner) as { step: number }[]).map((r) => r.step),
    );
    const mark = this.db.prepare('INSERT INTO migrations (owner, step) VALUES (?, ?)');
    steps.forEach((sql, step) => {
      if (done.has(step)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        mark.run(owner, step);
      })();
    });
  }

  /**
   * Registers the pruner of `owner`'s tables, called by every retention sweep. Like `migrate`, it lets a
   * channel own its tables without this file knowing them. A later call for the same owner replaces it.
   */
  retain(owner: string, pruner: Pruner): void {
    this.#pruners.set(owner, pruner);
  }

  /**
   * Runs every pruner in one transaction (a crash mid-sweep leaves every table as it was), then gives the
   * space back: the WAL is checkpointed and cut, and the file is vacuumed when a good part of it is free.
   */
  prune(scope: PruneScope): { rows: Record<string, number>; bytesBefore: number; bytesAfter: number } {
    const bytesBefore = this.bytes();
    const rows: Record<string, number> = {};
    this.db.transaction(() => {
      for (const [owner, pruner] of this.#pruners) rows[owner] = pruner(this.db, scope);
    })();
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    // VACUUM rewrites the whole file: worth it only when much of it is free (a large sweep), not hourly.
    if (free > 256 && free * 4 > pages) this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return { rows, bytesBefore, bytesAfter: this.bytes() };
  }

  /** The database's size on disk: the file and its WAL. */
  bytes(): number {
    const size = (f: string): number => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    return size(this.db.name) + size(`${this.db.name}-wal`);
  }

  getKv(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setKv(key: string, value: string): void {
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    this.db.close();
  }
}
