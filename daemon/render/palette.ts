import type { Theme } from './types.js';

/** A dark theme close to the default of most terminals (Claude Code's "dark" theme assumes one). */
export const DARK_THEME: Theme = {
  fg: '#e5e5e5',
  bg: '#181818',
  cursor: '#e5e5e5',
  ansi: [
    '#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5',
    '#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff',
  ],
};

const hex = (n: number): string => n.toString(16).padStart(2, '0');

export function rgbHex(rgb: number): string {
  return `#${hex((rgb >> 16) & 0xff)}${hex((rgb >> 8) & 0xff)}${hex(rgb & 0xff)}`;
}

/** The xterm 256-colour palette: the theme's 16, a 6×6×6 cube, then 24 greys. */
export function paletteColor(index: number, theme: Theme): string {
  if (index < 16) return theme.ansi[index] ?? theme.fg;
  if (index < 232) {
    const i = index - 16;
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    return `#${hex(level(Math.floor(i / 36)))}${hex(level(Math.floor(i / 6) % 6))}${hex(level(i % 6))}`;
  }
  const grey = 8 + (index - 232) * 10;
  return `#${hex(grey)}${hex(grey)}${hex(grey)}`;
}

/** Half-way to the background: how dim (faint) text looks. */
export function dimColor(color: string, bg: string): string {
  const c = parseInt(color.slice(1), 16);
  const b = parseInt(bg.slice(1), 16);
  const mix = (shift: number): number => Math.round((((c >> shift) & 0xff) + ((b >> shift) & 0xff)) / 2);
  return `#${hex(mix(16))}${hex(mix(8))}${hex(mix(0))}`;
}
