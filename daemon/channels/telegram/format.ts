/**
 * Telegram HTML text, pure. Messages are built from blocks so that a long one can be split between lines
 * (and between `<pre>` blocks re-opened on the next message) without ever breaking a tag or an entity.
 * Lengths are what Telegram counts: the text after tags are dropped and entities decoded.
 */

import { escapeHtml } from '../html.js';

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

/** Cuts `text` to `max` characters, saying so: for previews only, never for the content itself. */
export function preview(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
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

/**
 * A short line diff for a permission prompt: the common head and tail are dropped, what remains is shown
 * as `- old` / `+ new`, at most `maxLines` per side, with a note saying how much was left out.
 */
export function shortDiff(oldText: string, newText: string, maxLines = 12): string {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const removed = a.slice(head, a.length - tail);
  const added = b.slice(head, b.length - tail);
  const side = (lines: string[], mark: string): string[] => {
    const shown = lines.slice(0, maxLines).map((l) => `${mark} ${l}`);
    if (lines.length > maxLines) shown.push(`${mark} … ${lines.length - maxLines} more line${lines.length - maxLines === 1 ? '' : 's'}`);
    return shown;
  };
  const out = [...side(removed, '-'), ...side(added, '+')];
  return out.length > 0 ? out.join('\n') : '(no change)';
}
