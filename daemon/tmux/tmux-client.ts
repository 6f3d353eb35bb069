import { rmSync } from 'node:fs';
import { execa, ExecaError } from 'execa';
import { CommandError } from '../errors.js';
import { ControlClient, type ControlClientEvents } from './control-client.js';
import {
  capturePaneArgs,
  newSessionArgs,
  parsePanes,
  parseSnapshot,
  snapshotArgs,
  type PaneSnapshot,
  PANE_FORMAT,
  pipePaneArgs,
  serverArgs,
  terminalInputArgs,
  tmuxArgv,
  type NewSessionSpec,
  type TmuxCommand,
  type PaneInfo,
  type TmuxServer,
} from './commands.js';

/** Separates the screens of a batched capture; no screen line starts with it. */
const MARK = '\u0001csm-pane ';

/** The only module that runs tmux. One instance per tmux server (socket). */
export class TmuxClient {
  readonly server: TmuxServer;
  readonly #bin: string;

  constructor(server: TmuxServer = {}, bin = 'tmux') {
    this.server = server;
    this.#bin = bin;
  }

  /** Every tmux call goes through here, so every argument goes through tmuxArgv and reaches tmux as data. */
  async #run(commands: TmuxCommand | TmuxCommand[], input?: string): Promise<string> {
    const list = (typeof commands[0] === 'string' ? [commands] : commands) as TmuxCommand[];
    const name = list[0]?.[0] ?? 'tmux';
    try {
      const result = await execa(this.#bin, [...serverArgs(this.server), ...tmuxArgv(list)], {
        input,
        stripFinalNewline: false,
        timeout: 10_000,
      });
      return result.stdout;
    } catch (err) {
      if (err instanceof ExecaError && err.code === 'ENOENT') {
        throw new CommandError('unavailable', `tmux is not installed or not on PATH: install it (apt install tmux / brew install tmux), then try again.`);
      }
      const stderr = err instanceof ExecaError ? String(err.stderr ?? '').trim() : String(err);
      throw new TmuxError(name, stderr || String(err));
    }
  }

  /** The server's socket file (to tell our own server from another), or null when no server runs. */
  async socketPath(): Promise<string | null> {
    return this.#run(['display-message', '-p', '#{socket_path}'])
      .then((out) => out.trim() || null)
      .catch(() => null);
  }

  /** Returns the new pane's id (%N). */
  async newSession(spec: NewSessionSpec): Promise<string> {
    const out = await this.#run(newSessionArgs(spec));
    return out.trim().split('\n')[0]!.trim();
  }

  async pipePane(pane: string, logFile: string): Promise<void> {
    await this.#run(pipePaneArgs(pane, logFile));
  }

  async capturePane(pane: string, historyLines = 0, escapes = false): Promise<string> {
    return this.#run(capturePaneArgs(pane, historyLines, escapes));
  }

  /** The pane as a terminal shows it: escape-coded rows, size and cursor (for pane images). */
  async snapshot(pane: string): Promise<PaneSnapshot> {
    return parseSnapshot(await this.#run(snapshotArgs(pane)));
  }

  /**
   * Many panes' screens in one tmux invocation (one process instead of one per pane: the daemon's main
   * cost with many busy sessions). A pane that vanished fails the batch; then each is read on its own.
   */
  async capturePanes(panes: string[]): Promise<Map<string, string>> {
    const screens = new Map<string, string>();
    if (panes.length === 0) return screens;
    // The pane id goes through #{pane_id}, never into the message itself: display-message runs its text
    // through strftime, which turns "%3" into something else.
    const commands = panes.flatMap((p): TmuxCommand[] => [['display-message', '-p', '-t', p, `${MARK}#{pane_id}`], capturePaneArgs(p)]);
    try {
      const out = await this.#run(commands);
      for (const chunk of out.split(MARK).slice(1)) {
        const nl = chunk.indexOf('\n');
        screens.set(chunk.slice(0, nl), chunk.slice(nl + 1));
      }
    } catch (err) {
      if (!(err instanceof TmuxError)) throw err;
      for (const p of panes) {
        const screen = await this.capturePane(p).catch(() => null);
        if (screen !== null) screens.set(p, screen);
      }
    }
    return screens;
  }

  /** Every pane on this server; [] when no server runs (that is not an error: it just has no sessions). */
  async listPanes(): Promise<PaneInfo[]> {
    try {
      return parsePanes(await this.#run(['list-panes', '-a', '-F', PANE_FORMAT]));
    } catch (err) {
      if (err instanceof TmuxError && /no server running|error connecting|No such file/i.test(err.stderr)) return [];
      throw err;
    }
  }

  /** Types text literally: `-l` makes tmux send it as characters even if it reads like a key name. */
  async sendLiteral(pane: string, text: string): Promise<void> {
    await this.#run(['send-keys', '-t', pane, '-l', '--', text]);
  }

  /** Multi-line text as one (bracketed, when the program asked for it) paste, so newlines do not submit. */
  async paste(pane: string, text: string, bufferName: string): Promise<void> {
    await this.#run(['load-buffer', '-b', bufferName, '-'], text);
    await this.#run(['paste-buffer', '-p', '-d', '-b', bufferName, '-t', pane]);
  }

  /** Raw terminal input (see terminalInputArgs), written to the pane in one tmux invocation. */
  async sendTerminalInput(pane: string, data: string): Promise<void> {
    const commands = terminalInputArgs(pane, data);
    if (commands.length > 0) await this.#run(commands);
  }

  /** A control-mode client on one of this server's sessions: the live output of its panes (see ControlClient). */
  control(tmuxSession: string, on: ControlClientEvents): ControlClient {
    return new ControlClient(this.server, tmuxSession, on, this.#bin);
  }

  async sendKeys(pane: string, keys: string[]): Promise<void> {
    await this.#run(['send-keys', '-t', pane, ...keys]);
  }

  async killSession(name: string): Promise<void> {
    try {
      await this.#run(['kill-session', '-t', `=${name}`]);
    } catch (err) {
      if (err instanceof TmuxError && /can't find|no server|error connecting/i.test(err.stderr)) return;
      throw err;
    }
  }

  /**
   * Ends this tmux server and every session on it, and removes its socket file, which tmux leaves behind.
   * Returns the pids of the programs that ran in its panes (they may take a moment to exit). A server that
   * is not running is fine.
   */
  async killServer(): Promise<number[]> {
    const gone = (err: unknown): boolean => err instanceof TmuxError && /no server|error connecting|can't find|No such file/i.test(err.stderr);
    // Both only help the cleanup after the kill: the kill itself must happen whatever they say.
    const socket = await this.#run(['display-message', '-p', '#{socket_path}']).then((out) => out.trim(), () => '');
    const pids = await this.listPanes().then((panes) => panes.map((p) => p.pid).filter((pid) => pid > 0), () => []);
    try {
      await this.#run(['kill-server']);
    } catch (err) {
      if (!gone(err)) throw err;
    }
    if (socket) rmSync(socket, { force: true });
    return pids;
  }

  async version(): Promise<string> {
    const result = await execa(this.#bin, ['-V'], { timeout: 5000 });
    return result.stdout.trim();
  }
}

export class TmuxError extends Error {
  override readonly name = 'TmuxError';
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`tmux ${command} failed: ${stderr}`);
  }
}
