/**
 * Telegram HTML text, pure. Messages are built from blocks so that a long one can be split between lines
 * (and between `<pre>` blocks re-opened on the next message) without ever breaking a tag or an entity.
 * Lengths are what Telegram counts: the text after tags are dropped and entities decoded.
 */

import { escapeHtml } from '../html.js';
import { preview, shortDiff } from '../../conversation/text.js';

/** Shared with the email channel and the core. */
export { preview, shortDiff };

/** Shared with the email channel; Telegram's parse mode takes the same three entities. */
export { escapeHtml };

/** Telegram's limit is 4096; the margin covers counting differences (it counts after trimming, in UTF-16). */
export const MESSAGE_LIMIT = 4000;
export const CAPTION_LIMIT = 1000;

export type Block =
  /** Ready HTML that must stay in one piece (a header line). Keep it short. */
  | { html: string }
  /** Plain text, escaped here; may be split between lines. */
  | { text: string }
  /** Monospaced text (screen lines, diffs) in `<pre>`; may be split between lines. */
  | { pre: string };

/** What Telegram shows (and counts) for an HTML string. */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

export function visibleLength(blocks: Block[]): number {
  return blocks.reduce((n, b, i) => n + (i > 0 ? 1 : 0) + ('html' in b ? htmlToText(b.html).length : 'text' in b ? b.text.length : b.pre.length), 0);
}

/** Splits the blocks into messages of at most `limit` visible characters, between lines where possible. */
export function splitMessage(blocks: Block[], limit = MESSAGE_LIMIT): string[] {
  const messages: string[] = [];
  let parts: string[] = [];
  let used = 0;
  const room = (len: number): boolean => used + (parts.length > 0 ? 1 : 0) + len <= limit;
  const add = (html: string, len: number): void => {
    used += (parts.length > 0 ? 1 : 0) + len;
    parts.push(html);
  };
  const flush = (): void => {
    if (parts.length > 0) messages.push(parts.join('\n'));
    parts = [];
    used = 0;
  };

  for (const block of blocks) {
    if ('html' in block) {
      const len = htmlToText(block.html).length;
      if (!room(len)) flush();
      add(block.html, len);
      continue;
    }
    const isPre = 'pre' in block;
    const raw = isPre ? block.pre.replace(/\s+$/, '') : block.text;
    if (isPre && raw === '') continue;
    const wrap = (lines: string[]): string => (isPre ? `<pre>${escapeHtml(lines.join('\n'))}</pre>` : escapeHtml(lines.join('\n')));
    let chunk: string[] = [];
    let chunkLen = 0;
    for (const line of hardWrap(raw.split('\n'), limit)) {
      const next = chunk.length === 0 ? line.length : chunkLen + 1 + line.length;
      if (!room(next)) {
        if (chunk.length > 0) add(wrap(chunk), chunkLen);
        flush();
        chunk = [line];
        chunkLen = line.length;
      } else {
        chunk.push(line);
        chunkLen = next;
      }
    }
    if (chunk.length > 0) add(wrap(chunk), chunkLen);
  }
  flush();
  return messages.filter((m) => htmlToText(m).trim() !== '');
}

/** Lines longer than `limit` are cut into pieces (never inside a surrogate pair). */
function hardWrap(lines: string[], limit: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    let rest = line;
    while (rest.length > limit) {
      let cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
  return out;
}

