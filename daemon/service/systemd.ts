import type { ServiceSpec } from './spec.js';

export const UNIT_NAME = 'csm.service';

const HEADER = '# Written by `csm service install`. Run it again (or `csm service uninstall`) instead of editing this file.';

/** Where a word goes: the quoting rules differ between the three (systemd.service(5), "Command lines"). */
export type SystemdWordPlace = 'executable' | 'argument' | 'environment';

/**
 * One word of a unit file setting, in double quotes with C escapes (systemd.syntax(7)). `%` starts a
 * specifier everywhere, so it is doubled. `$` is expanded in a command's arguments only (systemd executes
 * the program's path as written), so it is doubled there alone. Control characters become \xNN, so no path
 * can end the line.
 */
export function quoteSystemd(word: string, where: SystemdWordPlace): string {
  let out = '';
  for (const ch of word) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (ch === '%') out += '%%';
    else if (ch === '$' && where === 'argument') out += '$$';
    else out += ch;
  }
  return `"${out}"`;
}

/**
 * systemd refuses a program path holding a quote, a backslash or a control character ("Executable name
 * contains special characters"), however it is quoted; an argument may hold anything. Such a node is run
 * through env, which executes exactly that path.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const REFUSED_IN_EXECUTABLE = /['"\\\x00-\x1f\x7f]/;
export const ENV_PROGRAM = '/usr/bin/env';

export function execStart(argv: string[]): string {
  const words = REFUSED_IN_EXECUTABLE.test(argv[0] ?? '') ? [ENV_PROGRAM, ...argv] : argv;
  return words.map((w, i) => quoteSystemd(w, i === 0 ? 'executable' : 'argument')).join(' ');
}

/** The systemd user unit for a spec: restarted on failure, never taking the tmux sessions down with it. */
export function renderUnit(spec: ServiceSpec): string {
  return [
    HEADER,
    '[Unit]',
    'Description=claude-session-manager (csm): Claude Code sessions in tmux, relayed to Telegram and email',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart(spec.argv)}`,
    ...Object.entries(spec.env).map(([k, v]) => `Environment=${quoteSystemd(`${k}=${v}`, 'environment')}`),
    'Restart=on-failure',
    'RestartSec=2',
    // The tmux server csm starts lives in this unit's cgroup. The default (control-group) would kill every
    // Claude Code session on a stop or restart; csm promises that stopping the daemon never stops a session.
    'KillMode=process',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/**
 * Reads back a unit this module wrote (ExecStart and Environment of [Service]), to say what a rewrite
 * changes and where an installed service points. Null when the file is not one csm could have written.
 */
export function parseUnit(text: string): ServiceSpec | null {
  let section = '';
  let argv: string[] | null = null;
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    if (eq < 0) return null;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'ExecStart') {
      argv = splitWords(value, 'exec');
      if (argv === null) return null;
      if (argv[0] === ENV_PROGRAM && argv.length > 1 && REFUSED_IN_EXECUTABLE.test(argv[1]!)) argv.shift();
    } else if (key === 'Environment') {
      const words = splitWords(value, 'environment');
      if (words === null) return null;
      for (const w of words) {
        const i = w.indexOf('=');
        if (i <= 0) return null;
        env[w.slice(0, i)] = w.slice(i + 1);
      }
    }
  }
  return argv && argv.length > 0 ? { argv, env, logDir: '' } : null;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", s: ' ', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** The inverse of quoteSystemd for quoted and bare words; null on anything it does not understand. */
function splitWords(value: string, where: 'exec' | 'environment'): string[] | null {
  const words: string[] = [];
  // In an Exec line `$` is special in the arguments, not in the program's path.
  const dollarDoubled = (): boolean => where === 'exec' && words.length > 0;
  let i = 0;
  while (i < value.length) {
    while (value[i] === ' ' || value[i] === '\t') i++;
    if (i >= value.length) break;
    let word = '';
    const quote = value[i] === '"' || value[i] === "'" ? value[i++] : null;
    for (;;) {
      if (i >= value.length) {
        if (quote) return null;
        break;
      }
      const ch = value[i]!;
      if (quote ? ch === quote : ch === ' ' || ch === '\t') {
        if (quote) i++;
        break;
      }
      if (ch === '\\') {
        const next = value[i + 1];
        if (next === 'x') {
          const hex = value.slice(i + 2, i + 4);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
          word += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          continue;
        }
        if (next === undefined || !(next in ESCAPES)) return null;
        word += ESCAPES[next];
        i += 2;
        continue;
      }
      if (ch === '%' || (ch === '$' && dollarDoubled())) {
        if (value[i + 1] !== ch) return null; // a specifier or a variable: not something csm writes
        word += ch;
        i += 2;
        continue;
      }
      word += ch;
      i++;
    }
    words.push(word);
  }
  return words;
}
