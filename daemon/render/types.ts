/**
 * A terminal's screen as the renderer sees it. `TerminalSnapshot` is what the session side reads from
 * tmux (the escape-coded capture, the pane's size, its cursor); `Grid` is that capture after a terminal
 * emulator has played it: one cell per column, colours resolved to `#rrggbb`.
 */
export interface TerminalSnapshot {
  /** `tmux capture-pane -e -N -p`: one line per row, SGR escapes kept, trailing coloured blanks kept. */
  ansi: string;
  cols: number;
  rows: number;
  /** Zero-based; `visible` false when the program hid the cursor (Claude Code draws its own). */
  cursor: { x: number; y: number; visible: boolean };
}

export interface Cell {
  /** What the cell shows; '' for the right half of a wide character, ' ' for a blank. */
  ch: string;
  /** 1, or 2 for a wide character (CJK, most emoji); 0 for the right half of one. */
  width: 0 | 1 | 2;
  fg: string;
  /** null = the default background. */
  bg: string | null;
  bold: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
}

export interface Grid {
  cols: number;
  cells: Cell[][];
  /** Row and column in `cells`, or null when no cursor is to be drawn. */
  cursor: { x: number; y: number } | null;
}

export interface Theme {
  fg: string;
  bg: string;
  cursor: string;
  /** The 16 ANSI colours: 0-7 normal, 8-15 bright. */
  ansi: readonly string[];
}
