/**
 * Pure parsing of tmux control mode (`tmux -C`), the pane source of the web dashboard's terminal. tmux
 * writes one notification per line; a pane's output comes as `%output %<pane> <data>`, where every byte
 * below 0x20 and the backslash are written as `\ooo` (three octal digits) and all other bytes as they are.
 * A command's reply is framed by `%begin` and `%end` (or `%error`), in the same stream as the output, so a
 * screen captured through the control client sits at an exact point of the stream.
 */

export type ControlLine =
  | { type: 'output'; pane: string; data: Buffer }
  /** `ours`: flags 1, the command came from this client (the attach itself, and hooks, have 0). */
  | { type: 'begin'; number: string; ours: boolean }
  | { type: 'end'; number: string; error: boolean }
  | { type: 'layout-change' }
  | { type: 'exit'; reason: string }
  | { type: 'other'; line: string };

/** One line of tmux's stdout (without its newline), as bytes: output may hold any byte above 0x7f. */
export function parseControlLine(line: Buffer): ControlLine {
  const text = line.toString('latin1');
  if (text.startsWith('%output ')) {
    const space = text.indexOf(' ', 8);
    if (space < 0) return { type: 'output', pane: text.slice(8), data: Buffer.alloc(0) };
    return { type: 'output', pane: text.slice(8, space), data: unescapeOutput(line.subarray(space + 1)) };
  }
  const [word, , number = '', flags = ''] = text.split(' ');
  if (word === '%begin') return { type: 'begin', number, ours: flags === '1' };
  if (word === '%end' || word === '%error') return { type: 'end', number, error: word === '%error' };
  if (word === '%layout-change') return { type: 'layout-change' };
  if (word === '%exit') return { type: 'exit', reason: text.slice(6).trim() };
  return { type: 'other', line: line.toString('utf8') };
}

/** `\ooo` → the byte; every other byte is itself. */
export function unescapeOutput(escaped: Buffer): Buffer {
  if (!escaped.includes(0x5c)) return Buffer.from(escaped);
  const out = Buffer.alloc(escaped.length);
  let n = 0;
  for (let i = 0; i < escaped.length; i++) {
    const b = escaped[i]!;
    if (b === 0x5c && isOctal(escaped[i + 1]) && isOctal(escaped[i + 2]) && isOctal(escaped[i + 3])) {
      out[n++] = ((escaped[i + 1]! - 48) << 6) | ((escaped[i + 2]! - 48) << 3) | (escaped[i + 3]! - 48);
      i += 3;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

const isOctal = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 55;

/**
 * Commands for the control client's stdin, on one line (tmux runs them one after the other, each with its
 * own reply). tmux parses the line with its own command parser, so each argument is single-quoted: inside
 * single quotes nothing is special to tmux but the quote itself, which no argument we send holds (pane ids
 * and fixed formats); one that does is refused rather than sent.
 */
export function controlCommandLine(commands: readonly (readonly string[])[]): string {
  for (const a of commands.flat()) if (a.includes("'") || a.includes('\n')) throw new RangeError(`control-mode argument holds a quote or newline: ${JSON.stringify(a)}`);
  return `${commands.map((c) => c.map((a) => `'${a}'`).join(' ')).join(' ; ')}\n`;
}
