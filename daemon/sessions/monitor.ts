import { copyFileSync, statSync, truncateSync } from 'node:fs';
import { basename } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Logger } from '../logger.js';
import type { ScreenWatch } from './screen-watch.js';
import type { SessionManager } from './session-manager.js';
import type { SessionRecord } from './session-store.js';
import { SESSION_ID_SOURCE } from '../session-id.js';

export interface MonitorTiming {
  tickMs: number;
  /** Output must pause this long before the screen is read: a settled screen, not a half-drawn frame. */
  settleMs: number;
  /** While output keeps flowing, still look at the screen this often. */
  busyCheckMs: number;
  /** How often to look at a screen while something waits on it (a dialog, a starting session). */
  watchMs: number;
  livenessMs: number;
  /** How often each session log is checked for new output. */
  logPollMs: number;
}

// busyCheckMs is only a safety net: a dialog stops the output, so it is read when the output settles.
export const DEFAULT_MONITOR_TIMING: MonitorTiming = { tickMs: 250, settleMs: 300, busyCheckMs: 15_000, watchMs: 1000, livenessMs: 1000, logPollMs: 500 };

/** claude-<id>.log, or its rotated .log.1 (group 2). */
const LOG_FILE = new RegExp(`^claude-(${SESSION_ID_SOURCE})\\.log(\\.1)?$`);

interface Watch {
  lastOutput: number;
  lastCheck: number;
  dirty: boolean;
  idleWarned: boolean;
  idleLongWarned: boolean;
  lastSizeCheck: number;
  lastPersist: number;
  /** The last_output_at last written to the database (the record in memory may be ahead: see SessionManager.touch). */
  persisted: number;
}

/**
 * The clock of the daemon: notices output (pipe-pane logs through chokidar), reads screens when they
 * settle, finds dead panes, and says when a session has gone quiet.
 */
export class Monitor {
  readonly #m: SessionManager;
  readonly #screens: ScreenWatch;
  readonly #log: Logger;
  readonly #t: MonitorTiming;
  readonly #watch = new Map<string, Watch>();
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastLiveness = 0;
  #busy = false;

  constructor(manager: SessionManager, screens: ScreenWatch, log: Logger, timing: MonitorTiming = DEFAULT_MONITOR_TIMING) {
    this.#m = manager;
    this.#screens = screens;
    this.#log = log;
    this.#t = timing;
  }

  start(logDir: string): void {
    // Polling, not inotify: a busy session writes hundreds of times a second, and chokidar stats the file on
    // every inotify event. One stat per log per interval is all that "is it still producing output" needs.
    // Each file watched is polled: ended sessions' logs (kept until retention) and rotated logs are not.
    const ignored = (file: string): boolean => {
      const match = LOG_FILE.exec(basename(file));
      if (!match) return false;
      return match[2] !== undefined || this.#m.find(match[1]!)?.status === 'dead';
    };
    this.#watcher = chokidar.watch(logDir, { ignoreInitial: true, depth: 0, usePolling: true, interval: this.#t.logPollMs, binaryInterval: this.#t.logPollMs, ignored });
    this.#watcher.on('change', (file) => this.#onLogChange(file));
    this.#watcher.on('add', (file) => this.#onLogChange(file));
    this.#watcher.on('error', (err) => this.#log.warn({ err }, 'log watcher error'));
    this.#timer = setInterval(() => void this.#tick(), this.#t.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#watcher?.close();
    for (const s of this.#m.live()) this.#persist(s, this.#w(s));
  }

  /** Something happened in the session (output, a hook): reset the quiet spell, look at the screen soon. */
  activity(id: string): void {
    const s = this.#m.find(id);
    if (!s) return;
    const w = this.#w(s);
    w.lastOutput = this.#m.now();
    w.dirty = true;
    w.idleWarned = false;
    w.idleLongWarned = false;
  }

  #w(s: SessionRecord): Watch {
    let w = this.#watch.get(s.id);
    if (!w) {
      w = { lastOutput: s.last_output_at, lastCheck: 0, dirty: true, idleWarned: false, idleLongWarned: false, lastSizeCheck: 0, lastPersist: 0, persisted: s.last_output_at };
      this.#watch.set(s.id, w);
    }
    return w;
  }

  #onLogChange(file: string): void {
    const match = LOG_FILE.exec(basename(file));
    if (!match || match[2] !== undefined) return;
    const s = this.#m.find(match[1]!);
    if (!s || s.status === 'dead') return;
    this.activity(s.id);
    const w = this.#w(s);
    const now = this.#m.now();
    if (now - w.lastSizeCheck > 5000) {
      w.lastSizeCheck = now;
      this.#capLog(s.log_file);
    }
  }

  /** Keeps the log under sessions.log_max_bytes: the older half moves to .1, the live file starts over. */
  #capLog(file: string): void {
    try {
      if (statSync(file).size <= this.#m.config.sessions.log_max_bytes) return;
      copyFileSync(file, `${file}.1`);
      truncateSync(file, 0);
    } catch (err) {
      this.#log.debug({ err, file }, 'log cap failed');
    }
  }

  #persist(s: SessionRecord, w: Watch): void {
    if (s.status === 'dead' || w.lastOutput === w.persisted) return;
    this.#m.update(s.id, { last_output_at: Math.max(w.lastOutput, s.last_output_at) });
    w.persisted = w.lastOutput;
    w.lastPersist = this.#m.now();
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const now = this.#m.now();
      if (now - this.#lastLiveness >= this.#t.livenessMs) {
        this.#lastLiveness = now;
        await this.checkLiveness();
      }
      const due: SessionRecord[] = [];
      const live = this.#m.live();
      if (this.#watch.size > live.length) this.#forgetGone(live);
      for (const s of live) {
        const w = this.#w(s);
        this.#idle(s, w, now);
        if (now - w.lastPersist > 10_000) this.#persist(s, w);
        const quiet = now - w.lastOutput >= this.#t.settleMs;
        const watching = s.status === 'starting' || this.#m.pending(s.id) !== undefined || this.#screens.watching(s.id);
        const isDue =
          (w.dirty && quiet) ||
          (w.dirty && now - w.lastCheck >= this.#t.busyCheckMs) ||
          (watching && now - w.lastCheck >= this.#t.watchMs);
        if (!isDue) continue;
        w.dirty = false;
        w.lastCheck = now;
        due.push(s);
      }
      await this.#screens.checkMany(due);
    } catch (err) {
      this.#log.error({ err }, 'monitor tick failed');
    } finally {
      this.#busy = false;
    }
  }

  /** What was kept for sessions that have ended: a daemon that saw thousands of sessions holds only the live ones. */
  #forgetGone(live: readonly SessionRecord[]): void {
    const ids = new Set(live.map((s) => s.id));
    for (const id of this.#watch.keys()) {
      if (ids.has(id)) continue;
      this.#watch.delete(id);
      this.#screens.forget(id);
      const log = this.#m.find(id)?.log_file;
      if (log) this.#watcher?.unwatch(log);
    }
  }

  #idle(s: SessionRecord, w: Watch, now: number): void {
    if (this.#m.pending(s.id)) return;
    const quietSeconds = Math.floor((now - w.lastOutput) / 1000);
    const { idle_warning_seconds: warn, idle_email_seconds: long } = this.#m.config.sessions;
    if (!w.idleWarned && quietSeconds >= warn) {
      w.idleWarned = true;
      this.#m.emit(s.id, { kind: 'idle', idle_seconds: quietSeconds, last_message: s.last_message });
    }
    if (!w.idleLongWarned && quietSeconds >= long) {
      w.idleLongWarned = true;
      void this.#screens.tail(s, 15).then((tail) =>
        this.#m.emit(s.id, { kind: 'idle_long', idle_seconds: quietSeconds, last_message: s.last_message, screen_tail: tail }),
      );
    }
  }

  /** One `list-panes -a` per tmux server finds every dead or vanished session. */
  async checkLiveness(): Promise<void> {
    for (const { tmux, sessions } of this.#m.byTmuxServer(this.#m.live())) {
      let panes;
      try {
        panes = await tmux.listPanes();
      } catch (err) {
        this.#log.warn({ err }, 'list-panes failed');
        continue;
      }
      for (const s of sessions) {
        // No pane id yet: the daemon died while tmux started the session; its name tells which one it is.
        const pane = panes.find((p) => p.session === s.tmux_session && (p.paneId === s.pane_id || s.pane_id === ''));
        if (pane && s.pane_id === '') await this.#m.resumeStart(s.id, pane.paneId);
        if (!pane && s.pane_id === '') {
          this.#m.dropUnstarted(s.id);
          continue;
        }
        if (!pane) {
          this.#m.markDead(s.id, null, '', null);
          continue;
        }
        if (!pane.dead) continue;
        const tail = await this.#screens.tail(s, 20);
        const code = pane.exitStatus;
        const reason = code === 0 ? null : `Claude Code exited with ${code === null ? 'an unknown status' : `code ${code}`}`;
        this.#m.markDead(s.id, code, tail, reason);
        await this.#m.tmuxFor(s).killSession(s.tmux_session).catch(() => undefined);
      }
    }
  }
}
