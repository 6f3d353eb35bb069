/**
 * What is old enough to forget. Pure: the sweep (daemon/sessions/retention.ts) gathers the facts and does
 * the deleting.
 */

export const DAY_MS = 86_400_000;

/**
 * Idempotency records (input keys, mails handled, texts waiting for "which session?") are kept at least this
 * long whatever retention_days says: a channel may still deliver the same message again (a mail left unread
 * while the daemon was down, a Telegram update redelivered after a crash), and forgetting its key would have
 * it typed twice.
 */
export const IDEMPOTENCY_FLOOR_MS = 7 * DAY_MS;

/** A file that no session record claims is left alone for at least this long: it may belong to a session being started. */
export const ORPHAN_FLOOR_MS = 3600_000;

export interface Cutoffs {
  /** Dead sessions that ended before this, and records kept only for history, go. */
  records: number;
  /** Idempotency keys written before this go. */
  keys: number;
  /** Files no session record claims, last written before this, go. */
  orphans: number;
}

export function retentionCutoffs(now: number, keepMs: number): Cutoffs {
  const keep = Math.max(0, keepMs);
  return { records: now - keep, keys: now - Math.max(keep, IDEMPOTENCY_FLOOR_MS), orphans: now - Math.max(keep, ORPHAN_FLOOR_MS) };
}

export interface SessionFacts {
  id: string;
  status: string;
  /** When it was last heard from: for a dead session, about when it ended. */
  last_output_at: number;
}

/**
 * The sessions to forget: dead, ended before the cutoff, and with nothing left to deliver about them (an
 * undelivered outbox row renders and routes by its session: its thread, its root message). A live session
 * is never forgotten, however old.
 */
export function expiredSessions(sessions: readonly SessionFacts[], cutoff: number, held: ReadonlySet<string>): string[] {
  return sessions.filter((s) => s.status === 'dead' && s.last_output_at < cutoff && !held.has(s.id)).map((s) => s.id);
}

export interface FileFacts {
  /** The session id the file or folder is named for. */
  session: string;
  mtimeMs: number;
}

/**
 * Whether a per-session file (log, rotated log, credential folder) goes: its session is being forgotten now,
 * or no session record claims it any more (left by a crash mid-sweep, or by a session pruned before) and it
 * has not been written since the orphan cutoff.
 */
export function fileExpired(f: FileFacts, forgotten: ReadonlySet<string>, known: ReadonlySet<string>, orphanCutoff: number): boolean {
  if (forgotten.has(f.session)) return true;
  return !known.has(f.session) && f.mtimeMs < orphanCutoff;
}
