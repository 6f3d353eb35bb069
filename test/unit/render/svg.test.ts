import { describe, expect, it } from 'vitest';
import { charWidth } from '../../../daemon/render/char-width.js';
import { snapshotToGrid } from '../../../daemon/render/emulate.js';
import { boldSibling, findFonts } from '../../../daemon/render/fonts.js';
import { cellShapes, gridToSvg } from '../../../daemon/render/svg.js';
import { DARK_THEME, paletteColor } from '../../../daemon/render/palette.js';
import type { Metrics } from '../../../daemon/render/layout.js';

const M: Metrics = { fontPx: 20, cellW: 12, cellH: 24, baseline: 19, padX: 12, padY: 12, width: 500, height: 100 };

describe('snapshotToGrid (xterm.js headless)', () => {
  it.each([
    { name: '16 colours and bold', ansi: '\x1b[1;31mred\x1b[0m', x: 0, fg: DARK_THEME.ansi[1], bold: true },
    { name: '256 colours', ansi: '\x1b[38;5;208morange', x: 0, fg: '#ff8700', bold: false },
    { name: 'truecolor', ansi: '\x1b[38;2;10;200;30mtrue', x: 0, fg: '#0ac81e', bold: false },
    { name: 'inverse swaps the colours', ansi: '\x1b[7mX', x: 0, fg: DARK_THEME.bg, bold: false },
  ])('$name', async ({ ansi, x, fg, bold }) => {
    const g = await snapshotToGrid({ ansi, cols: 20, rows: 2, cursor: { x: 0, y: 0, visible: false } }, DARK_THEME);
    expect(g.cells[0]![x]).toMatchObject({ fg, bold });
  });

  it('wide characters and emoji take two columns, as tmux counts them', async () => {
    const g = await snapshotToGrid({ ansi: '漢字 😀 x', cols: 20, rows: 1, cursor: { x: 0, y: 0, visible: false } }, DARK_THEME);
    expect(g.cells[0]!.slice(0, 8).map((c) => `${c.ch}${c.width}`)).toEqual(['漢2', '0', '字2', '0', ' 1', '😀2', '0', ' 1']);
    expect(g.cells[0]![8]!.ch).toBe('x');
  });

  it('rows of the capture stay rows, and a hidden cursor is not drawn', async () => {
    const g = await snapshotToGrid({ ansi: 'one\ntwo\nthree\n', cols: 10, rows: 3, cursor: { x: 1, y: 2, visible: false } }, DARK_THEME);
    expect(g.cells.map((r) => r.map((c) => c.ch).join('').trim())).toEqual(['one', 'two', 'three']);
    expect(g.cursor).toBeNull();
  });
});

describe('charWidth', () => {
  it.each([
    ['a', 1], ['─', 1], ['❯', 1], ['⏺', 1], ['漢', 2], ['😀', 2], ['✅', 2], ['\u0301', 0], ['\ufe0f', 0],
  ])('%s → %i', (ch, width) => expect(charWidth(ch.codePointAt(0)!)).toBe(width));
});

describe('paletteColor', () => {
  it.each([[1, DARK_THEME.ansi[1]], [16, '#000000'], [174, '#d78787'], [231, '#ffffff'], [232, '#080808'], [255, '#eeeeee']])('%i → %s', (i, hex) => {
    expect(paletteColor(i, DARK_THEME)).toBe(hex);
  });
});

describe('cellShapes', () => {
  it.each([
    { ch: '█', rects: [[0, 0, 12, 24]] },
    { ch: '▀', rects: [[0, 0, 12, 12]] },
    { ch: '▐', rects: [[6, 0, 6, 24]] },
    { ch: '▛', rects: [[0, 0, 6, 12], [6, 0, 6, 12], [0, 12, 6, 12]] },
    { ch: '─', rects: [[0, 11, 7, 2], [5, 11, 7, 2]] },
    { ch: 'a', rects: null },
  ])('$ch', ({ ch, rects }) => expect(cellShapes(ch, 12, 24)).toEqual(rects));
});

describe('gridToSvg', () => {
  it('places each character at its cell, escapes text, and draws the cursor as a block', async () => {
    const g = await snapshotToGrid({ ansi: 'a<b &\x1b[1mB', cols: 10, rows: 1, cursor: { x: 6, y: 0, visible: true } }, DARK_THEME);
    const svg = gridToSvg(g, M, DARK_THEME, 'DejaVu Sans Mono');
    expect(svg).toContain('<text x="12 24 36 60" y="31" fill="#e5e5e5">a&lt;b&amp;</text>');
    expect(svg).toContain('font-weight="bold">B</text>');
    expect(svg).toContain(`<rect x="84" y="12" width="12" height="24" fill="${DARK_THEME.cursor}"/>`);
  });
});

describe('findFonts', () => {
  const has = (...paths: string[]) => (p: string): boolean => paths.includes(p);
  it.each([
    { name: 'DejaVu on Debian, with its bold and DejaVu Sans for symbols', platform: 'linux' as const, files: ['/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'], want: { regular: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf', bold: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf', fallbacks: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'] } },
    { name: 'Menlo on macOS, with Apple Color Emoji', platform: 'darwin' as const, files: ['/System/Library/Fonts/Menlo.ttc', '/System/Library/Fonts/Apple Color Emoji.ttc'], want: { regular: '/System/Library/Fonts/Menlo.ttc', bold: null, fallbacks: ['/System/Library/Fonts/Apple Color Emoji.ttc'] } },
  ])('$name', ({ platform, files, want }) => expect(findFonts(undefined, platform, has(...files))).toEqual(want));

  it('a configured font wins; a missing one is a clear error', () => {
    expect(findFonts('/opt/fonts/Iosevka-Regular.ttf', 'linux', has('/opt/fonts/Iosevka-Regular.ttf')).regular).toBe('/opt/fonts/Iosevka-Regular.ttf');
    expect(() => findFonts('/nope.ttf', 'linux', has())).toThrow(/screenshots.font_file "\/nope.ttf" does not exist/);
  });

  it('no monospace font at all says what to install or set', () => {
    expect(() => findFonts(undefined, 'linux', has())).toThrow(/install DejaVu Sans Mono .* or set screenshots.font_file/);
  });

  it.each([['/a/DejaVuSansMono.ttf', ['/a/DejaVuSansMono-Bold.ttf']], ['/a/LiberationMono-Regular.ttf', ['/a/LiberationMono-Bold.ttf']], ['/a/x.ttc', []]])('bold of %s', (regular, want) => {
    expect(boldSibling(regular)).toEqual(want);
  });
});

describe('readFontInfo', () => {
  it('reads DejaVu Sans Mono: its family name and cell metrics', async () => {
    const { readFontInfo } = await import('../../../daemon/render/font-info.js');
    const { readFileSync } = await import('node:fs');
    const info = readFontInfo(readFileSync('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf'));
    expect(info.family).toBe('DejaVu Sans Mono');
    expect(info.advance).toBeCloseTo(0.602, 3);
    expect(info.ascent + info.descent).toBeGreaterThan(1.1);
  });
});
