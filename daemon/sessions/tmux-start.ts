import { setTimeout as delay } from 'node:timers/promises';
import { CommandError } from '../errors.js';
import type { Tmux } from '../tmux/tmux.js';

export interface TmuxStart {
  /** The tmux session's name. */
  name: string;
  cwd: string;
  command: string[];
  env: Record<string, string>;
  logFile: string;
  /** claude.command, to name in the error when the program exits at once. */
  program: string;
  /** Test instrumentation: right after tmux started it, before its log is set up. */
  afterSpawn?: () => void;
}

/**
 * Starts the program in a new tmux session with its output logged, and returns its pane. A program that
 * exits at once (a wrong wrapper, arguments it rejects) is refused with what it printed and its exit
 * code; its tmux session is removed, so nothing is left behind.
 */
export async function startInTmux(tmux: Tmux, o: TmuxStart): Promise<string> {
  const paneId = await tmux.newSession({ name: o.name, cwd: o.cwd, command: o.command, env: o.env });
  o.afterSpawn?.();
  try {
    // pipe-pane fails on a pane that has exited: the dead pane then tells why, which is the better error.
    const piped = await tmux.pipePane(paneId, o.logFile).then(() => null, (err: unknown) => err);
    await refuseExitedAtOnce(tmux, paneId, o);
    if (piped) throw piped;
  } catch (err) {
    await tmux.killSession(o.name).catch(() => undefined);
    throw err;
  }
  return paneId;
}

/** A dead pane, kept by remain-on-exit, says what it printed and how it ended instead of tmux's "target pane has exited". */
async function refuseExitedAtOnce(tmux: Tmux, paneId: string, o: TmuxStart): Promise<void> {
  const find = async () => (await tmux.listPanes()).find((p) => p.paneId === paneId);
  let pane = await find();
  if (pane && !pane.dead) return;
  // tmux marks the pane dead when the terminal closes, and learns the exit status only when it reaps the
  // child, which on a busy machine can be a while later: until then #{pane_dead_status} is empty.
  for (let waited = 0; pane?.dead && pane.exitStatus === null && pane.exitSignal === null && waited < 3_000; waited += 50) {
    await delay(50);
    pane = await find();
  }
  // With history: a program that exits at once has its first line scrolled off the visible screen (tmux 3.3a).
  const screen = await tmux.capturePane(paneId, 100).catch(() => '');
  throw new CommandError('bad_request', exitedAtOnceMessage(o.program, { code: pane?.exitStatus ?? null, signal: pane?.exitSignal ?? null }, screen, o.name));
}

/** The 4xx message for a program that died before the session was up, with the last lines it printed. */
export function exitedAtOnceMessage(command: string, exit: { code: number | null; signal: number | null }, screen: string, tmuxSession: string): string {
  const all = screen.split('\n').map((l) => l.trimEnd());
  const lines = all.filter((l) => l !== '' && !/^Pane is dead/.test(l));
  // tmux's own line in the dead pane ("Pane is dead (status 3, …)") when its list did not say.
  const told = all.map((l) => /^Pane is dead \((status|signal) (\d+)/.exec(l)).find((m) => m !== null);
  const code = exit.code ?? (told?.[1] === 'status' ? Number(told[2]) : null);
  const signal = exit.signal ?? (told?.[1] === 'signal' ? Number(told[2]) : null);
  const how = code !== null ? ` with exit code ${code}` : signal !== null ? `, ended by signal ${signal}` : ' (tmux did not learn its exit code)';
  const tail = lines.slice(-10).join('\n');
  return (
    `The program "${command}" exited at once${how}, so no session was started (tmux session ${tmuxSession} removed). ` +
    (tail ? `Its last output:\n${tail}\n` : 'It printed nothing (or exited before tmux could read what it printed). ') +
    'Check claude.command, claude.default_args and the args you passed (run the command by hand in that folder to see it fail).'
  );
}
