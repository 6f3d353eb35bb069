import type { Cell, Grid } from './types.js';

/**
 * Pure: which part of the pane an image shows, and how big it is drawn. The image keeps what a person
 * would look at: blank rows above and below are cut, long blank stretches inside are shortened (the
 * latest Claude Code leaves twenty blank rows between the conversation and its prompt), and the width is
 * that of the content, with full-width rules cut to it instead of setting it.
 */

/** Rows made only of these (and blanks) are rules: drawn, but not counted for the width. */
const RULE_CHARS = /^[─━═╌╍┄┅┈┉\-_]+$/;
/** A rule is at least this long; a short run of dashes is content. */
const MIN_RULE = 8;

export function isBlankCell(c: Cell): boolean {
  return (c.ch === ' ' || c.ch === '') && c.bg === null && !c.underline && !c.strike;
}

export function isBlankRow(row: readonly Cell[]): boolean {
  return row.every(isBlankCell);
}

/** The column after the last non-blank cell (0 for a blank row). */
export function rowEnd(row: readonly Cell[]): number {
  for (let x = row.length - 1; x >= 0; x--) if (!isBlankCell(row[x]!)) return x + 1;
  return 0;
}

/**
 * The column after the last cell that shows a glyph: a coloured band running on to the right edge (Claude
 * Code's prompt line) does not make the content wider than its text.
 */
export function glyphEnd(row: readonly Cell[]): number {
  for (let x = row.length - 1; x >= 0; x--) if (row[x]!.ch !== ' ' && row[x]!.ch !== '') return x + (row[x]!.width === 2 ? 2 : 1);
  return 0;
}

export function isRuleRow(row: readonly Cell[]): boolean {
  const text = row.map((c) => c.ch).join('').trim();
  return text.length >= MIN_RULE && RULE_CHARS.test(text);
}

/** The column of the first cell that shows a glyph (the row's length for a blank row). */
export function glyphStart(row: readonly Cell[]): number {
  const x = row.findIndex((c) => c.ch !== ' ' && c.ch !== '');
  return x === -1 ? row.length : x;
}

/**
 * Text set against the right edge after a wide gap (Claude Code's "? for shortcuts ⋯ ● high · /effort"):
 * where the left part ends, where the right part starts, and where it ends. In an image cut to the
 * content's width the right part is moved left to end at the new edge, still right-aligned, rather than
 * making the image as wide as the pane. Null for any other row.
 */
export function rightSegment(row: readonly Cell[], cols: number): { leftEnd: number; start: number; end: number } | null {
  const end = glyphEnd(row);
  if (end === 0 || end < cols - 4) return null;
  const gap = Math.max(8, Math.floor(cols / 4));
  let blanks = 0;
  for (let x = end - 1; x >= 0; x--) {
    if (row[x]!.ch === ' ' && row[x]!.bg === null) {
      if (++blanks >= gap) {
        const start = x + blanks;
        return { leftEnd: glyphEnd(row.slice(0, x)), start, end };
      }
    } else blanks = 0;
  }
  return null;
}

export interface CropOptions {
  /** Blank rows kept of a longer blank stretch inside the content. */
  maxBlankRun: number;
  /** The image is never narrower than this many columns (a two-word screen still reads as a terminal). */
  minCols: number;
}

export const DEFAULT_CROP: CropOptions = { maxBlankRun: 1, minCols: 40 };

export function cropGrid(grid: Grid, o: CropOptions = DEFAULT_CROP): Grid {
  const cursorRow = grid.cursor?.y ?? -1;
  const keep = grid.cells.map((row, y) => y === cursorRow || !isBlankRow(row));
  const first = keep.indexOf(true);
  if (first === -1) return { cols: Math.min(grid.cols, o.minCols), cells: [grid.cells[0]?.slice(0, o.minCols) ?? []], cursor: null };
  const last = keep.lastIndexOf(true);
  const rows: { row: Cell[]; y: number }[] = [];
  let blankRun = 0;
  for (let y = first; y <= last; y++) {
    if (keep[y]) blankRun = 0;
    else if (++blankRun > o.maxBlankRun) continue;
    rows.push({ row: grid.cells[y]!, y });
  }
  const segment = (row: Cell[], y: number): ReturnType<typeof rightSegment> => (y === cursorRow ? null : rightSegment(row, grid.cols));
  let width = 0;
  for (const { row, y } of rows) {
    if (isRuleRow(row)) continue;
    const seg = segment(row, y);
    width = Math.max(width, seg ? seg.leftEnd + (seg.leftEnd > 0 ? 2 : 0) + seg.end - seg.start : glyphEnd(row));
  }
  if (grid.cursor) width = Math.max(width, grid.cursor.x + 1);
  if (width === 0) width = Math.max(...rows.map(({ row }) => rowEnd(row)));
  width = Math.min(grid.cols, Math.max(width, o.minCols));
  for (const r of rows) {
    const seg = segment(r.row, r.y);
    if (!seg || seg.end <= width) continue;
    const gap = Array.from({ length: width - seg.leftEnd - (seg.end - seg.start) }, () => r.row[seg.leftEnd]!);
    r.row = [...r.row.slice(0, seg.leftEnd), ...gap, ...r.row.slice(seg.start)];
  }
  // A wide character cut in half at the edge would leave its right half dangling: keep it whole.
  const cut = (row: Cell[]): Cell[] => (row[width - 1]?.width === 2 && width < grid.cols ? row.slice(0, width + 1) : row.slice(0, width));
  const cursorAt = grid.cursor ? rows.findIndex((r) => r.y === grid.cursor!.y) : -1;
  return {
    cols: width,
    cells: rows.map(({ row }) => cut(row)),
    cursor: grid.cursor && cursorAt !== -1 ? { x: grid.cursor.x, y: cursorAt } : null,
  };
}

export interface SizeOptions {
  /** Cell advance and ascent/descent of the font, in em. */
  advance: number;
  ascent: number;
  descent: number;
  /** The width aimed at: Telegram shows photos up to 1280 px wide, and a phone zooms into that. */
  targetWidth: number;
  minFontPx: number;
  maxFontPx: number;
}

export interface Metrics {
  fontPx: number;
  cellW: number;
  cellH: number;
  /** From a row's top to the text's baseline. */
  baseline: number;
  padX: number;
  padY: number;
  width: number;
  height: number;
}

/** Telegram's limits for a photo: width + height at most 10000, and neither side more than 20 times the other. */
export const PHOTO_MAX_SUM = 10_000;
export const PHOTO_MAX_RATIO = 20;

/**
 * The font size that makes `cols` columns about `targetWidth` wide, within the readable range, then the
 * image's size; padded or shrunk so that Telegram accepts it as a photo.
 */
export function layoutFor(cols: number, rows: number, o: SizeOptions): Metrics {
  let fontPx = Math.round(Math.min(o.maxFontPx, Math.max(o.minFontPx, o.targetWidth / (Math.max(1, cols) * o.advance))));
  for (;;) {
    const m = measure(cols, rows, fontPx, o);
    if (m.width + m.height <= PHOTO_MAX_SUM || fontPx <= 4) return m;
    fontPx = Math.max(4, Math.floor(fontPx * 0.9));
  }
}

function measure(cols: number, rows: number, fontPx: number, o: SizeOptions): Metrics {
  const cellW = fontPx * o.advance;
  // The font's own line height, so that box drawing and block characters join up between rows.
  const cellH = Math.ceil(fontPx * (o.ascent + o.descent));
  const baseline = Math.round(fontPx * o.ascent + (cellH - fontPx * (o.ascent + o.descent)) / 2);
  const padX = Math.round(cellW);
  const padY = Math.round(cellH / 2);
  let width = Math.ceil(cols * cellW + 2 * padX);
  let height = Math.ceil(rows * cellH + 2 * padY);
  if (width > height * PHOTO_MAX_RATIO) height = Math.ceil(width / (PHOTO_MAX_RATIO - 1));
  if (height > width * PHOTO_MAX_RATIO) width = Math.ceil(height / (PHOTO_MAX_RATIO - 1));
  return { fontPx, cellW, cellH, baseline, padX, padY, width, height };
}
