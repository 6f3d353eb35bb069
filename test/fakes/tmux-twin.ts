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
  /**
   * Set (see playInputBox): the pane plays Claude Code's input box. Typed text and pastes go into it and are
   * drawn on the screen's `❯` line; Enter submits what it holds (into `submitted`); C-u and C-k clear it.
   */
  box: InputBox | null;
  /** Called after keys were pressed: where a test plays what the program does with them (the next screen, a hook). */
  onKeys?: (keys: string[]) => void;
}

export interface InputBox {
  text: string;
  /** What Enter submitted, in order. */
  submitted: string[];
  /** Enters taken as a newline inside a paste before one submits (Claude Code does this when Enter follows a paste at once). */
  swallowEnters: number;
  /** Called with each submitted text: where a test plays the UserPromptSubmit hook. */
  onSubmit?: (text: string) => void;
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
    const pane: TwinPane = { id: `%${this.#next++}`, session, cwd, screen, dead: false, exitStatus: null, exitSignal: null, input: [], box: null };
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

  /** The pane plays Claude Code's input box (its screen must show one, as a captured idle screen does). */
  playInputBox(pane: string, o: Partial<Omit<InputBox, 'submitted'>> = {}): InputBox {
    const p = this.pane(pane);
    if (drawBox(p.screen, '') === null) throw new Error(`the screen of ${pane} shows no input box to play`);
    p.box = { text: '', submitted: [], swallowEnters: 0, ...o };
    return p.box;
  }

  async capturePane(pane: string): Promise<string> {
    const p = this.pane(pane);
    this.onCapture?.();
    await this.captureGate;
    return shown(p);
  }

  async snapshot(pane: string): Promise<PaneSnapshot> {
    throw new TmuxError('capture-pane', `the twin draws no snapshots (${pane})`);
  }

  async capturePanes(panes: string[]): Promise<Map<string, string>> {
    const known = panes.filter((p) => this.panes.has(p));
    // Read at the call, as one tmux invocation would; handed back once the gate opens.
    const screens = new Map(known.map((p) => [p, shown(this.panes.get(p)!)]));
    this.onCapture?.();
    await this.captureGate;
    return screens;
  }

  async listPanes(): Promise<PaneInfo[]> {
    return [...this.panes.values()].map((p) => ({ paneId: p.id, session: p.session, dead: p.dead, exitStatus: p.exitStatus, exitSignal: p.exitSignal, cwd: p.cwd, pid: 1000 + Number(p.id.slice(1)) }));
  }

  async sendLiteral(pane: string, text: string): Promise<void> {
    const p = this.#live(pane);
    p.input.push(`text:${text}`);
    if (p.box) p.box.text += text;
  }

  async paste(pane: string, text: string): Promise<void> {
    const p = this.#live(pane);
    p.input.push(`paste:${text}`);
    if (p.box) p.box.text += text;
  }

  async sendTerminalInput(pane: string, data: string): Promise<void> {
    this.#live(pane).input.push(`raw:${data}`);
  }

  control(): never {
    throw new Error('the tmux twin has no control mode');
  }

  async sendKeys(pane: string, keys: string[]): Promise<void> {
    const p = this.#live(pane);
    p.input.push(...keys.map((k) => `key:${k}`));
    for (const key of keys) if (p.box) press(p.box, key);
    p.onKeys?.(keys);
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

/** What an input box does with a key. */
function press(box: InputBox, key: string): void {
  if (key === 'C-u' || key === 'C-k') box.text = '';
  else if (key === 'Enter' && box.swallowEnters > 0) {
    box.swallowEnters--;
    box.text += '\n';
  } else if (key === 'Enter' && box.text.trim() !== '') {
    const text = box.text;
    box.text = '';
    box.submitted.push(text);
    box.onSubmit?.(text);
  }
}

/** The screen with the box's text drawn in, as Claude Code draws it: a multi-line paste collapsed. */
function shown(p: TwinPane): string {
  if (!p.box) return p.screen;
  // A newline typed after a paste (a swallowed Enter) goes below the collapsed paste: the label stays.
  const text = p.box.text.trimEnd();
  const lines = text.split('\n').length;
  return drawBox(p.screen, text.includes('\n') ? `[Pasted text #1 +${lines - 1} lines]` : text) ?? p.screen;
}

/** The screen with `text` on the input box's `❯` line (the last one under a rule), or null without a box. */
function drawBox(screen: string, text: string): string | null {
  const lines = screen.split('\n');
  for (let i = lines.length - 1; i > 0; i--) {
    if (/^\s*❯/.test(lines[i]!) && /^[─━-]{10,}/.test(lines[i - 1]!.trim())) {
      lines[i] = `❯ ${text}`;
      return lines.join('\n');
    }
  }
  return null;
}
