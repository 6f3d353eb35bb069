import { describe, expect, it } from 'vitest';
import { cropGrid, layoutFor, PHOTO_MAX_RATIO, PHOTO_MAX_SUM, rightSegment, type SizeOptions } from '../../../daemon/render/layout.js';
import type { Cell, Grid } from '../../../daemon/render/types.js';

const cell = (ch: string, bg: string | null = null): Cell => ({ ch, width: 1, fg: '#ffffff', bg, bold: false, italic: false, underline: false, strike: false });
/** Rows of text, `cols` wide; `#` marks a cell with a background colour. */
function grid(rows: string[], cols: number, cursor: Grid['cursor'] = null): Grid {
  return { cols, cursor, cells: rows.map((r) => Array.from({ length: cols }, (_, x) => (r[x] === '#' ? cell(' ', '#333333') : cell(r[x] ?? ' ')))) };
}
const text = (g: Grid): string[] => g.cells.map((r) => r.map((c) => (c.bg ? '#' : c.ch)).join('').trimEnd());
const OPTS = { maxBlankRun: 1, minCols: 4 };

describe('cropGrid', () => {
  it.each([
    { name: 'blank rows above and below are cut', rows: ['', '', 'hello', 'world', '', ''], want: ['hello', 'world'], cols: 5 },
    { name: 'a long blank stretch inside becomes one row', rows: ['top', '', '', '', '', 'bottom'], want: ['top', '', 'bottom'], cols: 6 },
    { name: 'the width is the content, and full-width rules are cut to it', rows: ['ab', '─'.repeat(40), '❯ x', '─'.repeat(40)], want: ['ab', '────', '❯ x', '────'], cols: 4 },
    { name: 'a right-aligned footer moves left to end at the new edge', rows: ['hello world', `? for shortcuts${' '.repeat(19)}● high`], want: ['hello world', '? for shortcuts  ● high'], cols: 23 },
    { name: 'a coloured band to the right edge does not widen the image', rows: ['#❯ hi' + '#'.repeat(30), 'some text'], want: ['#❯ hi####', 'some text'], cols: 9 },
    { name: 'a narrow screen keeps the minimum width', rows: ['a'], want: ['a'], cols: 4 },
  ])('$name', ({ rows, want, cols }) => {
    const g = cropGrid(grid(rows, 40), OPTS);
    expect(text(g).map((l) => l.trimEnd())).toEqual(want.map((l) => l.trimEnd()));
    expect(g.cols).toBe(cols);
  });

  it('keeps the cursor on its row, also on a blank one inside a stretch', () => {
    const g = cropGrid(grid(['top', '', '', '', '', 'bottom'], 20, { x: 2, y: 3 }), OPTS);
    expect(text(g)).toEqual(['top', '', '', '', 'bottom']);
    expect(g.cursor).toEqual({ x: 2, y: 2 });
  });

  it('keeps a wide character whole at the edge', () => {
    const g = grid(['abc'], 10);
    g.cells[0]![3] = { ...cell('漢'), width: 2 };
    g.cells[0]![4] = { ...cell(''), width: 0 };
    const cropped = cropGrid(g, { maxBlankRun: 1, minCols: 4 });
    expect(cropped.cells[0]!.map((c) => c.ch).join('')).toBe('abc漢');
  });

  it('an empty screen gives one blank row', () => {
    const g = cropGrid(grid(['', ''], 80), OPTS);
    expect(g.cells).toHaveLength(1);
  });
});

describe('rightSegment', () => {
  it.each([
    { row: `left${' '.repeat(30)}right`, want: { leftEnd: 4, start: 34, end: 39 } },
    { row: `${' '.repeat(34)}right`, want: { leftEnd: 0, start: 34, end: 39 } },
    { row: 'text that runs on to the right edge ok!', want: null },
    { row: `left${' '.repeat(30)}right`.slice(0, 30), want: null },
  ])('$row', ({ row, want }) => {
    expect(rightSegment(grid([row], 40).cells[0]!, 40)).toEqual(want);
  });
});

describe('layoutFor', () => {
  const dejavu: SizeOptions = { advance: 0.602, ascent: 0.928, descent: 0.236, targetWidth: 1280, minFontPx: 14, maxFontPx: 28 };
  it.each([
    { cols: 80, rows: 24, fontPx: 27 },
    { cols: 120, rows: 40, fontPx: 18 },
    { cols: 200, rows: 50, fontPx: 14 },
    { cols: 20, rows: 5, fontPx: 28 },
  ])('$cols×$rows: font $fontPx px', ({ cols, rows, fontPx }) => {
    const m = layoutFor(cols, rows, dejavu);
    expect(m.fontPx).toBe(fontPx);
    expect(m.width).toBeGreaterThanOrEqual(Math.ceil(cols * m.cellW));
    expect(m.height).toBeGreaterThanOrEqual(rows * m.cellH);
  });

  it.each([
    { name: 'one long row is padded to Telegram\'s aspect ratio', cols: 200, rows: 1 },
    { name: 'one tall column is padded too', cols: 1, rows: 300 },
    { name: 'a huge pane is shrunk to width + height within 10000', cols: 500, rows: 400 },
  ])('$name', ({ cols, rows }) => {
    const m = layoutFor(cols, rows, dejavu);
    expect(m.width + m.height).toBeLessThanOrEqual(PHOTO_MAX_SUM);
    expect(Math.max(m.width / m.height, m.height / m.width)).toBeLessThanOrEqual(PHOTO_MAX_RATIO);
  });
});
