import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';

/**
 * A private, real Dovecot IMAP server for tests (see /work/shared/dovecot-for-tests.md): its own temp
 * dir, config, loopback port and Maildirs; any user name logs in with `password`, so each test can use
 * its own mailbox via `user()`. Needs root (the machine's test runner is root) because Dovecot's master
 * switches to the `nobody` user to touch mail.
 */
export interface Dovecot {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly password: string;
  /** The temp dir holding config, log, run/state dirs and the users' homes. */
  readonly dir: string;
  /** Who owns the mail files (nobody when the tests run as root, else the test user): for writing into a Maildir. */
  readonly mailOwner: MailOwner;
  /** A fresh, unique user name (an empty mailbox). */
  user(name?: string): string;
  /** IMAP APPEND to the user's INBOX; returns the new message's UID. */
  append(user: string, raw: string | Buffer, flags?: string[]): Promise<number>;
  /** The user's INBOX, oldest first, read with EXAMINE so looking changes nothing; flags omit \Recent. */
  messages(user: string): Promise<DovecotMessage[]>;
  /**
   * SIGTERMs every process of this instance, open IMAP sessions included (they get `* BYE Server
   * shutting down.`), and waits until all are gone, so the port refuses connections. Idempotent; mail is kept.
   */
  stop(): Promise<void>;
  /** Same as stop(): read as the first half of an outage a test controls with up(). */
  down(): Promise<void>;
  /** Starts the server again on the same port with the same mail and waits for its greeting; idempotent. */
  up(): Promise<void>;
  restart(): Promise<void>;
  /** stop() and remove the temp dir. */
  close(): Promise<void>;
  /** Dovecot's log file (plus anything it printed before the log file was open). */
  logs(): string;
}

export interface DovecotMessage {
  uid: number;
  flags: string[];
  messageId?: string;
  subject?: string;
}

export interface MailOwner {
  user: string;
  group: string;
  uid: number;
  gid: number;
}

export interface DovecotOptions {
  port?: number;
  /** How long start-up may take before it is reported as failed. */
  readyTimeoutMs?: number;
  /** Leave IDLE out of the announced capabilities, like servers that only support polling. */
  withoutIdle?: boolean;
}

const HOST = '127.0.0.1';
const PASSWORD = 'secret';
const DOVECOT = '/usr/sbin/dovecot';
// A Dovecot master started with -F still outlives a SIGKILLed test worker; the parent-death signal
// takes it down with the worker. setpriv is util-linux, so it is nearly always there.
const SETPRIV = '/usr/bin/setpriv';

/** Process groups of running instances, so a test that forgets close() does not leak a server. */
const live = new Set<number>();
process.once('exit', () => {
  for (const pgid of live) signalGroup(pgid, 'SIGTERM');
});

export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  if (!existsSync(DOVECOT)) throw new Error(`${DOVECOT} not found (apt-get install -y dovecot-imapd)`);
  const dir = await mkdtemp(join(tmpdir(), 'csm-dovecot-'));
  // mkdtemp makes the dir 0700; the mail processes run as nobody and must traverse it to reach homes.
  await chmod(dir, 0o755);
  const server = new DovecotServer(dir, opts.port ?? (await freePort()), opts.readyTimeoutMs ?? 20_000, opts.withoutIdle ?? false, await mailOwner());
  try {
    await server.init();
    await server.up();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

class DovecotServer implements Dovecot {
  readonly host = HOST;
  readonly password = PASSWORD;
  /** The master's pid, which is also the process group of every Dovecot process of this instance. */
  #pgid: number | null = null;
  #exited: Promise<void> = Promise.resolve();
  #output = '';
  #userSeq = 0;
  #closed = false;
  #finalLog: string | null = null;
  // Another process could hold the port (freePort is racy, and a port left free during down() can be
  // handed out); only this greeting proves the answering server is this instance.
  readonly #greeting = `csm-dovecot-fake-${process.pid}-${Math.random().toString(36).slice(2, 10)} ready.`;

  constructor(
    readonly dir: string,
    readonly port: number,
    readonly readyTimeoutMs: number,
    readonly withoutIdle: boolean,
    readonly mailOwner: MailOwner,
  ) {}

  get #conf(): string {
    return join(this.dir, 'dovecot.conf');
  }

  get #log(): string {
    return join(this.dir, 'dovecot.log');
  }

  async init(): Promise<void> {
    for (const sub of ['run', 'state', 'home']) await mkdir(join(this.dir, sub));
    // Mail may not be delivered as uid 0: as root, the userdb runs every user as nobody, who creates homes here.
    if (process.getuid?.() === 0) await chown(join(this.dir, 'home'), this.mailOwner.uid, this.mailOwner.gid);
    await writeFile(this.#conf, config(this.dir, this.port, this.#greeting, this.withoutIdle, this.mailOwner));
  }

  user(name = 'user'): string {
    const safe = name.toLowerCase().replace(/[^a-z0-9._-]/g, '-') || 'user';
    return `${safe}-${++this.#userSeq}-${Math.random().toString(36).slice(2, 8)}`;
  }

  async append(user: string, raw: string | Buffer, flags: string[] = []): Promise<number> {
    return this.#withClient(user, async (client) => {
      const res = await client.append('INBOX', raw, flags);
      // Dovecot announces UIDPLUS, so a missing UID means the APPEND itself failed.
      if (!res || res.uid === undefined) throw new Error(`APPEND for ${user} returned no UID\n${this.#tail()}`);
      return res.uid;
    });
  }

  async messages(user: string): Promise<DovecotMessage[]> {
    return this.#withClient(user, async (client) => {
      const box = await client.mailboxOpen('INBOX', { readOnly: true });
      if (box.exists === 0) return [];
      const fetched = await client.fetchAll('1:*', { uid: true, flags: true, envelope: true });
      return fetched
        .map((m) => ({
          uid: m.uid,
          // \Recent depends on which session saw the message first, so it would make assertions flaky.
          flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
          ...(m.envelope?.messageId ? { messageId: m.envelope.messageId } : {}),
          ...(m.envelope?.subject !== undefined ? { subject: m.envelope.subject } : {}),
        }))
        .sort((a, b) => a.uid - b.uid);
    });
  }

  async up(): Promise<void> {
    if (this.#closed) throw new Error('Dovecot fake is closed');
    if (this.#pgid !== null) return;
    this.#output = '';
    const args = ['-F', '-c', this.#conf];
    const [cmd, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGTERM', DOVECOT, ...args]] : [DOVECOT, args];
    // Own process group, so stop() can end the sessions too (as systemd does): signalled through the
    // master alone, a connected IMAP process outlives it by ~10 s and keeps serving its client.
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (chunk: Buffer): void => {
      this.#output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let exitInfo: string | null = null;
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        resolve();
      });
      child.once('error', (err) => {
        exitInfo = `spawn error: ${err.message}`;
        resolve();
      });
    });
    if (child.pid === undefined) {
      await this.#exited;
      throw new Error(`could not start ${DOVECOT}: ${exitInfo}`);
    }
    this.#pgid = child.pid;
    live.add(child.pid);

    const deadline = Date.now() + this.readyTimeoutMs;
    while (!(await greeted(this.port, this.#greeting))) {
      if (exitInfo || Date.now() > deadline) {
        const why = exitInfo ? `exited during start-up (${exitInfo})` : `did not greet within ${this.readyTimeoutMs} ms`;
        const tail = this.#tail();
        await this.stop();
        throw new Error(`dovecot on ${HOST}:${this.port} ${why}\n${tail}`);
      }
      await delay(50);
    }
  }

  async stop(): Promise<void> {
    const pgid = this.#pgid;
    if (pgid === null) return;
    signalGroup(pgid, 'SIGTERM');
    // The master takes about a second to wind down; the group is empty once every session is gone.
    const deadline = Date.now() + 10_000;
    while (groupAlive(pgid) && Date.now() < deadline) await delay(50);
    if (groupAlive(pgid)) {
      signalGroup(pgid, 'SIGKILL');
      while (groupAlive(pgid)) await delay(50);
    }
    await this.#exited;
    live.delete(pgid);
    this.#pgid = null;
  }

  down(): Promise<void> {
    return this.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.up();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.stop();
    this.#closed = true;
    // Keep the log readable for failure messages written after teardown.
    this.#finalLog = this.logs();
    await rm(this.dir, { recursive: true, force: true });
  }

  logs(): string {
    if (this.#finalLog !== null) return this.#finalLog;
    let log = '';
    try {
      // Synchronous on purpose: logs() is used while building error messages.
      log = readFileSync(this.#log, 'utf8');
    } catch {
      /* no log file yet */
    }
    return this.#output ? `${log}${log.endsWith('\n') || !log ? '' : '\n'}[dovecot output]\n${this.#output}` : log;
  }

  #tail(lines = 40): string {
    const all = this.logs().trimEnd().split('\n');
    return `--- dovecot log (${this.#log}), last ${Math.min(lines, all.length)} lines ---\n${all.slice(-lines).join('\n')}`;
  }

  async #withClient<T>(user: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: HOST,
      port: this.port,
      secure: false,
      auth: { user, pass: PASSWORD },
      logger: false,
      disableAutoIdle: true,
    });
    // Without a listener a dropped connection would be an unhandled 'error' event that kills the worker.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`IMAP login as ${user} on ${HOST}:${this.port} failed: ${(err as Error).message}\n${this.#tail()}`);
    }
    try {
      return await fn(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }
}

function config(dir: string, port: number, greeting: string, withoutIdle: boolean, owner: MailOwner): string {
  // Not root: every Dovecot process runs as the test user, which Dovecot allows when told so.
  const unprivileged = process.getuid?.() !== 0 ? `default_internal_user = ${owner.user}\ndefault_internal_group = ${owner.group}\ndefault_login_user = ${owner.user}\n` : '';
  return `# Written by test/fakes/dovecot.ts; nothing here touches the system's /etc/dovecot or /var.
protocols = imap
listen = ${HOST}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
login_greeting = ${greeting}
${unprivileged}${withoutIdle ? 'imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS\n' : ''}# Tests open several connections per user (IDLE watcher, appender, inspector); the default is 10.
mail_max_userip_connections = 100
passdb {
  driver = static
  args = password=${PASSWORD}
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`;
}

/** A port the kernel just handed out; another process could take it before Dovecot binds, but rarely does. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, HOST, resolve);
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * True once this instance greets. A bare `* OK` is not enough: Dovecot first sends `* OK Waiting for
 * authentication process to respond..` when its auth process is slow, and logins fail until then.
 */
function greeted(port: number, greeting: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, HOST);
    let buf = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 3_000);
    sock.on('data', (chunk) => {
      buf += chunk.toString();
      for (const line of buf.split('\r\n').slice(0, -1)) {
        if (line.startsWith('* OK') && line.includes(greeting)) return done(true);
      }
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Whether any live process is left in the group. Zombies do not count: once the master has exited, its
 * dead children belong to PID 1, which on these containers can take seconds to reap them.
 */
function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

/** nobody:nogroup as root (Dovecot refuses uid 0 for mail); otherwise the user running the tests. */
async function mailOwner(): Promise<MailOwner> {
  const passwd = (await readFile('/etc/passwd', 'utf8')).split('\n').map((l) => l.split(':'));
  const groups = (await readFile('/etc/group', 'utf8')).split('\n').map((l) => l.split(':'));
  if (process.getuid?.() === 0) {
    const uid = Number(passwd.find((f) => f[0] === 'nobody')?.[2]);
    const gid = Number(groups.find((f) => f[0] === 'nogroup')?.[2]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('no nobody user or nogroup group on this machine');
    return { user: 'nobody', group: 'nogroup', uid, gid };
  }
  const uid = process.getuid!();
  const gid = process.getgid!();
  const user = passwd.find((f) => Number(f[2]) === uid)?.[0] ?? String(uid);
  const group = groups.find((f) => Number(f[2]) === gid)?.[0] ?? String(gid);
  return { user, group, uid, gid };
}
