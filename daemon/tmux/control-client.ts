import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { controlCommandLine, parseControlLine } from './control-protocol.js';
import { serverArgs, type TmuxServer } from './commands.js';

export interface ControlClientEvents {
  /** Bytes a pane of the session wrote, in order. */
  output(pane: string, data: Buffer): void;
  /** A window's layout changed: a pane may have a new size. */
  layoutChange(): void;
  /** The client is gone (the session ended, tmux died, or close()). */
  exit(reason: string): void;
}

/**
 * A tmux control-mode client attached to one session: the live output of its panes, and commands whose
 * replies sit at their exact place in that output. Attached with `ignore-size` (it never sizes the window:
 * the laptop's terminal keeps its size) and `read-only` (keys go through send-keys like everywhere else).
 */
export class ControlClient {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replies: { resolve: (text: string) => void; reject: (err: Error) => void }[] = [];
  /** `ours`: a reply to one of our commands; others (the attach itself) are read and dropped. */
  #block: { number: string; ours: boolean; lines: Buffer[] } | null = null;
  #rest = Buffer.alloc(0);
  #closed = false;

  constructor(server: TmuxServer, tmuxSession: string, on: ControlClientEvents, bin = 'tmux') {
    this.#child = spawn(bin, [...serverArgs(server), '-C', 'attach-session', '-f', 'ignore-size,read-only', '-t', `=${tmuxSession}`], { stdio: 'pipe' });
    this.#child.stdout.on('data', (chunk: Buffer) => this.#read(chunk, on));
    this.#child.stdin.on('error', () => undefined);
    this.#child.on('error', (err) => this.#end(on, err.message));
    this.#child.on('exit', (code) => this.#end(on, `tmux exited (${code})`));
  }

  /**
   * Runs tmux commands through this client, on one line. `done` gets their replies synchronously, at the
   * replies' place in the stream: every output before it is already delivered, none after it yet (a promise
   * would resume only after the rest of the chunk, output included, was handled).
   */
  commands(list: readonly (readonly string[])[], done: (replies: string[] | Error) => void): void {
    if (this.#closed) return done(new Error('the control client has exited'));
    const replies: string[] = [];
    let failed = false;
    list.forEach((_, i) => {
      const last = i === list.length - 1;
      this.#replies.push({
        resolve: (text) => {
          replies.push(text);
          if (last && !failed) done(replies);
        },
        reject: (err) => {
          if (!failed) done(err);
          failed = true;
        },
      });
    });
    this.#child.stdin.write(controlCommandLine(list));
  }

  close(): void {
    if (this.#closed) return;
    // An empty line detaches a control client; the kill is for a tmux that no longer reads.
    this.#child.stdin.end('\n');
    setTimeout(() => this.#child.kill(), 1000).unref();
  }

  #read(chunk: Buffer, on: ControlClientEvents): void {
    let buf = this.#rest.length ? Buffer.concat([this.#rest, chunk]) : chunk;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      this.#line(buf.subarray(0, nl), on);
      buf = buf.subarray(nl + 1);
    }
    this.#rest = Buffer.from(buf);
  }

  #line(raw: Buffer, on: ControlClientEvents): void {
    if (this.#block) {
      const parsed = raw[0] === 0x25 ? parseControlLine(raw) : null;
      // A screen line that happens to read "%end" is no end: the number must be the block's own.
      if (parsed?.type !== 'end' || parsed.number !== this.#block.number) {
        this.#block.lines.push(raw);
        return;
      }
      const text = Buffer.concat(this.#block.lines.flatMap((l, i) => (i ? [Buffer.from('\n'), l] : [l]))).toString('utf8');
      const ours = this.#block.ours;
      this.#block = null;
      if (!ours) return;
      const reply = this.#replies.shift();
      if (parsed.error) reply?.reject(new Error(`tmux: ${text}`));
      else reply?.resolve(text);
      return;
    }
    const line = parseControlLine(raw);
    if (line.type === 'output') on.output(line.pane, line.data);
    else if (line.type === 'begin') this.#block = { number: line.number, ours: line.ours, lines: [] };
    else if (line.type === 'layout-change') on.layoutChange();
    else if (line.type === 'exit') this.#end(on, line.reason || 'detached');
  }

  #end(on: ControlClientEvents, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#replies.splice(0)) r.reject(new Error(`the control client has exited: ${reason}`));
    on.exit(reason);
  }
}
