import { join } from 'node:path';
import type { ServiceSpec } from './spec.js';

export const LAUNCHD_LABEL = 'com.claude-session-manager.csm';
export const STDOUT_LOG = 'daemon.out.log';
export const STDERR_LOG = 'daemon.err.log';

/** A value that fits in a plist; the subset csm writes and reads back. */
export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

export class PlistError extends Error {
  override readonly name = 'PlistError';
}

/**
 * Text as XML character data. XML 1.0 cannot hold most control characters at all, escaped or not, so a
 * path with one cannot go into a plist: say so rather than write a file launchd refuses.
 */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    // A parser turns a raw CR into LF; the character reference keeps it.
    else if (ch === '\r') out += '&#13;';
    else if ((code < 0x20 && ch !== '\n' && ch !== '\t') || code === 0xfffe || code === 0xffff) {
      throw new PlistError(`${JSON.stringify(text)} holds a control character (0x${code.toString(16)}) that a plist cannot hold: move csm (or CSM_HOME) to a folder without one.`);
    } else out += ch;
  }
  return out;
}

/** The LaunchAgent: started at login, started again when it exits with a failure, output under logDir. */
export function renderPlist(spec: ServiceSpec, label = LAUNCHD_LABEL): string {
  const s = (v: string): string => `<string>${escapeXml(v)}</string>`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `csm service install`. Run it again (or `csm service uninstall`) instead of editing this file. -->',
    '<plist version="1.0">',
    '<dict>',
    `\t<key>Label</key>\n\t${s(label)}`,
    '\t<key>ProgramArguments</key>',
    '\t<array>',
    ...spec.argv.map((a) => `\t\t${s(a)}`),
    '\t</array>',
    '\t<key>EnvironmentVariables</key>',
    '\t<dict>',
    ...Object.entries(spec.env).map(([k, v]) => `\t\t<key>${escapeXml(k)}</key>\n\t\t${s(v)}`),
    '\t</dict>',
    '\t<key>RunAtLoad</key>\n\t<true/>',
    '\t<key>KeepAlive</key>',
    '\t<dict>',
    '\t\t<key>SuccessfulExit</key>\n\t\t<false/>',
    '\t</dict>',
    // launchd kills what is left in the job's process group when it exits; the sessions must outlive it.
    '\t<key>AbandonProcessGroup</key>\n\t<true/>',
    `\t<key>StandardOutPath</key>\n\t${s(join(spec.logDir, STDOUT_LOG))}`,
    `\t<key>StandardErrorPath</key>\n\t${s(join(spec.logDir, STDERR_LOG))}`,
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}

/** Reads back a LaunchAgent this module wrote; null when it is not one csm could have written. */
export function specFromPlist(text: string): ServiceSpec | null {
  let root: PlistValue;
  try {
    root = parsePlist(text);
  } catch {
    return null;
  }
  if (!isDict(root) || !Array.isArray(root.ProgramArguments) || !root.ProgramArguments.every((a) => typeof a === 'string')) return null;
  const envValue = root.EnvironmentVariables ?? {};
  if (!isDict(envValue) || !Object.values(envValue).every((v) => typeof v === 'string')) return null;
  const out = typeof root.StandardOutPath === 'string' ? root.StandardOutPath : '';
  const logDir = out.endsWith(`/${STDOUT_LOG}`) ? out.slice(0, -STDOUT_LOG.length - 1) : '';
  return { argv: root.ProgramArguments as string[], env: envValue as Record<string, string>, logDir };
}

const isDict = (v: PlistValue): v is { [key: string]: PlistValue } => typeof v === 'object' && !Array.isArray(v);

/**
 * A strict parser for the XML plist subset (dict, array, key, string, integer, true, false): any other
 * element, stray text, an unknown entity or a dict key without a value is an error, not a guess.
 */
export function parsePlist(text: string): PlistValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new PlistError(`not a valid plist at offset ${i}: ${what}`);
  };
  const skipMisc = (): void => {
    for (;;) {
      while (/\s/.test(text[i] ?? '')) i++;
      if (text.startsWith('<?', i)) i = end('?>');
      else if (text.startsWith('<!--', i)) i = end('-->');
      else if (text.startsWith('<!DOCTYPE', i)) i = end('>');
      else return;
    }
  };
  const end = (close: string): number => {
    const at = text.indexOf(close, i);
    if (at < 0) fail(`no closing ${close}`);
    return at + close.length;
  };
  const tag = (): { name: string; selfClosing: boolean; closing: boolean } => {
    skipMisc();
    const m = /^<(\/?)([A-Za-z]+)((?:\s+[a-z]+="[^"<&]*")*)\s*(\/?)>/.exec(text.slice(i, i + 200));
    if (!m) return fail('expected an element');
    i += m[0].length;
    return { name: m[2]!, closing: m[1] === '/', selfClosing: m[4] === '/' };
  };
  const chars = (name: string): string => {
    const close = `</${name}>`;
    const at = text.indexOf(close, i);
    if (at < 0) fail(`no ${close}`);
    const raw = text.slice(i, at);
    if (raw.includes('<')) fail(`markup inside <${name}>`);
    i = at + close.length;
    return raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ref === undefined) return fail('a bare & (write &amp;)');
      if (ref in named) return named[ref]!;
      const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
      if (!num) return fail(`unknown entity ${whole}`);
      return String.fromCodePoint(num[1] ? parseInt(num[1], 16) : Number(num[2]));
    });
  };
  const value = (open: { name: string; selfClosing: boolean; closing: boolean }): PlistValue => {
    if (open.closing) return fail(`unexpected </${open.name}>`);
    switch (open.name) {
      case 'true':
      case 'false':
        if (!open.selfClosing) fail(`<${open.name}/> must be empty`);
        return open.name === 'true';
      case 'string':
        return open.selfClosing ? '' : chars('string');
      case 'integer': {
        const n = chars('integer').trim();
        if (!/^-?\d+$/.test(n)) fail(`"${n}" is not an integer`);
        return Number(n);
      }
      case 'array': {
        const items: PlistValue[] = [];
        if (open.selfClosing) return items;
        for (;;) {
          const t = tag();
          if (t.closing && t.name === 'array') return items;
          items.push(value(t));
        }
      }
      case 'dict': {
        const dict: { [key: string]: PlistValue } = {};
        if (open.selfClosing) return dict;
        for (;;) {
          const t = tag();
          if (t.closing && t.name === 'dict') return dict;
          if (t.name !== 'key' || t.closing || t.selfClosing) fail('expected a <key> in a <dict>');
          const key = chars('key');
          if (key in dict) fail(`key "${key}" appears twice`);
          dict[key] = value(tag());
        }
      }
      default:
        return fail(`<${open.name}> is not a plist element csm writes`);
    }
  };
  const plist = tag();
  if (plist.name !== 'plist' || plist.closing || plist.selfClosing) fail('the root element must be <plist>');
  const root = value(tag());
  const close = tag();
  if (!close.closing || close.name !== 'plist') fail('expected </plist>');
  skipMisc();
  if (i !== text.length) fail('text after </plist>');
  return root;
}
