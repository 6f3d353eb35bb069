import { ImapFlow } from 'imapflow';
import type { EmailConfig } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import type { ChannelHealth } from '../channel.js';
import type { Store } from '../../store/store.js';
import { Backoff } from '../../backoff.js';
import { sleep } from '../../sleep.js';

export interface FetchedMail {
  uid: number;
  source: Buffer;
}

/** What became of a mail: `seen` marks it \Seen on the server (it was acted on); otherwise it is left alone. */
export type MailOutcome = { seen: boolean };

export interface InboxOptions {
  /** First reconnect delay; doubles up to 60 s. */
  reconnectMs?: number;
}

interface Cursor {
  uidValidity: string;
  lastUid: number;
}

/**
 * Watches the INBOX over IMAP: IDLE where the server has it (a reply is seen within a second), NOOP polling
 * every poll_interval_seconds where it has not. Every mail is handed over once, in UID order; the last UID
 * handled is stored, so after a dropped connection, a server restart or a daemon restart nothing that
 * arrived in between is missed.
 */
export class Inbox {
  readonly #cfg: EmailConfig;
  readonly #store: Store;
  readonly #onMail: (mail: FetchedMail) => Promise<MailOutcome>;
  readonly #log: Logger;
  readonly #reconnectMs: number;
  readonly #abort = new AbortController();
  readonly #key: string;
  #client: ImapFlow | null = null;
  /** The client being connected: stop() closes it too, so a server that never answers cannot hold up shutdown. */
  #connecting: ImapFlow | null = null;
  #loop: Promise<void> | null = null;
  #work: Promise<void> = Promise.resolve();
  #pending = false;
  #state: ChannelHealth = { ok: false, detail: 'connecting to the IMAP server' };

  constructor(cfg: EmailConfig, store: Store, onMail: (mail: FetchedMail) => Promise<MailOutcome>, log: Logger, options: InboxOptions = {}) {
    this.#cfg = cfg;
    this.#store = store;
    this.#onMail = onMail;
    this.#log = log;
    this.#reconnectMs = options.reconnectMs ?? 1000;
    this.#key = `email.imap.${cfg.username}@${cfg.imap_host}:${cfg.imap_port}`;
    // Mail that arrived before csm first watched this inbox cannot answer us: it is never fetched.
    if (store.getKv(`${this.#key}.since`) === null) store.setKv(`${this.#key}.since`, String(Date.now()));
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Whether replies can arrive now, in a sentence. */
  state(): ChannelHealth {
    return this.#state;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#connecting?.close();
    await this.#client?.logout().catch(() => undefined);
    this.#client?.close();
    await this.#loop;
    await this.#work;
  }

  async #run(): Promise<void> {
    const backoff = new Backoff(this.#reconnectMs, 60_000);
    let failures = 0;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const client = new ImapFlow({
        host: this.#cfg.imap_host,
        port: this.#cfg.imap_port,
        secure: this.#cfg.imap_secure,
        auth: { user: this.#cfg.username, pass: this.#cfg.password },
        logger: false,
        // IDLE right after each fetch: mail is announced only while IDLE (or on the next command).
        autoIdleDelay: 500,
        // Where the server has no IDLE, imapflow polls with NOOP at this interval instead.
        maxIdleTime: this.#cfg.poll_interval_seconds * 1000,
        missingIdleCommand: 'NOOP',
        // A server that accepts the connection and then says nothing is retried, not waited on for 90 s.
        connectionTimeout: 20_000,
        greetingTimeout: 20_000,
      });
      this.#connecting = client;
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      let connected = false;
      client.on('error', (err: Error) => this.#log.debug({ err: err.message }, 'email: IMAP connection error'));
      try {
        await client.connect();
        await client.mailboxOpen('INBOX');
        this.#connecting = null;
        this.#client = client;
        connected = true;
        const idle = client.capabilities.has('IDLE');
        this.#state = { ok: true, detail: `watching ${this.#cfg.username}'s inbox at ${this.#cfg.imap_host}:${this.#cfg.imap_port} (${idle ? 'IMAP IDLE' : `polled every ${this.#cfg.poll_interval_seconds} s`})` };
        if (failures > 0 || backoff.failing) this.#log.info({}, 'email: IMAP connection restored');
        else this.#log.info({ idle: client.capabilities.has('IDLE') }, 'email: watching the inbox');
        backoff.reset();
        failures = 0;
        client.on('exists', () => this.#kick(client));
        this.#kick(client);
        await closed;
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        const message = err instanceof Error ? err.message : String(err);
        const level = failures === 1 ? 'warn' : 'debug';
        const auth = (err as { authenticationFailed?: boolean }).authenticationFailed === true;
        this.#state = { ok: false, detail: auth ? `the IMAP server ${this.#cfg.imap_host} refused the login of ${this.#cfg.username}: check email.username and email.password` : `cannot reach the IMAP server ${this.#cfg.imap_host}:${this.#cfg.imap_port} (${message}); retrying` };
        if (auth) {
          this.#log[failures === 1 ? 'error' : 'debug']({ user: this.#cfg.username, host: this.#cfg.imap_host }, 'email: the IMAP server refused the login: check email.username and email.password (or CSM_EMAIL_PASSWORD; Gmail needs an app password); retrying with backoff');
        } else {
          this.#log[level]({ err: message, host: this.#cfg.imap_host, port: this.#cfg.imap_port }, 'email: cannot reach the IMAP server; retrying with backoff');
        }
      } finally {
        this.#client = null;
        this.#connecting = null;
        client.close();
      }
      if (signal.aborted) return;
      if (connected) this.#state = { ok: false, detail: 'the IMAP connection was lost; reconnecting' };
      const wait = backoff.next();
      if (connected) this.#log.warn({ retry_ms: wait }, 'email: IMAP connection lost; reconnecting');
      await sleep(wait, signal);
    }
  }

  /** Fetch new mail now; calls that arrive while a fetch runs merge into one more fetch. */
  #kick(client: ImapFlow): void {
    if (this.#pending) return;
    this.#pending = true;
    this.#work = this.#work.then(async () => {
      this.#pending = false;
      if (this.#client !== client || this.#abort.signal.aborted) return;
      try {
        await this.#fetchNew(client);
      } catch (err) {
        this.#log.warn({ err: err instanceof Error ? err.message : String(err) }, 'email: reading new mail failed; trying again on the next change');
      }
    });
  }

  async #fetchNew(client: ImapFlow): Promise<void> {
    const box = client.mailbox;
    if (!box) return;
    const cursor = await this.#cursor(client, String(box.uidValidity));
    // Collected first: no other IMAP command may run inside a fetch iteration.
    const found: FetchedMail[] = [];
    for await (const msg of client.fetch(`${cursor.lastUid + 1}:*`, { uid: true, source: true }, { uid: true })) {
      // "n:*" always includes the newest mail, even when its UID is below n.
      if (msg.uid > cursor.lastUid && msg.source) found.push({ uid: msg.uid, source: msg.source });
    }
    found.sort((a, b) => a.uid - b.uid);
    for (const mail of found) {
      const outcome = await this.#onMail(mail);
      if (outcome.seen) await client.messageFlagsAdd(String(mail.uid), ['\\Seen'], { uid: true });
      cursor.lastUid = mail.uid;
      this.#save(cursor);
    }
  }

  async #cursor(client: ImapFlow, uidValidity: string): Promise<Cursor> {
    const raw = this.#store.getKv(this.#key);
    const saved = raw ? (JSON.parse(raw) as Cursor) : null;
    if (saved && saved.uidValidity === uidValidity) return saved;
    // First look at this mailbox, or the server renumbered it (UIDVALIDITY changed): start from the mail that
    // arrived since csm began watching. Mails handled before are known by Message-ID and not handled again.
    const since = new Date(Number(this.#store.getKv(`${this.#key}.since`)) - 86_400_000);
    const uids = (await client.search({ since }, { uid: true })) || [];
    const cursor = { uidValidity, lastUid: uids.length > 0 ? Math.min(...uids) - 1 : Math.max(0, (client.mailbox ? client.mailbox.uidNext : 1) - 1) };
    this.#save(cursor);
    return cursor;
  }

  #save(cursor: Cursor): void {
    this.#store.setKv(this.#key, JSON.stringify(cursor));
  }
}

