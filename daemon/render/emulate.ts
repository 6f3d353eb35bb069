import xterm from '@xterm/headless';
import type { IBufferCell } from '@xterm/headless';
import { TMUX_WIDTHS } from './char-width.js';
import { dimColor, paletteColor, rgbHex } from './palette.js';
import type { Cell, Grid, TerminalSnapshot, Theme } from './types.js';

/**
 * Plays a pane's escape-coded capture through a real terminal emulator (xterm.js, headless) and reads back
 * its cells: SGR colours (16, 256, truecolor), attributes and wide characters come out exactly as a
 * terminal would show them, with no escape parsing of our own.
 */
export async function snapshotToGrid(snap: TerminalSnapshot, theme: Theme): Promise<Grid> {
  const cols = Math.max(1, snap.cols);
  const rows = Math.max(1, snap.rows);
  const term = new xterm.Terminal({ cols, rows, scrollback: 0, allowProposedApi: true });
  try {
    term.unicode.register(TMUX_WIDTHS);
    term.unicode.activeVersion = TMUX_WIDTHS.version;
    // Lines are written apart by CR LF and the last one without, so that nothing scrolls off the top.
    const lines = snap.ansi.replace(/\n$/, '').split('\n').slice(0, rows);
    await new Promise<void>((resolve) => term.write(lines.join('\r\n'), resolve));
    const buffer = term.buffer.active;
    const cells: Cell[][] = [];
    const scratch = buffer.getNullCell();
    for (let y = 0; y < rows; y++) {
      const line = buffer.getLine(buffer.baseY + y);
      const row: Cell[] = [];
      for (let x = 0; x < cols; x++) {
        const c = line?.getCell(x, scratch);
        row.push(c ? toCell(c, theme) : blank(theme));
      }
      cells.push(row);
    }
    const { x, y, visible } = snap.cursor;
    const cursor = visible && x >= 0 && y >= 0 && x < cols && y < rows ? { x, y } : null;
    return { cols, cells, cursor };
  } finally {
    term.dispose();
  }
}

function blank(theme: Theme): Cell {
  return { ch: ' ', width: 1, fg: theme.fg, bg: null, bold: false, italic: false, underline: false, strike: false };
}

function toCell(c: IBufferCell, theme: Theme): Cell {
  const width = c.getWidth() as 0 | 1 | 2;
  const fgColor = c.isFgRGB() ? rgbHex(c.getFgColor()) : c.isFgPalette() ? paletteColor(c.getFgColor(), theme) : null;
  const bgColor = c.isBgRGB() ? rgbHex(c.getBgColor()) : c.isBgPalette() ? paletteColor(c.getBgColor(), theme) : null;
  let fg = fgColor ?? theme.fg;
  let bg = bgColor;
  if (c.isInverse()) {
    fg = bgColor ?? theme.bg;
    bg = fgColor ?? theme.fg;
  }
  if (c.isDim()) fg = dimColor(fg, bg ?? theme.bg);
  if (c.isInvisible()) fg = bg ?? theme.bg;
  const chars = c.getChars();
  return {
    ch: width === 0 ? '' : chars === '' ? ' ' : chars,
    width,
    fg,
    bg,
    bold: c.isBold() !== 0,
    italic: c.isItalic() !== 0,
    underline: c.isUnderline() !== 0,
    strike: c.isStrikethrough() !== 0,
  };
}
