import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommands } from '../../daemon/commands/session-commands.js';
import { configSchema, type Config } from '../../daemon/config/schema.js';
import { EventBus } from '../../daemon/events/bus.js';
import type { SessionEvent } from '../../daemon/events/types.js';
import { PaneRenderer } from '../../daemon/render/renderer.js';
import { InputTyper, type InputTiming } from '../../daemon/sessions/input.js';
import { InputLedger } from '../../daemon/sessions/input-ledger.js';
import { Monitor, type MonitorTiming } from '../../daemon/sessions/monitor.js';
import { PaneImages } from '../../daemon/sessions/pane-images.js';
import { PaneStreams } from '../../daemon/sessions/pane-stream.js';
import { Panes } from '../../daemon/sessions/pane.js';
import { ScreenWatch } from '../../daemon/sessions/screen-watch.js';
import { SessionManager } from '../../daemon/sessions/session-manager.js';
import { SessionStore } from '../../daemon/sessions/session-store.js';
import { Store } from '../../daemon/store/store.js';
import { TmuxTwin } from '../fakes/tmux-twin.js';
import { memoryLogger, type LogLine } from './memory-logger.js';

const SCREENS = join(import.meta.dirname, '../fixtures/screens');

/** A screen captured from the real Claude Code (test/fixtures/screens/<version>/<name>.txt). */
export const screen = (version: string, name: string): string => readFileSync(join(SCREENS, version, `${name}.txt`), 'utf8');

/**
 * The session code and the command layer on an in-memory tmux (TmuxTwin), on a clock the test moves: the
 * manager, its screen watch and monitor (ticks driven by the test), and the real `createCommands`.
 */
/** `typing`: the typer's pauses, short here (the real ones wait on a real Claude Code). */
export function twinSessions(o: { typing?: InputTiming } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'csm-twin-'));
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
  const typer = new InputTyper(manager, o.typing ?? { enterDelayMs: 1, confirmMs: 300 });
  const ledger = new InputLedger(store);
  const commands = createCommands({
    manager, typer, screens, ledger, panes: new Panes((s) => manager.tmuxFor(s), (s) => typer.verifiedPane(s)),
    streams: new PaneStreams(manager), images: new PaneImages(manager, new PaneRenderer(), log), channels: () => ['telegram'],
  });
  /** A session running in a pane of the twin, showing `text` (adopted, as a session started by hand would be). */
  const session = (text: string) => {
    const pane = tmux.addPane(`claude-${tmux.panes.size}`, text);
    const record = manager.adopt({ paneId: pane.id, tmuxSession: pane.session, socketPath: null, cwd: '/tmp/app', logFile: '' });
    return { id: record.id, pane, record: () => manager.get(record.id) };
  };
  return { store, tmux, clock, manager, screens, monitor, typer, ledger, commands, events, lines, log, session, close: () => store.close() };
}
