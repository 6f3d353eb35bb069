import { randomBytes } from 'node:crypto';
import { jsonIds, type Store } from '../../store/store.js';

/** The channel's tables. Append-only: a shipped step is never edited (Store.migrate). */
export const EMAIL_MIGRATIONS = [
  // One unguessable token per session: it is in every Message-ID and footer we send for that session.
  `CREATE TABLE mail_sessions (session_id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, last_message_id TEXT, root_message_id TEXT)`,
  `CREATE TABLE mail_sent (message_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, sent_at INTEGER NOT NULL)`,
  // Each incoming mail is handled once, keyed by its Message-ID (or a digest when it has none).
  `CREATE TABLE mail_handled (message_id TEXT PRIMARY KEY, session_id TEXT, outcome TEXT NOT NULL, handled_at INTEGER NOT NULL)`,
  // The request (permission, dialog, question) a mail asked about: a late reply to it must not become a prompt.
  `ALTER TABLE mail_sent ADD COLUMN request_id TEXT`,
];

/** The threading headers of the next mail of a session. */
export interface MailHeaders {
  messageId: string;
  inReplyTo: string | null;
  references: string[];
}

/**
 * What the email channel remembers: each session's token and mail thread, the Message-IDs we issued (a reply
 * names them in In-Reply-To/References), and the mails already handled.
 */
export class MailThreads {
  readonly #store: Store;
  readonly #domain: string;

  constructor(store: Store, fromAddress: string) {
    store.migrate('email', EMAIL_MIGRATIONS);
    // Retention: a forgotten session's token and Message-IDs (a reply to them is then no reply to us: left
    // unread, nothing typed), and handled mails after the idempotency floor.
    store.retain('email', (db, scope) => {
      const ids = jsonIds(scope.sessions);
      let n = 0;
      for (const table of ['mail_sessions', 'mail_sent']) n += db.prepare(`DELETE FROM ${table} WHERE session_id IN (SELECT value FROM json_each(?))`).run(ids).changes;
      return n + db.prepare('DELETE FROM mail_handled WHERE session_id IN (SELECT value FROM json_each(?)) OR handled_at < ?').run(ids, scope.keysBefore).changes;
    });
    this.#store = store;
    // Message-IDs carry our own domain, as RFC 5322 asks; the token is what makes them ours.
    this.#domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(fromAddress)?.[1] ?? 'csm.localhost';
  }

  get #db(): Store['db'] {
    return this.#store.db;
  }

  tokenOf(session: string): string {
    const row = this.#db.prepare('SELECT token FROM mail_sessions WHERE session_id = ?').get(session) as { token: string } | undefined;
    if (row) return row.token;
    const token = randomBytes(12).toString('hex');
    this.#db.prepare('INSERT INTO mail_sessions (session_id, token) VALUES (?, ?)').run(session, token);
    return token;
  }

  /** The session a token belongs to, or null. */
  sessionOfToken(token: string): string | null {
    const row = this.#db.prepare('SELECT session_id FROM mail_sessions WHERE token = ?').get(token.toLowerCase()) as { session_id: string } | undefined;
    return row?.session_id ?? null;
  }

  /**
   * Allocates the next mail of a session in its thread: a fresh Message-ID holding the token, replying to the
   * session's previous mail. Called when the mail is queued, so a retried send keeps its Message-ID (a client
   * that got it twice shows it once).
   */
  next(session: string | null, requestId?: string): MailHeaders {
    const nonce = randomBytes(6).toString('hex');
    if (session === null) return { messageId: `<csm.${nonce}@${this.#domain}>`, inReplyTo: null, references: [] };
    const token = this.tokenOf(session);
    const messageId = `<csm.${session}.${token}.${nonce}@${this.#domain}>`;
    const row = this.#db.prepare('SELECT last_message_id, root_message_id FROM mail_sessions WHERE session_id = ?').get(session) as {
      last_message_id: string | null;
      root_message_id: string | null;
    };
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE mail_sessions SET last_message_id = ?, root_message_id = COALESCE(root_message_id, ?) WHERE session_id = ?').run(messageId, messageId, session);
      this.#db.prepare('INSERT INTO mail_sent (message_id, session_id, sent_at, request_id) VALUES (?, ?, ?, ?)').run(messageId, session, Date.now(), requestId ?? null);
    })();
    const references = [...new Set([row.root_message_id, row.last_message_id].filter((x): x is string => x !== null))];
    return { messageId, inReplyTo: row.last_message_id, references };
  }

  /** The sessions of those of `messageIds` that we issued, most recently sent first. */
  sessionsOfMessageIds(messageIds: readonly string[]): string[] {
    if (messageIds.length === 0) return [];
    const rows = this.#db
      .prepare(`SELECT session_id FROM mail_sent WHERE message_id IN (${messageIds.map(() => '?').join(',')}) ORDER BY sent_at DESC, rowid DESC`)
      .all(...messageIds) as { session_id: string }[];
    return [...new Set(rows.map((r) => r.session_id))];
  }

  /** The request the given mail of ours asked about, if it was a request mail. */
  requestOf(messageId: string | null): { session: string; request_id: string } | null {
    if (!messageId) return null;
    const row = this.#db.prepare('SELECT session_id, request_id FROM mail_sent WHERE message_id = ?').get(messageId) as { session_id: string; request_id: string | null } | undefined;
    return row?.request_id ? { session: row.session_id, request_id: row.request_id } : null;
  }

  isHandled(messageId: string): boolean {
    return this.#db.prepare('SELECT 1 FROM mail_handled WHERE message_id = ?').get(messageId) !== undefined;
  }

  markHandled(messageId: string, session: string | null, outcome: string): void {
    this.#db
      .prepare('INSERT INTO mail_handled (message_id, session_id, outcome, handled_at) VALUES (?, ?, ?, ?) ON CONFLICT(message_id) DO NOTHING')
      .run(messageId, session, outcome, Date.now());
  }
}
