import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../../daemon/config/schema.js';
import { EventBus } from '../../../daemon/events/bus.js';
import type { SessionEvent } from '../../../daemon/events/types.js';
import { Monitor, type MonitorTiming } from '../../../daemon/sessions/monitor.js';
import { ScreenWatch } from '../../../daemon/sessions/screen-watch.js';
import { SessionManager } from '../../../daemon/sessions/session-manager.js';
import { SessionStore } from '../../../daemon/sessions/session-store.js';
import { Store } from '../../../daemon/store/store.js';
import { TmuxTwin } from '../../fakes/tmux-twin.js';
import { memoryLogger, type LogLine } from '../../helpers/memory-logger.js';

const SCREENS = join(import.meta.dirname, '../../fixtures/screens');
const screen = (version: string, name: string): string => readFileSync(join(SCREENS, version, `${name}.txt`), 'utf8');
const VERSIONS = ['2.1.197', 'latest'];

/** The session code on an in-memory tmux: the manager, its screen watch and its monitor, on a clock the test moves. */
function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'csm-screen-watch-'));
  const store = new Store(join(dir, 'csm.db'));
  const lines: LogLine[] = [];
  const log = memoryLogger(lines);
  const bus = new EventBus(log);
  const events: SessionEvent[] = [];
  bus.subscribe((e) => void events.push(e));
  const tmux = new TmuxTwin();
  const clock = { now: 1_800_000_000_000 };
  const config: Config = {
    ...configSchema.parse({}),
    paths: { home: dir, db: join(dir, 'csm.db'), token: join(dir, 'token'), log_dir: dir, config_file: null, search_path: '' },
  };
  const manager = new SessionManager({
    config, tmux, tmuxAt: () => tmux, store: new SessionStore(store), bus, log, url: 'http://127.0.0.1:1', hookScript: '/bin/true',
    mcpServer: null, openWindow: async () => undefined, now: () => clock.now,
  });
  const screens = new ScreenWatch(manager, log);
  const timing: MonitorTiming = { tickMs: 1_000_000, settleMs: 0, busyCheckMs: 0, watchMs: 0, livenessMs: 0, logPollMs: 1_000_000 };
  const monitor = new Monitor(manager, screens, log, timing);
  /** A session running in a pane of the twin, showing `text`. */
  const session = (text: string) => {
    const pane = tmux.addPane(`claude-${tmux.panes.size}`, text);
    const record = manager.adopt({ paneId: pane.id, tmuxSession: pane.session, socketPath: null, cwd: '/tmp/app', logFile: '' });
    return { id: record.id, pane, record: () => manager.get(record.id) };
  };
  return { store, tmux, clock, manager, screens, monitor, events, lines, session, close: () => store.close() };
}

let t: ReturnType<typeof setUp>;
beforeEach(() => (t = setUp()));
afterEach(() => t.close());

describe.each(VERSIONS)('screen watch on Claude Code %s screens', (version) => {
  it.each([
    ['idle', 'idle'],
    ['busy', 'running'],
    ['finished', 'idle'],
  ] as const)('a %s screen: the session is %s', async (name, status) => {
    const s = t.session(screen(version, name));
    await t.screens.checkMany([s.record()]);
    expect(s.record().status).toBe(status);
  });

  it('a screen read while a hook changed the status does not set it back (the busy frame came before the Stop hook)', async () => {
    const s = t.session(screen(version, 'busy'));
    t.manager.setStatus(s.id, 'running');
    let open!: () => void;
    t.tmux.captureGate = new Promise<void>((resolve) => (open = resolve));
    let read!: () => void;
    const reading = new Promise<void>((resolve) => (read = resolve));
    t.tmux.onCapture = read;
    const check = t.screens.checkMany([s.record()]);
    await reading;
    // Claude finished while tmux was drawing the busy frame for us: the Stop hook says idle.
    t.manager.setStatus(s.id, 'idle');
    t.tmux.captureGate = null;
    open();
    await check;
    expect(s.record().status).toBe('idle');
    // The next read, newer than the hook, is applied as usual.
    await t.screens.checkMany([s.record()]);
    expect(s.record().status).toBe('running');
  });

  it('a permission dialog with no hook is surfaced from the screen once it has stood for the hook grace', async () => {
    const s = t.session(screen(version, 'permission-bash'));
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)).toBeUndefined();
    t.clock.now += 3000;
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)?.request).toMatchObject({ kind: 'permission' });
    expect(t.events.filter((e) => e.kind === 'permission_request')).toHaveLength(1);
    // Answered at the laptop: the dialog is gone, and the request with it.
    s.pane.screen = screen(version, 'busy');
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)).toBeUndefined();
    expect(t.events.find((e) => e.kind === 'resolved')).toMatchObject({ by: { channel: 'terminal' } });
  });
});

describe('monitor: a pane that ended', () => {
  it('waits for tmux to learn the exit status, then reports the code', async () => {
    const s = t.session('');
    s.pane.dead = true;
    await t.monitor.checkLiveness();
    expect(s.record().status).not.toBe('dead');
    s.pane.exitStatus = 3;
    await t.monitor.checkLiveness();
    expect(s.record()).toMatchObject({ status: 'dead', exit_code: 3 });
    expect(t.events.find((e) => e.kind === 'error')).toMatchObject({ message: expect.stringContaining('Claude Code exited with code 3') });
  });

  it('reports a signal, and after 3 s without any word from tmux an unknown status', async () => {
    const a = t.session('');
    const b = t.session('');
    a.pane.dead = true;
    a.pane.exitSignal = 9;
    b.pane.dead = true;
    await t.monitor.checkLiveness();
    expect(a.record().status).toBe('dead');
    expect(b.record().status).not.toBe('dead');
    t.clock.now += 3000;
    await t.monitor.checkLiveness();
    expect(b.record()).toMatchObject({ status: 'dead', exit_code: null });
    const errors = t.events.filter((e) => e.kind === 'error').map((e) => ('message' in e ? e.message : ''));
    expect(errors).toEqual([expect.stringContaining('exited with signal 9'), expect.stringContaining('exited with an unknown status')]);
  });

  it('a pane that is gone altogether ends its session at once', async () => {
    const s = t.session(screen('latest', 'idle'));
    await t.tmux.killSession(s.pane.session);
    await t.monitor.checkLiveness();
    expect(s.record().status).toBe('dead');
  });
});
