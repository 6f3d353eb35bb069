/**
 * Column widths of characters as tmux counts them (glibc's wcwidth: East Asian Wide and Fullwidth, and
 * emoji shown as emoji, take two columns; combining marks none). xterm.js's built-in table (Unicode 6)
 * counts most emoji as one column: the capture would then shift left after every emoji.
 */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf],
  [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff],
  [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

const EMOJI = /\p{Emoji_Presentation}/u;
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufe00-\ufe0f]/u;

export function charWidth(cp: number): 0 | 1 | 2 {
  if (cp === 0) return 0;
  if (cp < 0x300) return cp < 32 || (cp >= 0x7f && cp < 0xa0) ? 0 : 1;
  const ch = String.fromCodePoint(cp);
  if (ZERO.test(ch)) return 0;
  if (EMOJI.test(ch)) return 2;
  for (const [lo, hi] of WIDE) if (cp >= lo && cp <= hi) return 2;
  return 1;
}

/** xterm.js's packed character properties (see its UnicodeService): width in bits 1-2, "joins the previous" in bit 0. */
export function charProperties(cp: number, preceding: number): number {
  let width = charWidth(cp);
  let join = width === 0 && preceding !== 0;
  if (join) {
    const before = (preceding >> 1) & 3;
    if (before === 0) join = false;
    else if (before > width) width = before as 1 | 2;
  }
  return ((width & 3) << 1) | (join ? 1 : 0);
}

/** The provider registered with xterm.js as Unicode version "tmux". */
export const TMUX_WIDTHS = { version: 'tmux', wcwidth: charWidth, charProperties };
