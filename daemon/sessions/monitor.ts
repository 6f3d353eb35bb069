import { copyFileSync, statSync, truncateSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Logger } from '../logger.js';
import type { ScreenWatch } from './screen-watch.js';
import type { SessionManager } from './session-manager.js';
import type { SessionRecord } from './session-store.js';

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

/** How long an ended session waits for tmux to learn its exit status before it is reported without it. */
const EXIT_STATUS_WAIT_MS = 3000;

// busyCheckMs is only a safety net: a dialog stops the output, so it is read when the output settles.
export const DEFAULT_MONITOR_TIMING: MonitorTiming = { tickMs: 250, settleMs: 300, busyCheckMs: 15_000, watchMs: 1000, livenessMs: 1000, logPollMs: 500 };

interface Watch {
  lastOutput: number;
  lastCheck: number;
  dirty: boolean;
  idleWarned: boolean;
  idleLongWarned: boolean;
  lastSizeCheck: number;
  lastPersist: number;
  /** The log's size and mtime at the last poll; null before the first. */
  logSize: number | null;
  logMtime: number;
  /** The last_output_at last written to the database (the record in memory may be ahead: see SessionManager.touch). */
  persisted: number;
}

/**
 * The clock of the daemon: notices output (polls the pipe-pane logs of live sessions), reads screens when they
 * settle, finds dead panes, and says when a session has gone quiet.
 */
export class Monitor {
  readonly #m: SessionManager;
  readonly #screens: ScreenWatch;
  readonly #log: Logger;
  readonly #t: MonitorTiming;
  readonly #keepFinal: (s: SessionRecord) => Promise<void>;
  readonly #watch = new Map<string, Watch>();
  /** When each dead pane was first seen without its exit status. */
  readonly #deadSince = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #logTimer: NodeJS.Timeout | null = null;
  #polling = false;
  #lastLiveness = 0;
  #busy = false;

  /** `keepFinal` reads an ended session's last screen before its tmux session is removed (for its image). */
  constructor(manager: SessionManager, screens: ScreenWatch, log: Logger, timing: MonitorTiming = DEFAULT_MONITOR_TIMING, keepFinal: (s: SessionRecord) => Promise<void> = async () => undefined) {
    this.#keepFinal = keepFinal;
    this.#m = manager;
    this.#screens = screens;
    this.#log = log;
    this.#t = timing;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#tick(), this.#t.tickMs);
    this.#timer.unref();
    this.#logTimer = setInterval(() => void this.#pollLogs(), this.#t.logPollMs);
    this.#logTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#logTimer) clearInterval(this.#logTimer);
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
      w = { lastOutput: s.last_output_at, lastCheck: 0, dirty: true, idleWarned: false, idleLongWarned: false, lastSizeCheck: 0, lastPersist: 0, persisted: s.last_output_at, logSize: null, logMtime: 0 };
      this.#watch.set(s.id, w);
    }
    return w;
  }

  /**
   * Polling, not inotify: a busy session writes hundreds of times a second, and "is it still producing
   * output" needs one stat per log per interval. Only live sessions' logs are looked at, so the logs of
   * ended sessions (kept until retention) cost nothing. The first look at a log only notes where it stands.
   */
  async #pollLogs(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      await Promise.all(
        this.#m.live().filter((s) => s.log_file !== '').map(async (s) => {
          const st = await stat(s.log_file).catch(() => null);
          if (!st || this.#m.find(s.id)?.status === 'dead') return;
          const w = this.#w(s);
          const changed = w.logSize !== null && (st.size !== w.logSize || st.mtimeMs !== w.logMtime);
          // The first look after a start: output since the last recorded activity (around a restart, when
          // no hook may have reached anyone) gets the screen read once more, without counting as activity.
          if (w.logSize === null && st.mtimeMs > w.lastOutput) w.dirty = true;
          w.logSize = st.size;
          w.logMtime = st.mtimeMs;
          if (changed) this.#onLogChange(s, w, st.size);
        }),
      );
    } catch (err) {
      this.#log.warn({ err }, 'log poll failed');
    } finally {
      this.#polling = false;
    }
  }

  #onLogChange(s: SessionRecord, w: Watch, size: number): void {
    this.activity(s.id);
    const now = this.#m.now();
    if (now - w.lastSizeCheck > 5000) {
      w.lastSizeCheck = now;
      if (size > this.#m.config.sessions.log_max_bytes) this.#capLog(s.log_file);
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
      this.#deadSince.delete(id);
      this.#screens.forget(id);
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
        // tmux marks a pane dead when its terminal closes and learns how the program ended when it reaps
        // it, which on a busy machine can be a while later: the ending waits a little for that.
        const known = pane.exitStatus !== null || pane.exitSignal !== null;
        const firstDead = this.#deadSince.get(s.id) ?? this.#m.now();
        this.#deadSince.set(s.id, firstDead);
        if (!known && this.#m.now() - firstDead < EXIT_STATUS_WAIT_MS) continue;
        this.#deadSince.delete(s.id);
        const tail = await this.#screens.tail(s, 20);
        await this.#keepFinal(s);
        const code = pane.exitStatus;
        const how = code !== null ? `code ${code}` : pane.exitSignal !== null ? `signal ${pane.exitSignal}` : 'an unknown status';
        const reason = code === 0 ? null : `Claude Code exited with ${how}`;
        this.#m.markDead(s.id, code, tail, reason);
        await this.#m.tmuxFor(s).killSession(s.tmux_session).catch(() => undefined);
      }
    }
  }
}
