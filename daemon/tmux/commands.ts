/**
 * Pure argv builders for tmux. Every argument is passed to tmux as its own argv element (no shell), and
 * `tmuxArgv` is the one place that turns commands into an argv, so paths and texts can hold any character.
 * The only shell string we build is pipe-pane's, quoted here.
 */

/** One tmux command: its name, then its arguments, each meant as data. */
export type TmuxCommand = readonly string[];

/**
 * tmux reads an argv element ending in `;` as a command separator (and `\;` at the end as a literal `;`),
 * so `send-keys -l "run ls;"` would type "run ls" and `["x;", "run-shell", "..."]` would run a command.
 * Checked on tmux 3.3a: tmux strips the final `;` and, if a `\` precedes it, turns that `\` into the `;`.
 * Inserting a `\` before a final `;` is therefore exact for every argument, including one that itself
 * ends in `\;` ("a\;" is sent as "a\\;" and arrives as "a\;"). Nothing else in an argv element is special.
 */
export function asData(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** Several commands in one tmux invocation, joined by tmux's own separator; every argument stays data. */
export function tmuxArgv(commands: readonly TmuxCommand[]): string[] {
  return commands.flatMap((c, i) => [...(i > 0 ? [';'] : []), ...c.map(asData)]);
}

/**
 * For the few arguments tmux expands as a format (new-session -c, pipe-pane's command): `#{...}` would be
 * replaced and `#(...)` would run a shell command (checked: a folder named "#(touch x)" ran it). `##` is a
 * literal `#`.
 */
export function formatLiteral(text: string): string {
  return text.replaceAll('#', '##');
}

export interface TmuxServer {
  /** tmux -L <name>: a named socket in tmux's socket dir. */
  socketName?: string;
  /** tmux -S <path>: a socket path (what $TMUX names, for adopted sessions). */
  socketPath?: string;
}

export function serverArgs(server: TmuxServer): string[] {
  if (server.socketPath) return ['-S', server.socketPath];
  if (server.socketName) return ['-L', server.socketName];
  return [];
}

/** Single-quotes a word for a POSIX shell: the one safe way to put arbitrary text in a shell command. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface NewSessionSpec {
  name: string;
  cwd: string;
  command: string[];
  env: Record<string, string>;
  width?: number;
  height?: number;
}

/**
 * Creates the detached session and, in the same tmux invocation, keeps the pane after the program exits so
 * that we can read its exit status and last screen even if Claude dies at once. The session starts on a
 * placeholder (`cat`, waiting on the terminal) and the program is started by respawn-pane only after
 * remain-on-exit is set: started by new-session itself, a program that exits at once could be gone, pane
 * and all, before the option took effect (seen on tmux 3.3a about one time in ten). -c is a format in both.
 */
export function newSessionArgs(spec: NewSessionSpec): TmuxCommand[] {
  const env = Object.entries(spec.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const cwd = formatLiteral(spec.cwd);
  return [
    [
      'new-session', '-d', '-P', '-F', '#{pane_id}',
      '-s', spec.name, '-c', cwd,
      '-x', String(spec.width ?? 200), '-y', String(spec.height ?? 50),
      ...env, '--', 'cat',
    ],
    ['set-option', '-w', '-t', `=${spec.name}:`, 'remain-on-exit', 'on'],
    ['respawn-pane', '-k', '-t', `=${spec.name}:`, '-c', cwd, ...env, '--', ...spec.command],
  ];
}

/** For the commands that run tmux themselves (csm attach, a terminal window): an adopted session may have any name. */
export function attachArgs(tmuxSession: string): string[] {
  return tmuxArgv([['attach-session', '-t', `=${tmuxSession}`]]);
}

export function pipePaneArgs(pane: string, logFile: string): TmuxCommand {
  return ['pipe-pane', '-o', '-t', pane, formatLiteral(`cat >> ${shellQuote(logFile)}`)];
}

/** `escapes` keeps the colours and attributes (-e): the only way to tell Claude Code's dim placeholder from typed text. */
export function capturePaneArgs(pane: string, historyLines = 0, escapes = false): TmuxCommand {
  const args = ['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', pane];
  if (historyLines > 0) args.push('-S', String(-historyLines));
  return args;
}

/** Starts the geometry line of a snapshot; no screen line starts with it. */
export const SNAPSHOT_MARK = '\u0001csm-geometry ';

/**
 * A pane as a terminal would show it, in one tmux call: its size and cursor, then every row with its
 * colours and attributes (-e), trailing blanks kept where they carry a colour (-N).
 */
export function snapshotArgs(pane: string): TmuxCommand[] {
  return [
    ['display-message', '-p', '-t', pane, `${SNAPSHOT_MARK}#{pane_width} #{pane_height} #{cursor_x} #{cursor_y} #{cursor_flag}`],
    ['capture-pane', '-p', '-e', '-N', '-t', pane],
  ];
}

export interface PaneSnapshot {
  ansi: string;
  cols: number;
  rows: number;
  cursor: { x: number; y: number; visible: boolean };
}

export function parseSnapshot(stdout: string): PaneSnapshot {
  const start = stdout.indexOf(SNAPSHOT_MARK);
  const nl = stdout.indexOf('\n', start);
  if (start === -1 || nl === -1) throw new Error('tmux gave no pane geometry');
  const [cols = 0, rows = 0, x = 0, y = 0, flag = 1] = stdout.slice(start + SNAPSHOT_MARK.length, nl).trim().split(' ').map(Number);
  if (!(cols > 0 && rows > 0)) throw new Error(`tmux gave a bad pane geometry: ${stdout.slice(start, nl)}`);
  return { ansi: stdout.slice(nl + 1), cols, rows, cursor: { x, y, visible: flag === 1 } };
}

export const PANE_FORMAT = '#{pane_id}\t#{session_name}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_current_path}\t#{pane_pid}\t#{pane_dead_signal}';

export interface PaneInfo {
  paneId: string;
  session: string;
  dead: boolean;
  exitStatus: number | null;
  /** The signal that ended the program, when one did (then there is no exit status). */
  exitSignal: number | null;
  cwd: string;
  pid: number;
}

export function parsePanes(stdout: string): PaneInfo[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [paneId = '', session = '', dead = '0', status = '', cwd = '', pid = '0', signal = ''] = line.split('\t');
      return {
        paneId,
        session,
        dead: dead === '1',
        exitStatus: status === '' ? null : Number(status),
        exitSignal: signal === '' ? null : Number(signal),
        cwd,
        pid: Number(pid),
      };
    });
}

/**
 * Raw terminal input (the web dashboard's "take control": keystrokes, escape sequences, pastes) as
 * send-keys commands for one tmux invocation, so tmux writes it to the pane in one go and an arrow key's
 * ESC [ A is never split into a lone Escape. Control bytes (below 0x20, and DEL) go as hex (-H), everything
 * else literally (-l): neither form reads the text as key names or tmux syntax.
 */
export function terminalInputArgs(pane: string, data: string): TmuxCommand[] {
  const commands: TmuxCommand[] = [];
  // eslint-disable-next-line no-control-regex
  for (const run of data.match(/[\x00-\x1f\x7f]+|[^\x00-\x1f\x7f]+/g) ?? []) {
    const code = run.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) commands.push(['send-keys', '-t', pane, '-H', ...[...run].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0'))]);
    else commands.push(['send-keys', '-t', pane, '-l', '--', run]);
  }
  return commands;
}
