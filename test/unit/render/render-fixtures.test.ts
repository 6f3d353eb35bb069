import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHOTO_MAX_RATIO, PHOTO_MAX_SUM } from '../../../daemon/render/layout.js';
import { DARK_THEME } from '../../../daemon/render/palette.js';
import { PaneRenderer } from '../../../daemon/render/renderer.js';
import type { Grid, TerminalSnapshot } from '../../../daemon/render/types.js';
import { decodePng } from '../../helpers/png.js';

/** Screens captured with their colours from the real Claude Code (test/fixtures/capture-pane-images.ts). */
const DIR = join(import.meta.dirname, '../../fixtures/pane-snapshots');
const load = (version: string, name: string): TerminalSnapshot => JSON.parse(readFileSync(join(DIR, version, `${name}.json`), 'utf8')) as TerminalSnapshot;
const renderer = new PaneRenderer();

/** The first cell whose character is `ch` (and, if given, in a row whose text matches `row`). */
function find(grid: Grid, ch: string, row?: RegExp): { x: number; y: number } {
  for (const [y, cells] of grid.cells.entries()) {
    if (row && !row.test(cells.map((c) => c.ch).join(''))) continue;
    const x = cells.findIndex((c) => c.ch === ch);
    if (x !== -1) return { x, y };
  }
  throw new Error(`no cell "${ch}"`);
}

describe.each(['2.1.197', 'latest'])('pane images of Claude Code %s', (version) => {
  it.each(['idle', 'finished', 'permission-bash'])('%s: a PNG within Telegram\'s limits, cropped, every text row drawn', async (name) => {
    const snap = load(version, name);
    const { grid, metrics } = await renderer.draw(snap);
    const image = await renderer.render(snap);
    const png = decodePng(image.png);
    expect([png.width, png.height]).toEqual([metrics.width, metrics.height]);
    expect(png.width + png.height).toBeLessThanOrEqual(PHOTO_MAX_SUM);
    expect(Math.max(png.width / png.height, png.height / png.width)).toBeLessThanOrEqual(PHOTO_MAX_RATIO);
    expect(image.png.length).toBeLessThan(1024 * 1024);
    // Cropped: narrower than the 200-column pane, and no blank rows at either end.
    expect(grid.cols).toBeLessThan(snap.cols);
    expect(grid.cells.length).toBeLessThanOrEqual(snap.rows);
    // Every row that holds text has pixels that are not the background.
    for (const [y, cells] of grid.cells.entries()) {
      if (!cells.some((c) => c.ch.trim() !== '')) continue;
      const top = Math.round(metrics.padY + y * metrics.cellH);
      let inked = 0;
      for (let py = top; py < top + metrics.cellH; py += 2) for (let px = 0; px < png.width; px += 2) if (png.pixel(px, py) !== DARK_THEME.bg) inked++;
      expect(inked, `row ${y}: ${cells.map((c) => c.ch).join('').trim()}`).toBeGreaterThan(0);
    }
  });

  it('the logo, the prompt band and the dialog are drawn in their colours', async () => {
    const snap = load(version, 'permission-bash');
    const { grid, metrics } = await renderer.draw(snap);
    const png = decodePng((await renderer.render(snap)).png);
    const centre = (x: number, y: number): string => png.pixel(Math.floor(metrics.padX + (x + 0.5) * metrics.cellW), Math.floor(metrics.padY + (y + 0.5) * metrics.cellH));
    // Claude Code's logo: a full block in colour 174 of the 256-colour palette.
    const block = find(grid, '█');
    expect(grid.cells[block.y]![block.x]!.fg).toBe('#d78787');
    expect(centre(block.x, block.y)).toBe('#d78787');
    // The first prompt's line has its own background (colour 237) to the right of the text.
    const prompt = find(grid, '❯', /please cleanup/);
    const band = grid.cells[prompt.y]![grid.cols - 2]!.bg;
    expect(band).not.toBeNull();
    expect(centre(grid.cols - 2, prompt.y)).toBe(band);
    // A blank cell with no colour shows the theme's background.
    expect(png.pixel(1, 1)).toBe(DARK_THEME.bg);
    // The dialog's question is drawn: its first letter's cell has ink, the blank cell before it none.
    const q = find(grid, 'D', /Do you want to proceed/);
    const ink = (x: number, y: number): number => {
      let n = 0;
      for (let py = Math.ceil(metrics.padY + y * metrics.cellH); py < metrics.padY + (y + 1) * metrics.cellH; py++) {
        for (let px = Math.ceil(metrics.padX + x * metrics.cellW); px < metrics.padX + (x + 1) * metrics.cellW; px++) if (png.pixel(px, py) !== DARK_THEME.bg) n++;
      }
      return n;
    };
    expect(ink(q.x, q.y)).toBeGreaterThan(10);
    expect(ink(q.x - 1, q.y)).toBe(0);
  });
});
