import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailThreads } from '../../daemon/channels/email/threads.js';
import { Threads } from '../../daemon/channels/telegram/threads.js';
import { configSchema, type Config } from '../../daemon/config/schema.js';
import { EventBus } from '../../daemon/events/bus.js';
import { EventLog } from '../../daemon/events/event-log.js';
import { silentLogger } from '../../daemon/logger.js';
import { InputLedger } from '../../daemon/sessions/input-ledger.js';
import { Retention } from '../../daemon/sessions/retention.js';
import { SessionManager } from '../../daemon/sessions/session-manager.js';
import { SessionStore, type SessionRecord } from '../../daemon/sessions/session-store.js';
import { Outbox } from '../../daemon/store/outbox.js';
import { DAY_MS } from '../../daemon/store/retention-policy.js';
import { Store } from '../../daemon/store/store.js';
import { TmuxClient } from '../../daemon/tmux/tmux-client.js';

const NOW = 2_000 * DAY_MS;
const CHAT = 42;

/**
 * The sweep with the real SQLite store, the real table owners (sessions, input ledger, Telegram and email
 * threads, outbox) and real files under a temp CSM_HOME. The clock is the session manager's, set to NOW.
 */
function world() {
  const home = mkdtempSync(join(tmpdir(), 'csm-retention-'));
  const logDir = join(home, 'logs');
  const sessionsDir = join(home, 'sessions');
  mkdirSync(logDir);
  mkdirSync(sessionsDir);
  const file = join(home, 'csm.db');
  const config: Config = { ...configSchema.parse({}), paths: { home, db: file, token: join(home, 'token'), log_dir: logDir, config_file: null, search_path: '' } };
  const store = new Store(file);
  const sessions = new SessionStore(store);
  const ledger = new InputLedger(store);
  const threads = new Threads(store, CHAT);
  const mail = new MailThreads(store, 'csm@example.test');
  const outbox = new Outbox<{ text: string }>(store, 'telegram');
  const record = (id: string, status: SessionRecord['status'], endedDaysAgo: number): SessionRecord => {
    const r: SessionRecord = {
      id, tmux_session: `claude-${id}`, pane_id: '%1', tmux_socket: null, adopted: false, cwd: home, log_file: join(logDir, `claude-${id}.log`),
      status, started_at: NOW - (endedDaysAgo + 1) * DAY_MS, last_output_at: NOW - endedDaysAgo * DAY_MS, claude_session_id: null,
      pending: null, last_message: null, exit_code: null, transcript_path: null, credential: `cred-${id}`,
    };
    sessions.save(r);
    store.db.prepare('INSERT OR IGNORE INTO session_ids (id, issued_at) VALUES (?, ?)').run(id, r.started_at);
    writeFileSync(r.log_file, 'output\n');
    writeFileSync(`${r.log_file}.1`, 'older output\n');
    mkdirSync(join(sessionsDir, id));
    writeFileSync(join(sessionsDir, id, 'settings.json'), '{"hooks":{}}');
    return r;
  };
  return { home, logDir, sessionsDir, config, store, sessions, ledger, threads, mail, outbox, record };
}

type World = ReturnType<typeof world>;

function start(w: World): { manager: SessionManager; events: EventLog; bus: EventBus; retention: Retention } {
  const bus = new EventBus(silentLogger);
  const events = new EventLog(bus);
  const manager = new SessionManager({
    config: w.config, tmux: new TmuxClient({ socketName: 'csm-retention-unused' }), tmuxAt: (p) => new TmuxClient({ socketPath: p }), store: w.sessions,
    bus, log: silentLogger, url: 'http://127.0.0.1:1', hookScript: '/bin/true', mcpServer: null, openWindow: async () => undefined, now: () => NOW,
  });
  const retention = new Retention({ manager, sessions: w.sessions, store: w.store, events, sessionsDir: w.sessionsDir, logDir: w.logDir, log: silentLogger });
  return { manager, events, bus, retention };
}

const count = (w: World, sql: string, ...args: unknown[]): number => (w.store.db.prepare(`SELECT COUNT(*) AS n FROM ${sql}`).get(...args) as { n: number }).n;

describe('retention sweep', () => {
  let w: World | undefined;
  afterEach(() => {
    w?.store.close();
    if (w) rmSync(w.home, { recursive: true, force: true });
    w = undefined;
  });

  it('forgets dead sessions past retention everywhere, and nothing a live session or an undelivered message needs', async () => {
    w = world();
    // a1b2: dead 40 days. b2c3: dead 40 days, a message about it still queued. c3d4: dead 1 day. d4e5: live, started 90 days ago.
    w.record('a1b2', 'dead', 40);
    w.record('b2c3', 'dead', 40);
    w.record('c3d4', 'dead', 1);
    w.record('d4e5', 'running', 90);
    for (const id of ['a1b2', 'b2c3', 'c3d4', 'd4e5']) {
      w.threads.openThread(id, w.home);
      w.threads.recordMessage(100 + id.charCodeAt(0), id, null);
      w.threads.saveRequest(id, { request_id: `req-${id}`, kind: 'permission', title: 'Bash', detail: 'ls', options: [], allows_text: true, created_at: 0 }, '<b>Bash</b>');
      w.mail.next(id);
      w.ledger.begin(`key-${id}`, id, 'hello', NOW - 40 * DAY_MS);
      w.ledger.delivered(`key-${id}`);
    }
    w.ledger.begin('typing-d4e5', 'd4e5', 'half typed when the daemon died', NOW - 40 * DAY_MS);
    w.ledger.begin('recent-d4e5', 'd4e5', 'typed yesterday', NOW - DAY_MS);
    w.ledger.delivered('recent-d4e5');
    // A burst message of no session, recorded before the column existed (at = 0), and a "which session?" text.
    w.store.db.prepare('INSERT INTO tg_messages (chat_id, message_id, session_id, key, at) VALUES (?, ?, NULL, NULL, 0)').run(CHAT, 999);
    w.threads.saveChoice('a text waiting for its session');
    w.store.db.prepare('UPDATE tg_choices SET created_at = ?').run(NOW - 40 * DAY_MS);
    w.mail.markHandled('<old@example.test>', 'd4e5', 'typed');
    w.store.db.prepare('UPDATE mail_handled SET handled_at = ?').run(NOW - 40 * DAY_MS);
    w.outbox.enqueue('b2c3', { text: 'dead: b2c3' });
    // Files no record claims: an old log (left by a crash) goes, a fresh launch folder (a session being started) stays; other files stay.
    writeFileSync(join(w.logDir, 'claude-e5f6.log'), 'orphan');
    utimesSync(join(w.logDir, 'claude-e5f6.log'), new Date(NOW - 40 * DAY_MS), new Date(NOW - 40 * DAY_MS));
    mkdirSync(join(w.sessionsDir, 'f6a7'));
    writeFileSync(join(w.logDir, 'daemon.err.log'), 'the service log');

    const { manager, retention, bus, events } = start(w);
    bus.emit({ kind: 'dead', session_id: 'a1b2', exit_code: 0, at: NOW - 40 * DAY_MS });
    bus.emit({ kind: 'idle', session_id: 'd4e5', idle_seconds: 60, last_message: null, at: NOW - 1000 });

    const report = await retention.sweep(30 * DAY_MS);

    expect(report.sessions).toBe(1);
    expect(manager.find('a1b2')).toBeUndefined();
    expect(manager.sessionOfCredential('cred-a1b2')).toBeUndefined();
    expect(manager.list().map((s) => s.id).sort()).toEqual(['b2c3', 'c3d4', 'd4e5']);
    expect(w.sessions.all().map((s) => s.id).sort()).toEqual(['b2c3', 'c3d4', 'd4e5']);
    expect(w.sessions.isIssued('a1b2')).toBe(true);
    expect(count(w, 'inputs WHERE session_id = ?', 'a1b2')).toBe(0);
    for (const table of ['tg_threads', 'tg_requests', 'tg_messages', 'mail_sessions', 'mail_sent']) {
      expect(count(w, `${table} WHERE session_id = ?`, 'a1b2'), table).toBe(0);
      expect(count(w, `${table} WHERE session_id = ?`, 'b2c3'), table).toBeGreaterThan(0);
      expect(count(w, `${table} WHERE session_id = ?`, 'd4e5'), table).toBeGreaterThan(0);
    }
    // The live session keeps the text it was typing and yesterday's key; its month-old delivered key goes.
    expect((w.store.db.prepare('SELECT key FROM inputs WHERE session_id = ? ORDER BY key').all('d4e5') as { key: string }[]).map((r) => r.key)).toEqual(['recent-d4e5', 'typing-d4e5']);
    expect(count(w, 'tg_messages WHERE session_id IS NULL')).toBe(0);
    expect(count(w, 'tg_choices')).toBe(0);
    expect(count(w, 'mail_handled')).toBe(0);
    expect(w.outbox.size()).toBe(1);
    expect(existsSync(join(w.logDir, 'claude-a1b2.log'))).toBe(false);
    expect(existsSync(join(w.logDir, 'claude-a1b2.log.1'))).toBe(false);
    expect(existsSync(join(w.sessionsDir, 'a1b2'))).toBe(false);
    for (const id of ['b2c3', 'c3d4', 'd4e5']) {
      expect(existsSync(join(w.logDir, `claude-${id}.log`)), id).toBe(true);
      expect(existsSync(join(w.sessionsDir, id, 'settings.json')), id).toBe(true);
    }
    expect(existsSync(join(w.logDir, 'claude-e5f6.log'))).toBe(false);
    expect(existsSync(join(w.sessionsDir, 'f6a7'))).toBe(true);
    expect(existsSync(join(w.logDir, 'daemon.err.log'))).toBe(true);
    expect(events.after(0).map((e) => e.session_id)).toEqual(['d4e5']);
    expect(report.files).toBe(4);

    // Once its message is delivered, b2c3 goes too; with retention 0 every dead session goes, never the live one.
    w.outbox.done(w.outbox.queued()[0]!.id);
    expect((await retention.sweep(30 * DAY_MS)).sessions).toBe(1);
    expect(manager.find('b2c3')).toBeUndefined();
    expect((await retention.sweep(0)).sessions).toBe(1);
    expect(manager.list().map((s) => s.id)).toEqual(['d4e5']);
    expect(existsSync(join(w.logDir, 'claude-d4e5.log'))).toBe(true);
    expect(await retention.sweep(0)).toMatchObject({ sessions: 0, files: 0 });
  });

  it('gives the database space back after a large sweep', async () => {
    w = world();
    const big = 'x'.repeat(20_000);
    const x = w;
    x.store.db.transaction(() => {
      for (let i = 0; i < 300; i++) {
        const id = `a${i.toString(16).padStart(3, '0')}`;
        x.sessions.save({ ...x.record(id, 'dead', 40), last_message: big });
      }
    })();
    const { retention } = start(w);
    const before = w.store.bytes();
    const report = await retention.sweep(30 * DAY_MS);
    expect(report.sessions).toBe(300);
    expect(report.db_bytes_before).toBe(before);
    expect(report.db_bytes_after).toBeLessThan(before / 10);
    expect(w.store.bytes()).toBe(report.db_bytes_after);
  });
});
