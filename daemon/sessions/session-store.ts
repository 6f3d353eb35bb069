import type { PendingRequest, SessionInfo } from '../events/types.js';
import { drawSessionId } from '../session-id.js';
import { jsonIds, type Store } from '../store/store.js';

/** What the daemon keeps about a session beyond what it shows: where its pane is. */
export interface SessionRecord extends SessionInfo {
  pane_id: string;
  /** tmux -S path for sessions adopted from the user's own tmux server; null = the daemon's server. */
  tmux_socket: string | null;
  adopted: boolean;
  /** Claude Code's transcript (JSONL), from its hooks: tells whether a prompt reached Claude. */
  transcript_path: string | null;
  /**
   * The session's own API token (CSM_TOKEN of its hooks and MCP server), scoped to this session; persisted so
   * the session keeps working across restarts and a new owner token. null: adopted, or from before credentials.
   */
  credential: string | null;
}

/** A session as it is first recorded: nothing seen of it yet. */
export function newSessionRecord(s: Pick<SessionRecord, 'id' | 'tmux_session' | 'pane_id' | 'tmux_socket' | 'adopted' | 'cwd' | 'log_file' | 'status' | 'credential'>, now: number): SessionRecord {
  return { ...s, started_at: now, last_output_at: now, claude_session_id: null, pending: null, last_message: null, exit_code: null, transcript_path: null };
}

/** A sessions row as SQLite returns it: booleans as 0/1, the pending request as JSON. */
type Row = Omit<SessionRecord, 'adopted' | 'pending'> & { adopted: number; pending: string | null };

/** SQLite persistence of sessions; the session manager keeps the live copy in memory. */
export class SessionStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
    store.migrate('sessions', [
      `CREATE TABLE sessions (
         id TEXT PRIMARY KEY,
         tmux_session TEXT NOT NULL,
         pane_id TEXT NOT NULL,
         tmux_socket TEXT,
         adopted INTEGER NOT NULL DEFAULT 0,
         cwd TEXT NOT NULL,
         log_file TEXT NOT NULL,
         status TEXT NOT NULL,
         started_at INTEGER NOT NULL,
         last_output_at INTEGER NOT NULL,
         claude_session_id TEXT,
         pending TEXT,
         last_message TEXT,
         exit_code INTEGER
       )`,
      `ALTER TABLE sessions ADD COLUMN transcript_path TEXT`,
      // Every id ever issued, kept when a session's record goes: an id is never handed out twice.
      `CREATE TABLE session_ids (id TEXT PRIMARY KEY, issued_at INTEGER NOT NULL)`,
      `INSERT OR IGNORE INTO session_ids (id, issued_at) SELECT id, started_at FROM sessions`,
      `ALTER TABLE sessions ADD COLUMN credential TEXT`,
    ]);
    // session_ids is not pruned: an id is never handed out twice (about 30 bytes a session ever started).
    store.retain('sessions', (db, scope) => db.prepare('DELETE FROM sessions WHERE id IN (SELECT value FROM json_each(?))').run(jsonIds(scope.sessions)).changes);
  }

  /**
   * A new session id, recorded as issued before it is used: unused among all ids ever issued, lengthened as
   * the space fills (see session-id.ts). Throws only when ids of every length keep colliding.
   */
  issueId(now: number, random?: (digits: number) => string): string {
    const db = this.#store.db;
    const isIssued = (id: string): boolean => db.prepare('SELECT 1 FROM session_ids WHERE id = ?').get(id) !== undefined;
    const count = (db.prepare('SELECT COUNT(*) AS n FROM session_ids').get() as { n: number }).n;
    const id = drawSessionId(isIssued, count, random);
    if (id === null) throw new Error('No unused session id could be drawn: the session_ids table of csm.db is full or damaged.');
    db.prepare('INSERT INTO session_ids (id, issued_at) VALUES (?, ?)').run(id, now);
    return id;
  }

  isIssued(id: string): boolean {
    return this.#store.db.prepare('SELECT 1 FROM session_ids WHERE id = ?').get(id.toLowerCase()) !== undefined;
  }

  /** Prepared once: every hook saves its session, so this runs thousands of times a minute under load. */
  #saveStatement: ReturnType<Store['db']['prepare']> | null = null;

  save(s: SessionRecord): void {
    this.#saveStatement ??= this.#store.db.prepare(
      `INSERT INTO sessions (id, tmux_session, pane_id, tmux_socket, adopted, cwd, log_file, status, started_at,
         last_output_at, claude_session_id, pending, last_message, exit_code, transcript_path, credential)
       VALUES (@id, @tmux_session, @pane_id, @tmux_socket, @adopted, @cwd, @log_file, @status, @started_at,
         @last_output_at, @claude_session_id, @pending, @last_message, @exit_code, @transcript_path, @credential)
       ON CONFLICT(id) DO UPDATE SET tmux_session = excluded.tmux_session, pane_id = excluded.pane_id,
         tmux_socket = excluded.tmux_socket, adopted = excluded.adopted, cwd = excluded.cwd,
         log_file = excluded.log_file, status = excluded.status, started_at = excluded.started_at,
         last_output_at = excluded.last_output_at, claude_session_id = excluded.claude_session_id,
         pending = excluded.pending, last_message = excluded.last_message, exit_code = excluded.exit_code,
         transcript_path = excluded.transcript_path, credential = excluded.credential`,
    );
    this.#saveStatement.run({ ...s, adopted: s.adopted ? 1 : 0, pending: s.pending ? JSON.stringify(s.pending) : null });
  }

  /** A session that never started (tmux refused it); its id stays issued. */
  remove(id: string): void {
    this.#store.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  all(): SessionRecord[] {
    const rows = this.#store.db.prepare('SELECT * FROM sessions ORDER BY started_at').all() as Row[];
    return rows.map((r) => ({
      ...r,
      adopted: r.adopted === 1,
      pending: r.pending ? (JSON.parse(r.pending) as PendingRequest) : null,
    }));
  }

  /** The ids of every session record, whatever its state: files they name are not orphans. */
  ids(): Set<string> {
    return new Set((this.#store.db.prepare('SELECT id FROM sessions').all() as { id: string }[]).map((r) => r.id));
  }
}
