import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventLog } from '../events/event-log.js';
import type { Logger } from '../logger.js';
import { SESSION_ID_SOURCE } from '../session-id.js';
import { undeliveredLanes } from '../store/outbox.js';
import { expiredSessions, fileExpired, retentionCutoffs } from '../store/retention-policy.js';
import type { Store } from '../store/store.js';
import type { SessionManager } from './session-manager.js';
import type { SessionStore } from './session-store.js';

export interface RetentionDeps {
  manager: SessionManager;
  sessions: SessionStore;
  store: Store;
  events: EventLog;
  /** `<CSM_HOME>/sessions`: each session's launch files (settings.json, mcp.json), which hold its credential. */
  sessionsDir: string;
  logDir: string;
  log: Logger;
}

/** What one sweep forgot. */
export interface SweepReport {
  sessions: number;
  /** Rows deleted, by the owner of the tables. */
  rows: Record<string, number>;
  files: number;
  events: number;
  db_bytes_before: number;
  db_bytes_after: number;
}

const LOG_FILE = new RegExp(`^claude-(${SESSION_ID_SOURCE})\\.log(?:\\.1)?$`);
const SESSION_DIR = new RegExp(`^(${SESSION_ID_SOURCE})$`);

/**
 * The retention sweep: dead sessions older than retention_days leave the registry, every table (through the
 * pruners the table owners registered with the store) and the disk (their logs and credential files), and
 * old records and events go.
 */
export class Retention {
  readonly #d: RetentionDeps;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: RetentionDeps) {
    this.#d = deps;
  }

  /**
   * Forgets in one synchronous step what is kept in memory and in the database (so no session starts or dies
   * half-way), then removes the files, which no record claims any more, without holding up the daemon.
   */
  async sweep(keepMs: number): Promise<SweepReport> {
    const { manager, sessions, store, events } = this.#d;
    const now = manager.now();
    const cut = retentionCutoffs(now, keepMs);
    const all = manager.list();
    const expired = new Set(expiredSessions(all, cut.records, undeliveredLanes(store)));
    const live = all.filter((s) => s.status !== 'dead').map((s) => s.id);
    const logFiles = all.filter((s) => expired.has(s.id) && s.log_file).map((s) => s.log_file);
    const forgotten = new Set(manager.forget([...expired]));
    const db = store.prune({ sessions: [...forgotten], live, before: cut.records, keysBefore: cut.keys });
    const dropped = events.dropBefore(cut.records);
    // Read after the rows went: a record being started (saved, not yet in the registry) still claims its files.
    const known = sessions.ids();
    let files = 0;
    for (const file of logFiles) files += await this.#remove(file);
    files += await this.#sweepDir(this.#d.logDir, LOG_FILE, forgotten, known, cut.orphans);
    files += await this.#sweepDir(this.#d.sessionsDir, SESSION_DIR, forgotten, known, cut.orphans);
    const report: SweepReport = {
      sessions: forgotten.size, rows: db.rows, files, events: dropped, db_bytes_before: db.bytesBefore, db_bytes_after: db.bytesAfter,
    };
    if (report.sessions > 0 || report.files > 0) this.#d.log.info(report, 'retention: forgot ended sessions');
    return report;
  }

  /** A sweep now, then every `intervalMs`; a failed sweep is logged and tried again at the next one. */
  start(keepMs: number, intervalMs: number): void {
    let running = false;
    const run = (): void => {
      if (running) return;
      running = true;
      this.sweep(keepMs)
        .catch((err: unknown) => this.#d.log.error({ err }, 'retention sweep failed; the next one tries again'))
        .finally(() => (running = false));
    };
    run();
    this.#timer = setInterval(run, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #sweepDir(dir: string, pattern: RegExp, forgotten: ReadonlySet<string>, known: ReadonlySet<string>, orphanCutoff: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0;
    }
    let n = 0;
    for (const name of names) {
      const session = pattern.exec(name)?.[1];
      if (session === undefined || (known.has(session) && !forgotten.has(session))) continue;
      const file = join(dir, name);
      const mtimeMs = await stat(file).then((s) => s.mtimeMs, () => null);
      if (mtimeMs !== null && fileExpired({ session, mtimeMs }, forgotten, known, orphanCutoff)) n += await this.#remove(file);
    }
    return n;
  }

  async #remove(file: string): Promise<number> {
    if ((await stat(file).catch(() => null)) === null) return 0;
    try {
      await rm(file, { recursive: true, force: true });
      return 1;
    } catch (err) {
      this.#d.log.warn({ err, file }, 'retention: could not remove a file of an ended session');
      return 0;
    }
  }
}
