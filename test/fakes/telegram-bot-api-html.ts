/**
 * Telegram's HTML parse mode, as strict as the real Bot API: only its tags, only &lt; &gt; &amp; &quot; and
 * numeric entities, every tag closed in order. Used by the fake so an escaping bug fails a test the way it
 * would fail in production ("can't parse entities").
 */

const SUPPORTED = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler',
  'a', 'code', 'pre', 'blockquote', 'tg-emoji',
]);
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type HtmlResult = { ok: true; text: string } | { ok: false; error: string };

/** Returns the text the user sees (tags dropped, entities decoded), or the parse error. */
export function parseTelegramHtml(html: string): HtmlResult {
  const stack: string[] = [];
  let out = '';
  let i = 0;
  const fail = (what: string): HtmlResult => ({
    ok: false,
    error: `Bad Request: can't parse entities: ${what} at byte offset ${Buffer.byteLength(html.slice(0, i))}`,
  });
  while (i < html.length) {
    const c = html[i]!;
    if (c === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return fail('Unclosed start tag');
      const tag = html.slice(i + 1, end);
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim().toLowerCase();
        const open = stack.pop();
        if (open === undefined) return fail(`Unexpected end tag "${name}"`);
        if (open !== name) return fail(`Can't find end tag corresponding to start tag "${open}"`);
      } else {
        const m = /^([a-zA-Z][a-zA-Z-]*)(\s[\s\S]*)?$/.exec(tag);
        const name = m?.[1]?.toLowerCase();
        if (!name || !SUPPORTED.has(name)) return fail(`Unsupported start tag "${tag.split(/\s/)[0]}"`);
        stack.push(name);
      }
      i = end + 1;
    } else if (c === '&') {
      const m = /^&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]+);/i.exec(html.slice(i, i + 12));
      if (!m) return fail('Character entity expected');
      const body = m[1]!;
      let decoded: string | undefined;
      if (body.startsWith('#x') || body.startsWith('#X')) decoded = String.fromCodePoint(parseInt(body.slice(2), 16));
      else if (body.startsWith('#')) decoded = String.fromCodePoint(parseInt(body.slice(1), 10));
      else decoded = NAMED[body.toLowerCase()];
      if (decoded === undefined) return fail(`Unsupported HTML entity "&${body};"`);
      out += decoded;
      i += m[0].length;
    } else {
      out += c;
      i += 1;
    }
  }
  if (stack.length > 0) return fail(`Can't find end tag corresponding to start tag "${stack[0]}"`);
  return { ok: true, text: out };
}
