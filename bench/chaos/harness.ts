/**
 * The chaos run (issue 14): the real daemon, real tmux, the fake Bot API, a real Dovecot and SMTP sink, and
 * for `durationMs` at once: sessions started and finished, Telegram replies and button taps, email replies,
 * notifications, 30% of Bot API calls failing, the IMAP server dropped, SMTP refusing, and the daemon
 * SIGKILLed at random moments and restarted. Then it waits (bounded) until everything has settled and
 * checks the ledger: every reply typed exactly once into its own session, every notification delivered
 * exactly once, every live session adopted. Seeded: the same seed replays the same schedule.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { FakeTelegramBotApi, type FakeMessage } from '../../test/fakes/telegram-bot-api.js';
import { startDaemon, type DaemonHandle } from '../../test/helpers/daemon.js';
import type { Received } from '../../test/fakes/smtp-sink.js';
import { gmailReply, startMailStack, type MailStack } from '../../test/helpers/mail.js';
import { telegramConfig, textOf } from '../../test/helpers/telegram.js';
import { Ledger, verify, type Observed, type PermEntry, type Verdict } from './ledger.js';
import { mulberry32, type Rand } from '../../test/helpers/random.js';

const ROOT = join(import.meta.dirname, '..', '..');
const STAND_IN = join(ROOT, 'test/fixtures/bin/chaos-claude');
const HOOK = join(ROOT, 'hooks/csm-hook.sh');

export interface ChaosOptions {
  durationMs: number;
  seed: number;
  /** SIGKILLs at least this many times (more for long runs: one per ~15 s). */
  minKills: number;
  /** How long the end may take to settle before what is missing counts as lost. */
  settleTimeoutMs?: number;
  print?: (line: string) => void;
}

export interface ChaosReport extends Verdict {
  seed: number;
  durationMs: number;
  kills: number;
  sessionsStarted: number;
  sessionsFinished: number;
  replies: { telegram: number; email: number; taps: number };
  notifications: { telegram: number; email: number; ambiguous: number };
  faults: { botApiFailed: number; botApiCalls: number; imapDrops: number; smtpOutages: number };
  /** Bot API calls by method, the whole run. */
  botApiMethods: Record<string, number>;
  notAdopted: string[];
  settledMs: number;
  settled: boolean;
  /** Log lines of the daemon that mention what went wrong (empty when nothing did). */
  evidence: string[];
  /** Where the daemon's log, the stand-ins' records and the chat were kept, when something went wrong. */
  kept?: string;
}

/** Keeps what a failed run leaves behind (the temp dirs are removed): the daemon's whole log, the records, the chat. */
function keep(seed: number, d: DaemonHandle, outDir: string, tg: FakeTelegramBotApi): string {
  const dir = mkdtempSync(join(tmpdir(), `csm-chaos-seed-${seed}-`));
  writeFileSync(join(dir, 'daemon.log'), d.logs());
  cpSync(outDir, join(dir, 'records'), { recursive: true });
  writeFileSync(join(dir, 'chat.json'), JSON.stringify(tg.chatMessages(), null, 1));
  return dir;
}

interface Session {
  id: string;
  dir: string;
  finished: boolean;
  /** A permission is being asked: no text goes in until it is decided. */
  perm: string | null;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const print = o.print ?? (() => undefined);
  const rand = mulberry32(o.seed);
  const work = mkdtempSync(join(tmpdir(), 'csm-chaos-'));
  const outDir = join(work, 'records');
  mkdirSync(outDir);
  const tg = await FakeTelegramBotApi.start();
  const mail = await startMailStack();
  let d: DaemonHandle | null = null;
  try {
    d = await startDaemon({
      claudeBin: STAND_IN,
      claudeEnv: { CSM_TEST_OUT_DIR: outDir, CSM_TEST_HOOK: HOOK },
      config: { telegram: telegramConfig(tg), email: mail.config, sessions: {} },
    });
    // A test runner that gives up on the run (its timeout) ends this process without cleanup: take the
    // daemon and its tmux server along rather than leave them running.
    const handle = d;
    const orphans = (): void => {
      const pid = handle.pid();
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      spawnSync('tmux', ['-L', handle.socketName, 'kill-server']);
    };
    process.once('exit', orphans);
    const report = await new Run(o, rand, d, tg, mail, work, outDir, print).go().finally(() => process.off('exit', orphans));
    if (!clean(report)) report.kept = keep(o.seed, d, outDir, tg);
    return report;
  } finally {
    await d?.cleanup();
    await tg.close();
    await mail.close();
    rmSync(work, { recursive: true, force: true });
  }
}

class Run {
  readonly ledger = new Ledger();
  readonly sessions = new Map<string, Session>();
  /** tmux sessions the harness ended (they must be dead in the daemon). */
  readonly ended = new Set<string>();
  /** Tap loops of permissions still being asked; they run on while the end settles. */
  readonly tapping: Promise<void>[] = [];
  stopTapping = false;
  daemonUp = true;
  imapUp = true;
  kills = 0;
  started = 0;
  imapDrops = 0;
  smtpOutages = 0;
  taps = 0;
  readonly t0 = Date.now();

  constructor(
    readonly o: ChaosOptions,
    readonly rand: Rand,
    readonly d: DaemonHandle,
    readonly tg: FakeTelegramBotApi,
    readonly mail: MailStack,
    readonly work: string,
    readonly outDir: string,
    readonly print: (line: string) => void,
  ) {}

  async go(): Promise<ChaosReport> {
    const { o, tg } = this;
    tg.failRate(0.3, { seed: o.seed, kinds: ['500', '429', '500'], retryAfter: 1 });
    const callsBefore = tg.calls.length;
    this.print(`chaos: seed ${o.seed}, ${Math.round(o.durationMs / 1000)} s, replay with CHAOS_SEED=${o.seed}`);
    const until = this.t0 + o.durationMs;
    // Each actor runs on its own generator drawn from the seed, so one actor's timing does not reshuffle another's.
    const fork = (): Rand => mulberry32(Math.floor(this.rand() * 2 ** 32));
    await Promise.all([
      this.killer(fork()),
      this.sessionsActor(fork(), until),
      this.telegramReplier(fork(), until),
      this.emailReplier(fork(), until),
      this.notifier(fork(), until),
      this.permissions(fork(), until),
      this.mailFaults(fork(), until),
    ]);
    // The end: faults off, then wait for everything in flight to land.
    tg.resetFaults();
    await this.mail.smtp.up();
    await this.mail.dovecot.up();
    this.imapUp = true;
    const faulted = tg.calls.slice(callsBefore).filter((c) => c.fault).length;
    const calls = tg.calls.length - callsBefore;
    const settleStart = Date.now();
    const settled = await this.settle(o.settleTimeoutMs ?? 120_000);
    this.stopTapping = true;
    await Promise.all(this.tapping);
    const settledMs = Date.now() - settleStart;
    const seen = this.observe();
    const verdict = verify(this.ledger, seen);
    const notAdopted = await this.adoption();
    const report: ChaosReport = {
      ...verdict,
      seed: o.seed, durationMs: o.durationMs, kills: this.kills,
      sessionsStarted: this.started, sessionsFinished: this.ended.size,
      replies: {
        telegram: this.ledger.replies.filter((r) => r.via === 'telegram').length,
        email: this.ledger.replies.filter((r) => r.via === 'email').length,
        taps: this.taps,
      },
      notifications: {
        telegram: this.ledger.notifies.filter((n) => n.channel === 'telegram').length,
        email: this.ledger.notifies.filter((n) => n.channel === 'email').length,
        ambiguous: this.ledger.notifies.filter((n) => !n.accepted).length,
      },
      faults: { botApiFailed: faulted, botApiCalls: calls, imapDrops: this.imapDrops, smtpOutages: this.smtpOutages },
      botApiMethods: Object.fromEntries([...new Set(tg.calls.map((c) => c.method))].map((m) => [m, tg.calls.filter((c) => c.method === m).length])),
      notAdopted, settledMs, settled, evidence: [],
    };
    report.evidence = this.evidence(report);
    return report;
  }

  // ---- actors ------------------------------------------------------------------------------

  /** SIGKILLs the daemon at a random moment in each of `n` equal slots, down for up to 1.5 s. */
  async killer(r: Rand): Promise<void> {
    const n = Math.max(this.o.minKills, Math.round(this.o.durationMs / 15_000));
    const slot = this.o.durationMs / n;
    for (let i = 0; i < n; i++) {
      const at = this.t0 + i * slot + (0.1 + 0.8 * r()) * slot;
      // A slow restart on a loaded machine can use up the next slot: that kill then comes at once.
      await delay(Math.max(0, at - Date.now()));
      this.daemonUp = false;
      await this.d.stop('SIGKILL');
      this.kills++;
      await delay(r() * 1500);
      await this.restartDaemon();
      this.daemonUp = true;
    }
  }

  async restartDaemon(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.d.restart();
        return;
      } catch (err) {
        if (attempt >= 3) throw new Error(`the daemon did not start again after kill ${this.kills}: ${(err as Error).message}`);
      }
    }
  }

  /** Keeps 2 to 5 sessions: starts one, or finishes one with nothing in flight (killed by the API, or its tmux session ended). */
  async sessionsActor(r: Rand, until: number): Promise<void> {
    while (Date.now() < until) {
      const live = this.live();
      const start = live.length < 2 || (live.length < 5 && r() < 0.6);
      if (start) await this.startSession();
      else {
        const records = this.records();
        const idle = live.filter((s) => !s.perm && this.ledger.outstanding(s.id, records).length === 0);
        const s = idle[Math.floor(r() * idle.length)];
        if (s) await this.finishSession(s, r() < 0.5 ? 'api' : 'tmux');
      }
      await delay(2500 + r() * 3500);
    }
  }

  async startSession(): Promise<void> {
    const dir = mkdtempSync(join(this.work, 'project-'));
    const res = await this.d.api<{ session_id?: string }>('POST', '/session/new', { cwd: dir }).catch(() => null);
    // A request that died with the daemon may still have started one: the adoption check reads tmux itself.
    if (!res || res.status !== 200 || !res.body.session_id) return;
    this.started++;
    this.sessions.set(res.body.session_id, { id: res.body.session_id, dir, finished: false, perm: null });
  }

  async finishSession(s: Session, how: 'api' | 'tmux'): Promise<void> {
    s.finished = true;
    if (how === 'api') {
      const res = await this.d.api('POST', `/session/${s.id}/kill`).catch(() => null);
      if (res?.status === 200) {
        this.ended.add(s.id);
        return;
      }
    }
    // The program ended by itself (or the kill request died with the daemon): the tmux session is gone.
    await execa('tmux', ['-L', this.d.socketName, 'kill-session', '-t', `=claude-${s.id}`], { reject: false });
    this.ended.add(s.id);
  }

  /** Replies in a session's thread, a few a second across sessions. */
  async telegramReplier(r: Rand, until: number): Promise<void> {
    const texts = [`it's "quoted"`, '$(touch /tmp/chaos-pwned) `id`', 'unicode ☃ — ünïcode', 'a; b && c | d', '-n leading dash'];
    while (Date.now() < until) {
      const s = this.pick(r, (x) => !x.perm && this.rootOf(x.id) !== undefined);
      if (s) {
        const marker = this.ledger.marker('tg');
        const text = `${marker} ${texts[Math.floor(r() * texts.length)]}`;
        this.ledger.reply({ marker, session: s.id, via: 'telegram', text });
        this.tg.userSends({ text, replyTo: this.rootOf(s.id)!.message_id });
      }
      await delay(1200 + r() * 2400);
    }
  }

  /** Replies to the session's latest mail, appended to the real inbox while Dovecot is up. */
  async emailReplier(r: Rand, until: number): Promise<void> {
    while (Date.now() < until) {
      await delay(2500 + r() * 3500);
      if (!this.imapUp) continue;
      const s = this.pick(r, (x) => !x.perm && this.lastMailOf(x.id) !== undefined);
      if (!s) continue;
      const marker = this.ledger.marker('em');
      const text = `${marker} reply by mail`;
      const raw = gmailReply(this.lastMailOf(s.id)!, text);
      try {
        await this.mail.dovecot.append(this.mail.mailbox, raw);
        this.ledger.reply({ marker, session: s.id, via: 'email', text });
      } catch {
        // Dovecot went down between the check and the APPEND: the mail is not in the inbox, nobody owes it.
      }
    }
  }

  /** POST /notify with a marker, to Telegram or email; a session's first mail opens its email thread. */
  async notifier(r: Rand, until: number): Promise<void> {
    while (Date.now() < until) {
      const threadless = this.live().find((x) => this.lastMailOf(x.id) === undefined && !this.ledger.notifies.some((n) => n.channel === 'email' && n.accepted && n.session === x.id));
      const channel = threadless || r() < 0.3 ? 'email' : 'telegram';
      const s = threadless ?? (r() < 0.7 ? this.pick(r, () => true) : undefined);
      const marker = this.ledger.marker('N');
      const res = await this.d
        .api('POST', '/notify', { message: `chaos notification ${marker}`, channel, ...(channel === 'email' ? { subject: 'chaos' } : {}), ...(s ? { session_id: s.id } : {}) })
        .catch((err: Error) => (refused(err) ? 'refused' as const : null));
      // Refused: nothing reached the daemon, so nothing is owed.
      if (res === 'refused') {
        await delay(200);
        continue;
      }
      // 202: it must arrive exactly once. No answer: the daemon died with the request; at most once.
      if (res && res.status !== 202) throw new Error(`POST /notify answered ${res.status}: ${JSON.stringify(res.body)}`);
      this.ledger.notifies.push({ marker, channel, accepted: res !== null, ...(s ? { session: s.id } : {}) });
      await delay(1500 + r() * 2500);
    }
  }

  /** Now and then a session asks a permission; the owner taps Allow or Deny (again, when a kill lost the request). */
  async permissions(r: Rand, until: number): Promise<void> {
    while (Date.now() < until) {
      await delay(3000 + r() * 4000);
      const records = this.records();
      const s = this.pick(r, (x) => !x.perm && this.rootOf(x.id) !== undefined && this.ledger.outstanding(x.id, records).length === 0);
      if (!s) continue;
      const marker = this.ledger.marker('P');
      s.perm = marker;
      const entry: PermEntry = { marker, session: s.id, taps: [] };
      this.ledger.perms.push(entry);
      const text = `perm ${marker}`;
      this.ledger.reply({ marker, session: s.id, via: 'perm', text });
      this.tg.userSends({ text, replyTo: this.rootOf(s.id)!.message_id });
      this.tapping.push(this.tapUntilDecided(r, s, entry));
    }
  }

  /** Taps Allow or Deny on the newest request message for `entry` until the stand-in records a decision. */
  async tapUntilDecided(r: Rand, s: Session, entry: PermEntry): Promise<void> {
    const tapped = new Set<number>();
    while (!this.stopTapping && !this.decided(s.id, entry.marker)) {
      const m = this.tg.botMessages().filter((x) => textOf(x).includes(entry.marker) && !tapped.has(x.message_id) && buttonData(x, 'Allow')).at(-1);
      if (m) {
        const choice = r() < 0.7 ? 'allow' : 'deny';
        tapped.add(m.message_id);
        entry.taps.push(choice);
        this.taps++;
        this.tg.userTaps(m.message_id, buttonData(m, choice === 'allow' ? 'Allow' : 'Deny')!);
      }
      await delay(200);
    }
    s.perm = null;
  }

  /** Drops the IMAP server now and then, and makes SMTP refuse (connections, then a 4xx after DATA). */
  async mailFaults(r: Rand, until: number): Promise<void> {
    const period = Math.min(20_000, this.o.durationMs / 2);
    while (Date.now() + 3000 < until) {
      await delay(period * (0.2 + 0.6 * r()));
      if (Date.now() + 3000 > until) break;
      if (r() < 0.5) {
        this.imapUp = false;
        await this.mail.dovecot.down();
        this.imapDrops++;
        await delay(1000 + r() * 3000);
        await this.mail.dovecot.up();
        this.imapUp = true;
      } else {
        await this.mail.smtp.down();
        this.smtpOutages++;
        await delay(2000 + r() * 4000);
        await this.mail.smtp.up();
        this.mail.smtp.failNext(1 + Math.floor(r() * 2));
      }
    }
  }

  // ---- the end -----------------------------------------------------------------------------

  /** Waits until every reply and decision is recorded, every accepted notification delivered, and nothing is left in flight. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let told = Date.now();
    while (Date.now() < deadline) {
      const waiting = await this.waitingFor();
      if (waiting.length === 0) return true;
      if (Date.now() - told > 10_000) {
        this.print(`settling: waiting for ${waiting.join(', ')}`);
        told = Date.now();
      }
      await delay(250);
    }
    return false;
  }

  /** What has not landed yet: empty once everything has settled. */
  async waitingFor(): Promise<string[]> {
    const out: string[] = [];
    const records = this.records();
    const replies = [...this.sessions.values()].flatMap((s) => this.ledger.outstanding(s.id, records));
    if (replies.length > 0) out.push(`${replies.length} replies (${replies.slice(0, 3).map((r) => r.marker).join(' ')})`);
    const perms = this.ledger.perms.filter((p) => !this.decided(p.session, p.marker));
    if (perms.length > 0) out.push(`${perms.length} permission decisions`);
    const seen = this.observe();
    const notes = this.ledger.notifies.filter((n) => n.accepted && !(n.channel === 'telegram' ? seen.botTexts : seen.mailBodies).some((t) => t.includes(n.marker)));
    if (notes.length > 0) out.push(`${notes.length} notifications (${notes.slice(0, 3).map((n) => `${n.marker}/${n.channel}`).join(' ')})`);
    const updates = this.tg.pendingUpdates().length;
    if (updates > 0) out.push(`${updates} Telegram updates not confirmed`);
    const outbox = this.outboxSize();
    if (outbox > 0) out.push(`${outbox} in the outbox`);
    const inbox = await this.mail.dovecot.messages(this.mail.mailbox).catch(() => null);
    const unread = inbox ? inbox.filter((m) => !m.flags.includes('\\Seen')).length : -1;
    if (unread !== 0) out.push(unread < 0 ? 'the inbox (unreadable)' : `${unread} unread mails`);
    return out;
  }

  outboxSize(): number {
    const db = new Database(join(this.d.home, 'csm.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
    } catch {
      return 1;
    } finally {
      db.close();
    }
  }

  /** Sessions running in tmux that the daemon does not hold as live, and sessions ended that it still does. */
  async adoption(): Promise<string[]> {
    const ls = await execa('tmux', ['-L', this.d.socketName, 'list-sessions', '-F', '#{session_name}'], { reject: false });
    const inTmux = ls.stdout.split('\n').filter((n) => /^claude-[0-9a-f]{4}$/.test(n)).map((n) => n.slice('claude-'.length));
    const problems: string[] = [];
    for (const id of inTmux) {
      const res = await this.d.api<{ status?: string }>('GET', `/session/${id}`);
      if (res.status !== 200 || res.body.status === 'dead') problems.push(`${id} runs in tmux but the daemon has it as ${res.status === 200 ? res.body.status : res.status}`);
    }
    for (const id of this.ended) {
      const res = await this.d.api<{ status?: string }>('GET', `/session/${id}`);
      if (res.body.status !== 'dead') problems.push(`${id} was ended but the daemon has it as ${res.body.status}`);
    }
    return problems;
  }

  evidence(v: Verdict): string[] {
    const bad = [...v.duplicates, ...v.lost, ...v.misrouted, ...v.unexpected];
    const markers = new Set(bad.flatMap((b) => b.match(/\b(?:tg|em|N|P)-\d{5}\b/g) ?? []));
    const ids = new Set(bad.flatMap((b) => b.match(/\b[0-9a-f]{4}\b/g) ?? []));
    return this.d
      .logs()
      .split('\n')
      .filter((l) => [...markers].some((m) => l.includes(m)) || (markers.size === 0 && [...ids].some((id) => l.includes(`"session":"${id}"`)) && /"level":(40|50)/.test(l)))
      .slice(-60);
  }

  // ---- reading the world -------------------------------------------------------------------

  live(): Session[] {
    return [...this.sessions.values()].filter((s) => !s.finished);
  }

  pick(r: Rand, pred: (s: Session) => boolean): Session | undefined {
    const candidates = this.live().filter(pred);
    return candidates[Math.floor(r() * candidates.length)];
  }

  rootOf(id: string): FakeMessage | undefined {
    return this.tg.botMessages().find((m) => textOf(m).startsWith(`🚀 Session ${id} started`));
  }

  lastMailOf(id: string): Received | undefined {
    return this.mail.smtp.messages.filter((m) => (m.parsed.subject ?? '').includes(`[claude-${id}]`)).at(-1);
  }

  decided(session: string, marker: string): boolean {
    return (this.records().get(session) ?? []).some((l) => l.startsWith(`PERM ${marker} `));
  }

  records(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const f of readdirSync(this.outDir)) {
      if (!f.endsWith('.txt')) continue;
      const text = readFileSync(join(this.outDir, f), 'utf8');
      out.set(f.slice(0, -4), text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1));
    }
    return out;
  }

  observe(): Observed {
    return {
      records: this.records(),
      botTexts: this.tg.botMessages().map(textOf),
      // One mail per Message-ID: a daemon killed between the SMTP server's OK and its own record sends the mail
      // again with the same Message-ID (SMTP has no exactly-once), which a mail client shows once.
      mailBodies: [...new Map(this.mail.smtp.messages.map((m) => [m.parsed.messageId ?? m.parsed.text, m.parsed.text ?? ''])).values()],
    };
  }
}

/** The connection was refused: the request never reached the daemon (down between a kill and its restart). */
function refused(err: Error): boolean {
  return (err.cause as { code?: string } | undefined)?.code === 'ECONNREFUSED';
}

function buttonData(m: FakeMessage, label: string): string | undefined {
  return m.reply_markup?.inline_keyboard.flat().find((b) => b.text === label)?.callback_data;
}

/** The figures, one line each, as `npm run chaos` prints them. */
export function formatReport(r: ChaosReport): string[] {
  const lines = [
    `seed ${r.seed} · ${Math.round(r.durationMs / 1000)} s · kills survived ${r.kills}`,
    `sessions started ${r.sessionsStarted}, finished ${r.sessionsFinished}`,
    `replies: Telegram ${r.replies.telegram}, email ${r.replies.email}, button taps ${r.replies.taps}`,
    `notifications: Telegram ${r.notifications.telegram}, email ${r.notifications.email} (${r.notifications.ambiguous} sent while the daemon died, ${r.ambiguousDelivered} of them delivered)`,
    `faults: ${r.faults.botApiFailed} of ${r.faults.botApiCalls} Bot API calls failed, IMAP dropped ${r.faults.imapDrops}×, SMTP refused ${r.faults.smtpOutages}×`,
    `Bot API calls: ${Object.entries(r.botApiMethods).map(([m, n]) => `${m} ${n}`).join(', ')}`,
    `settled ${r.settled ? `in ${(r.settledMs / 1000).toFixed(1)} s` : `NOT within the timeout (${(r.settledMs / 1000).toFixed(1)} s)`}`,
    `duplicates ${r.duplicates.length}, lost ${r.lost.length}, misrouted ${r.misrouted.length}, unexpected ${r.unexpected.length}, not adopted ${r.notAdopted.length}`,
  ];
  for (const [name, list] of [['duplicate', r.duplicates], ['lost', r.lost], ['misrouted', r.misrouted], ['unexpected', r.unexpected], ['not adopted', r.notAdopted]] as const) {
    for (const item of list) lines.push(`  ${name}: ${item}`);
  }
  if (r.evidence.length > 0) lines.push('daemon log lines:', ...r.evidence.map((l) => `  ${l.slice(0, 600)}`));
  if (r.kept) lines.push(`the daemon's log, the records and the chat are kept in ${r.kept}`);
  return lines;
}

/** Whether the run found nothing wrong. */
export const clean = (r: ChaosReport): boolean =>
  r.settled && r.duplicates.length + r.lost.length + r.misrouted.length + r.unexpected.length + r.notAdopted.length === 0;
