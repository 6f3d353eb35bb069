import Database from 'better-sqlite3';

/**
 * The daemon's SQLite database. Core tables live here; a channel keeps its own tables and creates them
 * with `migrate(owner, steps)`, so adding a channel never edits this file.
 */
export class Store {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    // WAL keeps readers and the single writer out of each other's way; NORMAL is durable across a
    // process crash (what we guard against), only not across power loss.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
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
