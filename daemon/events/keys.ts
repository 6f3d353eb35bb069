/**
 * The keys a channel may press in a session: a fixed allow-list of names, never raw tmux syntax, so a key
 * name can never smuggle a tmux command or a key chord that kills the session (C-c, C-d). Pure.
 */
const TMUX_KEY = {
  Enter: 'Enter',
  Escape: 'Escape',
  Up: 'Up',
  Down: 'Down',
  Left: 'Left',
  Right: 'Right',
  Tab: 'Tab',
  BTab: 'BTab',
  Space: 'Space',
  BSpace: 'BSpace',
  Home: 'Home',
  End: 'End',
  PageUp: 'PPage',
  PageDown: 'NPage',
  '0': '0', '1': '1', '2': '2', '3': '3', '4': '4', '5': '5', '6': '6', '7': '7', '8': '8', '9': '9',
  y: 'y',
  n: 'n',
} as const satisfies Record<string, string>;

export type KeyName = keyof typeof TMUX_KEY;
/** In the order people look for them (object keys would put the digits first). */
export const KEY_NAMES: KeyName[] = [
  'Enter', 'Escape', 'Up', 'Down', 'Left', 'Right', 'Tab', 'BTab', 'Space', 'BSpace', 'Home', 'End', 'PageUp', 'PageDown',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'y', 'n',
];

/** What people type for a key: "esc", "↑", "return", "shift-tab". */
const ALIASES: Record<string, KeyName> = {
  esc: 'Escape', escape: 'Escape', enter: 'Enter', return: 'Enter', '⏎': 'Enter', up: 'Up', '↑': 'Up', down: 'Down', '↓': 'Down',
  left: 'Left', '←': 'Left', right: 'Right', '→': 'Right', tab: 'Tab', 'shift-tab': 'BTab', btab: 'BTab', space: 'Space',
  backspace: 'BSpace', bspace: 'BSpace', home: 'Home', end: 'End', pageup: 'PageUp', pgup: 'PageUp', pagedown: 'PageDown', pgdn: 'PageDown',
};

/** The key a name means, or null. Case does not matter for names; `y`/`n` and digits are themselves. */
export function keyName(name: string): KeyName | null {
  const n = name.trim();
  if (n in TMUX_KEY) return n as KeyName;
  return ALIASES[n.toLowerCase()] ?? (/^[YN]$/.test(n) ? (n.toLowerCase() as KeyName) : null);
}

export function tmuxKey(name: KeyName): string {
  return TMUX_KEY[name];
}

/** The keypad offered with a screen nobody recognises, and on every dialog as a fallback. */
export const KEYPAD: { key: KeyName; label: string }[] = [
  { key: 'Up', label: '↑' },
  { key: 'Down', label: '↓' },
  { key: 'Enter', label: '⏎ Enter' },
  { key: 'Escape', label: 'Esc' },
  { key: 'Tab', label: 'Tab' },
  { key: '1', label: '1' },
  { key: '2', label: '2' },
  { key: '3', label: '3' },
  { key: '4', label: '4' },
  { key: 'y', label: 'y' },
  { key: 'n', label: 'n' },
];

export const MAX_KEYS = 32;

/** Parses a list of key names; the error names the unknown one and lists what is allowed. */
export function parseKeys(names: readonly string[]): { keys: KeyName[] } | { error: string } {
  if (names.length === 0) return { error: `No keys given: name one or more of ${KEY_NAMES.join(', ')}.` };
  if (names.length > MAX_KEYS) return { error: `${names.length} keys at once; the limit is ${MAX_KEYS}.` };
  const keys: KeyName[] = [];
  for (const n of names) {
    const k = keyName(n);
    if (!k) return { error: `"${n}" is not a key csm can press. Keys: ${KEY_NAMES.join(', ')} (also esc, ↑, ↓, return, shift-tab).` };
    keys.push(k);
  }
  return { keys };
}
