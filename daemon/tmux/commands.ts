/**
 * Pure argv builders for tmux. Every argument is passed to tmux as its own argv element (no shell), so
 * paths and texts can hold any character. The only shell string we build is pipe-pane's, quoted here.
 */

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
 * that we can read its exit status and last screen even if Claude dies at once.
 */
export function newSessionArgs(spec: NewSessionSpec): string[] {
  const env = Object.entries(spec.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return [
    'new-session', '-d', '-P', '-F', '#{pane_id}',
    '-s', spec.name, '-c', spec.cwd,
    '-x', String(spec.width ?? 200), '-y', String(spec.height ?? 50),
    ...env, '--', ...spec.command,
    ';', 'set-option', '-w', '-t', `=${spec.name}:`, 'remain-on-exit', 'on',
  ];
}

export function pipePaneArgs(pane: string, logFile: string): string[] {
  return ['pipe-pane', '-o', '-t', pane, `cat >> ${shellQuote(logFile)}`];
}

export function capturePaneArgs(pane: string, historyLines = 0): string[] {
  const args = ['capture-pane', '-p', '-t', pane];
  if (historyLines > 0) args.push('-S', String(-historyLines));
  return args;
}

export const PANE_FORMAT = '#{pane_id}\t#{session_name}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_current_path}\t#{pane_pid}';

export interface PaneInfo {
  paneId: string;
  session: string;
  dead: boolean;
  exitStatus: number | null;
  cwd: string;
  pid: number;
}

export function parsePanes(stdout: string): PaneInfo[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [paneId = '', session = '', dead = '0', status = '', cwd = '', pid = '0'] = line.split('\t');
      return {
        paneId,
        session,
        dead: dead === '1',
        exitStatus: status === '' ? null : Number(status),
        cwd,
        pid: Number(pid),
      };
    });
}
