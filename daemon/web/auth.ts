import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';

export interface WebLogin {
  /** The cookie's value: shown to the browser once, kept here only as a hash. */
  cookie: string;
  csrf: string;
  expiresAt: number;
}

export interface WebSession {
  csrf: string;
  expiresAt: number;
}

export interface WebAuthOptions {
  sessionMs: number;
  linkMs: number;
  now?: () => number;
}

/** Login links not yet used at once, at most: `csm web` run in a loop must not grow memory. */
const MAX_LINKS = 20;

const hash = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const secret = (): string => randomBytes(32).toString('base64url');

/**
 * The dashboard's logins. `csm web` asks for a one-time link (its secret lives in memory only, for a few
 * minutes); the browser exchanges it once for a session cookie and a CSRF token. Sessions are kept in the
 * database as hashes, so they survive a restart and a leaked database holds no usable cookie; `csm web
 * --revoke` deletes them all.
 */
export class WebAuth {
  readonly #db: Store['db'];
  readonly #o: Required<WebAuthOptions>;
  readonly #links = new Map<string, number>();
  readonly #revoked = new Set<() => void>();

  constructor(store: Store, o: WebAuthOptions) {
    this.#db = store.db;
    this.#o = { now: Date.now, ...o };
    store.migrate('web', [
      `CREATE TABLE web_sessions (id_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
    ]);
  }

  /** A new one-time login secret. */
  issueLink(): { token: string; expiresAt: number } {
    const now = this.#o.now();
    for (const [h, until] of this.#links) if (until <= now) this.#links.delete(h);
    while (this.#links.size >= MAX_LINKS) this.#links.delete(this.#links.keys().next().value!);
    const token = secret();
    const expiresAt = now + this.#o.linkMs;
    this.#links.set(hash(token), expiresAt);
    return { token, expiresAt };
  }

  /** Uses up a login secret: a session, or null when it is unknown, used before or expired. */
  exchange(token: string): WebLogin | null {
    const h = hash(token);
    const until = this.#links.get(h);
    this.#links.delete(h);
    const now = this.#o.now();
    if (until === undefined || until <= now) return null;
    const login = { cookie: secret(), csrf: secret(), expiresAt: now + this.#o.sessionMs };
    this.#db.prepare('DELETE FROM web_sessions WHERE expires_at <= ?').run(now);
    this.#db.prepare('INSERT INTO web_sessions (id_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)').run(hash(login.cookie), login.csrf, now, login.expiresAt);
    return login;
  }

  /** The session a cookie belongs to, or null (unknown, revoked or expired). */
  session(cookie: string | undefined): WebSession | null {
    if (!cookie) return null;
    const row = this.#db.prepare('SELECT csrf, expires_at FROM web_sessions WHERE id_hash = ?').get(hash(cookie)) as { csrf: string; expires_at: number } | undefined;
    if (!row || row.expires_at <= this.#o.now()) return null;
    return { csrf: row.csrf, expiresAt: row.expires_at };
  }

  /** Whether `given` is the session's CSRF token (compared in constant time). */
  static csrfMatches(session: WebSession, given: string | undefined): boolean {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  logout(cookie: string): void {
    this.#db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(hash(cookie));
  }

  /** Ends every browser session and unused link; open dashboards are told (see onRevoke). Returns how many sessions ended. */
  revokeAll(): number {
    this.#links.clear();
    const n = this.#db.prepare('DELETE FROM web_sessions').run().changes;
    for (const listener of this.#revoked) listener();
    return n;
  }

  onRevoke(listener: () => void): () => void {
    this.#revoked.add(listener);
    return () => this.#revoked.delete(listener);
  }
}
