import { existsSync, readFileSync } from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';
import { snapshotToGrid } from './emulate.js';
import { readFontInfo, type FontInfo } from './font-info.js';
import { findFonts, type FontFiles } from './fonts.js';
import { cropGrid, layoutFor, type Metrics, type SizeOptions } from './layout.js';
import { DARK_THEME } from './palette.js';
import { encodePng } from './png-encode.js';
import { gridToSvg } from './svg.js';
import type { Grid, TerminalSnapshot, Theme } from './types.js';

export interface PaneImage {
  png: Buffer;
  width: number;
  height: number;
}

export interface RendererOptions {
  /** screenshots.font_file; unset = the platform's monospace font. */
  fontFile?: string | null;
  /** screenshots.width: the width aimed at, in pixels. */
  targetWidth?: number;
  platform?: NodeJS.Platform;
  theme?: Theme;
}

/**
 * A pane's capture → PNG: a terminal emulator plays it, the grid is cropped and sized (layout.ts), drawn as
 * SVG (svg.ts) and rasterised by resvg. No browser. The fonts are found and read at the first image, so a
 * machine without them runs everything else and gets a clear error only when it asks for an image.
 */
export class PaneRenderer {
  readonly #o: RendererOptions;
  #fonts: { files: FontFiles; info: FontInfo } | null = null;

  constructor(o: RendererOptions = {}) {
    this.#o = o;
  }

  /** The font files used (finding them first); throws unavailable when there is none. */
  fonts(): { files: FontFiles; info: FontInfo } {
    if (!this.#fonts) {
      const files = findFonts(this.#o.fontFile, this.#o.platform ?? process.platform, existsSync);
      this.#fonts = { files, info: readFontInfo(readFileSync(files.regular)) };
    }
    return this.#fonts;
  }

  /** The cropped grid, where it is drawn, and the SVG: everything but the rasterising. */
  async draw(snap: TerminalSnapshot): Promise<{ grid: Grid; metrics: Metrics; svg: string }> {
    const { info } = this.fonts();
    const theme = this.#o.theme ?? DARK_THEME;
    const grid = cropGrid(await snapshotToGrid(snap, theme));
    const size: SizeOptions = { advance: info.advance, ascent: info.ascent, descent: info.descent, targetWidth: this.#o.targetWidth ?? 1280, minFontPx: 14, maxFontPx: 28 };
    const metrics = layoutFor(grid.cols, grid.cells.length, size);
    return { grid, metrics, svg: gridToSvg(grid, metrics, theme, info.family) };
  }

  async render(snap: TerminalSnapshot): Promise<PaneImage> {
    const { files, info } = this.fonts();
    const { svg, metrics } = await this.draw(snap);
    const { width, height } = metrics;
    // Off the event loop: parsing, text layout and rasterising on libuv's pool, then the PNG likewise.
    const image = await renderAsync(svg, {
      font: {
        fontFiles: [files.regular, ...(files.bold ? [files.bold] : []), ...files.fallbacks],
        loadSystemFonts: false,
        defaultFontFamily: info.family,
        monospaceFamily: info.family,
      },
      fitTo: { mode: 'original' },
    });
    return { png: await encodePng(image.pixels, image.width, image.height), width, height };
  }
}
