import type { Metrics } from './layout.js';
import type { Cell, Grid, Theme } from './types.js';

/**
 * Pure: a grid of cells → an SVG document drawn like a terminal. Every character is placed at its own
 * cell (per-glyph x positions), so a glyph taken from a fallback font never shifts the rest of the row.
 * Block elements and the common box-drawing lines are drawn as rectangles: a font's glyphs for them leave
 * gaps between rows, and Claude Code's logo and rules are made of them.
 */

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number): string => String(Math.round(n * 100) / 100);

/** Quadrants of U+2596-U+259F: 1 top left, 2 top right, 4 bottom left, 8 bottom right. */
const QUADRANTS: Record<number, number> = { 0x2596: 4, 0x2597: 8, 0x2598: 1, 0x2599: 13, 0x259a: 9, 0x259b: 7, 0x259c: 11, 0x259d: 2, 0x259e: 6, 0x259f: 14 };

/** Box-drawing lines: which of left, right, up, down the line reaches, and whether it is heavy. */
const BOX: Record<number, { l?: true; r?: true; u?: true; d?: true; heavy?: true }> = {
  0x2500: { l: true, r: true }, 0x2501: { l: true, r: true, heavy: true }, 0x2502: { u: true, d: true }, 0x2503: { u: true, d: true, heavy: true },
  0x250c: { r: true, d: true }, 0x2510: { l: true, d: true }, 0x2514: { r: true, u: true }, 0x2518: { l: true, u: true },
  0x251c: { u: true, d: true, r: true }, 0x2524: { u: true, d: true, l: true }, 0x252c: { l: true, r: true, d: true }, 0x2534: { l: true, r: true, u: true },
  0x253c: { l: true, r: true, u: true, d: true }, 0x256d: { r: true, d: true }, 0x256e: { l: true, d: true }, 0x256f: { l: true, u: true }, 0x2570: { r: true, u: true },
};

type Rect = [x: number, y: number, w: number, h: number, opacity?: number];

/** Edges on whole pixels: shapes of neighbouring cells then meet without an anti-aliased seam. */
function rect(x: number, y: number, w: number, h: number, fill: string, opacity?: number): string {
  const x0 = Math.round(x);
  const y0 = Math.round(y);
  const w0 = Math.max(1, Math.round(x + w) - x0);
  const h0 = Math.max(1, Math.round(y + h) - y0);
  return `<rect x="${x0}" y="${y0}" width="${w0}" height="${h0}" fill="${fill}"${opacity ? ` fill-opacity="${opacity}"` : ''}/>`;
}

/** Characters Claude Code draws that the usual monospace fonts lack, shown as the nearest one they have. */
const SUBSTITUTES: Record<string, string> = { '⏺': '●', '⎿': '└', '⏵': '▶', '⏸': '‖' };

/** Rectangles (relative to the cell's top left) that draw `ch`, or null when it is left to the font. */
export function cellShapes(ch: string, w: number, h: number): Rect[] | null {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch.length > 2) return null;
  if (cp === 0x2588) return [[0, 0, w, h]];
  if (cp === 0x2580) return [[0, 0, w, h / 2]];
  if (cp >= 0x2581 && cp <= 0x2587) {
    const part = (h * (cp - 0x2580)) / 8;
    return [[0, h - part, w, part]];
  }
  if (cp >= 0x2589 && cp <= 0x258f) return [[0, 0, (w * (0x2590 - cp)) / 8, h]];
  if (cp === 0x2590) return [[w / 2, 0, w / 2, h]];
  if (cp >= 0x2591 && cp <= 0x2593) return [[0, 0, w, h, (cp - 0x2590) / 4]];
  if (cp === 0x2594) return [[0, 0, w, h / 8]];
  if (cp === 0x2595) return [[(w * 7) / 8, 0, w / 8, h]];
  const q = QUADRANTS[cp];
  if (q !== undefined) {
    const rects: Rect[] = [];
    if (q & 1) rects.push([0, 0, w / 2, h / 2]);
    if (q & 2) rects.push([w / 2, 0, w / 2, h / 2]);
    if (q & 4) rects.push([0, h / 2, w / 2, h / 2]);
    if (q & 8) rects.push([w / 2, h / 2, w / 2, h / 2]);
    return rects;
  }
  const box = BOX[cp];
  if (box) {
    const t = Math.max(1, Math.round(h / (box.heavy ? 9 : 16)));
    const cx = Math.round(w / 2 - t / 2);
    const cy = Math.round(h / 2 - t / 2);
    const rects: Rect[] = [];
    if (box.l) rects.push([0, cy, cx + t, t]);
    if (box.r) rects.push([cx, cy, w - cx, t]);
    if (box.u) rects.push([cx, 0, t, cy + t]);
    if (box.d) rects.push([cx, cy, t, h - cy]);
    return rects;
  }
  return null;
}

interface Style {
  fg: string;
  bold: boolean;
  italic: boolean;
}

const sameStyle = (a: Style, b: Style): boolean => a.fg === b.fg && a.bold === b.bold && a.italic === b.italic;

export function gridToSvg(grid: Grid, m: Metrics, theme: Theme, family: string): string {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${m.width}" height="${m.height}" viewBox="0 0 ${m.width} ${m.height}">`);
  out.push(`<rect width="${m.width}" height="${m.height}" fill="${theme.bg}"/>`);
  const cx = (x: number): number => m.padX + x * m.cellW;
  const cy = (y: number): number => m.padY + y * m.cellH;
  const cursor = grid.cursor;

  grid.cells.forEach((row, y) => {
    // Backgrounds: one rectangle per run of equal colour.
    let x = 0;
    while (x < row.length) {
      const bg = cursor && cursor.y === y && cursor.x === x ? theme.cursor : row[x]!.bg;
      let end = x + 1;
      while (end < row.length && (cursor && cursor.y === y && cursor.x === end ? theme.cursor : row[end]!.bg) === bg) end++;
      if (bg !== null) out.push(rect(cx(x), cy(y), (end - x) * m.cellW, m.cellH, bg));
      x = end;
    }
  });

  out.push(`<g font-family="${escapeXml(family)}, monospace" font-size="${m.fontPx}">`);
  grid.cells.forEach((row, y) => {
    const baseline = cy(y) + m.baseline;
    let run: { style: Style; xs: number[]; text: string } | null = null;
    const flush = (): void => {
      if (run && run.text !== '') out.push(textElement(run.style, run.xs, baseline, run.text));
      run = null;
    };
    row.forEach((cell, x) => {
      const fg = cursor && cursor.y === y && cursor.x === x ? (cell.bg ?? theme.bg) : cell.fg;
      decorate(out, cell, fg, cx(x), cy(y), m);
      if (cell.ch === ' ' || cell.ch === '') return;
      const ch = SUBSTITUTES[cell.ch] ?? cell.ch;
      const shapes = cellShapes(ch, m.cellW * (cell.width || 1), m.cellH);
      if (shapes) {
        for (const [rx, ry, rw, rh, opacity] of shapes) out.push(rect(cx(x) + rx, cy(y) + ry, rw, rh, fg, opacity));
        return;
      }
      const style = { fg, bold: cell.bold, italic: cell.italic };
      // A wide character or a cluster of several code points gets a text element of its own.
      if (cell.width === 2 || [...cell.ch].length > 1) {
        out.push(textElement(style, [cx(x)], baseline, ch));
        return;
      }
      const current = run as { style: Style; xs: number[]; text: string } | null;
      if (current && sameStyle(current.style, style)) {
        current.xs.push(cx(x));
        current.text += ch;
      } else {
        flush();
        run = { style, xs: [cx(x)], text: ch };
      }
    });
    flush();
  });
  out.push('</g>', '</svg>');
  return out.join('\n');
}

function decorate(out: string[], cell: Cell, fg: string, x: number, y: number, m: Metrics): void {
  const t = Math.max(1, Math.round(m.fontPx / 14));
  const w = m.cellW * (cell.width || 1);
  if (cell.underline) out.push(rect(x, y + m.baseline + t, w, t, fg));
  if (cell.strike) out.push(rect(x, y + m.cellH / 2, w, t, fg));
}

function textElement(s: Style, xs: number[], y: number, text: string): string {
  const attrs = [
    `x="${xs.map(num).join(' ')}"`,
    `y="${y}"`,
    `fill="${s.fg}"`,
    ...(s.bold ? ['font-weight="bold"'] : []),
    ...(s.italic ? ['font-style="italic"'] : []),
  ];
  return `<text ${attrs.join(' ')}>${escapeXml(text)}</text>`;
}
