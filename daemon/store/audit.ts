import type { Store } from './store.js';

/** One action through the command layer: who, on which session, what, when, and how it ended. */
export interface AuditEntry {
  /** Milliseconds since the epoch, when the action was asked for. */
  at: number;
  channel: string;
  user: string | null;
  name: string | null;
  session_id: string | null;
  /** The command's name: newSession, sendInput, answer, kill, keys, terminalInput, saveFile, notify, ask, screenshot. */
  action: string;
  /** What, in short (the text typed, the choice, the keys), cut to a few hundred characters. */
  detail: string | null;
  outcome: 'ok' | 'error';
  /** The error's message when the outcome is error. */
  error: string | null;
}

export interface AuditQuery {
  session?: string;
  /** Only entries at or after this time (ms since the epoch). */
  since?: number;
  /** The newest `limit` entries (returned oldest first). */
  limit: number;
}

const MIGRATIONS = [
  `CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     channel TEXT NOT NULL,
     user TEXT,
     name TEXT,
     session_id TEXT,
     action TEXT NOT NULL,
     detail TEXT,
     outcome TEXT NOT NULL,
     error TEXT
   )`,
  `CREATE INDEX audit_at ON audit (at)`,
  `CREATE INDEX audit_session ON audit (session_id, at)`,
];

/** The audit table. Kept for `retention_days`: its pruner runs with every retention sweep (Store.prune). */
export class AuditLog {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
    store.migrate('audit', MIGRATIONS);
    // History, tied to no session's life: entries older than the retention go with every sweep.
    store.retain('audit', (db, scope) => db.prepare('DELETE FROM audit WHERE at < ?').run(scope.before).changes);
  }

  record(e: AuditEntry): void {
    this.#store.db
      .prepare('INSERT INTO audit (at, channel, user, name, session_id, action, detail, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.at, e.channel, e.user, e.name, e.session_id, e.action, e.detail, e.outcome, e.error);
  }

  query(q: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.session !== undefined) {
      where.push('session_id = ?');
      args.push(q.session.toLowerCase());
    }
    if (q.since !== undefined) {
      where.push('at >= ?');
      args.push(q.since);
    }
    const sql = `SELECT at, channel, user, name, session_id, action, detail, outcome, error FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.#store.db.prepare(sql).all(...args, q.limit) as AuditEntry[]).reverse();
  }
}
