import type { NewSessionSpec, PaneInfo, PaneSnapshot } from '../../daemon/tmux/commands.js';
import type { Tmux } from '../../daemon/tmux/tmux.js';
import { TmuxError } from '../../daemon/tmux/tmux-client.js';

export interface TwinPane {
  id: string;
  session: string;
  cwd: string;
  /** What capture-pane returns: set by the test (a captured fixture), as the program would draw it. */
  screen: string;
  dead: boolean;
  exitStatus: number | null;
  exitSignal: number | null;
  /** Everything sent to the pane, in order: typed text as `text:…`, pastes as `paste:…`, keys as `key:…`. */
  input: string[];
}

/**
 * An in-memory tmux server for unit tests of the session code (screen watch, monitor, pane, commands):
 * panes whose screens the test sets, and a record of what was sent to them. The real TmuxClient is tested
 * against real tmux (test/integration/tmux-client.test.ts); this twin has its shape and its errors.
 */
export class TmuxTwin implements Tmux {
  readonly server = { socketName: 'twin' };
  readonly panes = new Map<string, TwinPane>();
  /** While set, screen reads wait for it: a test can change the state while a read is in flight. */
  captureGate: Promise<void> | null = null;
  /** Called after each read began, before it waits on the gate. */
  onCapture: (() => void) | null = null;
  #next = 0;

  /** A pane as if a session ran in it (adopted, or started by tmux). */
  addPane(session: string, screen = '', cwd = '/tmp'): TwinPane {
    const pane: TwinPane = { id: `%${this.#next++}`, session, cwd, screen, dead: false, exitStatus: null, exitSignal: null, input: [] };
    this.panes.set(pane.id, pane);
    return pane;
  }

  pane(id: string): TwinPane {
    const p = this.panes.get(id);
    if (!p) throw new TmuxError('capture-pane', `can't find pane: ${id}`);
    return p;
  }

  async socketPath(): Promise<string | null> {
    return '/tmp/tmux-twin/default';
  }

  async newSession(spec: NewSessionSpec): Promise<string> {
    return this.addPane(spec.name, '', spec.cwd).id;
  }

  async pipePane(pane: string): Promise<void> {
    if (this.pane(pane).dead) throw new TmuxError('pipe-pane', 'target pane has exited');
  }

  async capturePane(pane: string): Promise<string> {
    const p = this.pane(pane);
    this.onCapture?.();
    await this.captureGate;
    return p.screen;
  }

  async snapshot(pane: string): Promise<PaneSnapshot> {
    throw new TmuxError('capture-pane', `the twin draws no snapshots (${pane})`);
  }

  async capturePanes(panes: string[]): Promise<Map<string, string>> {
    const known = panes.filter((p) => this.panes.has(p));
    // Read at the call, as one tmux invocation would; handed back once the gate opens.
    const screens = new Map(known.map((p) => [p, this.panes.get(p)!.screen]));
    this.onCapture?.();
    await this.captureGate;
    return screens;
  }

  async listPanes(): Promise<PaneInfo[]> {
    return [...this.panes.values()].map((p) => ({ paneId: p.id, session: p.session, dead: p.dead, exitStatus: p.exitStatus, exitSignal: p.exitSignal, cwd: p.cwd, pid: 1000 + Number(p.id.slice(1)) }));
  }

  async sendLiteral(pane: string, text: string): Promise<void> {
    this.#live(pane).input.push(`text:${text}`);
  }

  async paste(pane: string, text: string): Promise<void> {
    this.#live(pane).input.push(`paste:${text}`);
  }

  async sendTerminalInput(pane: string, data: string): Promise<void> {
    this.#live(pane).input.push(`raw:${data}`);
  }

  control(): never {
    throw new Error('the tmux twin has no control mode');
  }

  async sendKeys(pane: string, keys: string[]): Promise<void> {
    this.#live(pane).input.push(...keys.map((k) => `key:${k}`));
  }

  async killSession(name: string): Promise<void> {
    for (const [id, p] of this.panes) if (p.session === name) this.panes.delete(id);
  }

  async killServer(): Promise<number[]> {
    const pids = (await this.listPanes()).map((p) => p.pid);
    this.panes.clear();
    return pids;
  }

  async version(): Promise<string> {
    return 'tmux 3.3a (twin)';
  }

  #live(id: string): TwinPane {
    const p = this.pane(id);
    if (p.dead) throw new TmuxError('send-keys', 'target pane has exited');
    return p;
  }
}
