/**
 * Pure: a pane's screen, as tmux captures it with its colours (`capture-pane -p -e`), turned into the bytes
 * that draw exactly that screen on an empty terminal of the pane's size, cursor included. A browser that
 * joins late writes this first, then the stream.
 */

export interface PaneGeometry {
  cursorX: number;
  cursorY: number;
  cols: number;
  rows: number;
  cursorVisible: boolean;
  alternate: boolean;
}

/** What the snapshot asks tmux for, beside the capture: `display-message -p` with this format. */
export const GEOMETRY_FORMAT = '#{cursor_x} #{cursor_y} #{pane_width} #{pane_height} #{cursor_flag} #{alternate_on}';

export function parseGeometry(line: string): PaneGeometry | null {
  const n = line.trim().split(' ').map(Number);
  if (n.length !== 6 || n.some((x) => !Number.isInteger(x) || x < 0)) return null;
  const [cursorX, cursorY, cols, rows, visible, alternate] = n as [number, number, number, number, number, number];
  if (cols < 1 || rows < 1) return null;
  return { cursorX, cursorY, cols, rows, cursorVisible: visible === 1, alternate: alternate === 1 };
}

export function snapshotBytes(capture: string, g: PaneGeometry): string {
  const lines = capture.replace(/\n$/, '').split('\n').slice(0, g.rows);
  return [
    // The alternate screen first, so that the program leaving it later lands where a real terminal would.
    g.alternate ? '\x1b[?1049h' : '',
    '\x1b[?25l\x1b[0m\x1b[H\x1b[2J',
    // Each line starts at column 1 of its row: a full-width line must not wrap into the next.
    lines.map((l, i) => `\x1b[${i + 1};1H${l}\x1b[0m`).join(''),
    `\x1b[${g.cursorY + 1};${g.cursorX + 1}H`,
    g.cursorVisible ? '\x1b[?25h' : '',
  ].join('');
}
