/**
 * Names for files a person sends into a session's `.csm/inbox/`. Pure. The name a sender chose is data from
 * outside: it keeps only letters, digits, `.`, `_` and `-`, so it can never name another folder (`../x`,
 * `/etc/x`, `a\b`), hide (a leading dot), pose as an option (a leading `-`), or carry control characters,
 * NUL or bidirectional overrides. It is cut to fit one file name on any file system.
 */

/** Bytes left for the sender's part of the name; file systems allow 255 per name, the date and counter need ~20. */
const STEM_MAX_BYTES = 120;
const EXT_MAX_CHARS = 10;

export interface SafeName {
  /** The sender's name without its extension, made safe; '' when nothing usable was left. */
  stem: string;
  /** Lower-case, without the dot; '' when there was none. */
  ext: string;
}

/** A sender's file name → a stem and extension that are safe as one path component. */
export function sanitizeFileName(original: string): SafeName {
  // The last path component only: whichever separator the sender's system uses.
  const base = original.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const rawExt = dot > 0 ? base.slice(dot + 1) : '';
  const ext = /^[A-Za-z0-9]{1,10}$/.test(rawExt) ? rawExt.toLowerCase().slice(0, EXT_MAX_CHARS) : '';
  const rawStem = ext ? base.slice(0, dot) : base;
  const stem = cutToBytes(
    rawStem
      .replace(/[^\p{L}\p{M}\p{N}._-]+/gu, '_')
      .replace(/\.{2,}/g, '_')
      .replace(/_+/g, '_')
      .replace(/^[._-]+/, '')
      .replace(/[._-]+$/, ''),
    STEM_MAX_BYTES,
  ).replace(/[._-]+$/, '');
  return { stem, ext };
}

/**
 * The inbox name for the `seq`-th file of `date` (YYYY-MM-DD): `2026-12-01-1.jpg`, or with the sender's
 * name kept, `2026-12-01-2-report.pdf`. `fallbackExt` (e.g. `jpg` for photos) is used when the original
 * has none.
 */
export function inboxFileName(date: string, seq: number, original: string | null, fallbackExt = ''): string {
  const safe = original === null ? { stem: '', ext: '' } : sanitizeFileName(original);
  const ext = safe.ext || fallbackExt;
  return `${date}-${seq}${safe.stem ? `-${safe.stem}` : ''}${ext ? `.${ext}` : ''}`;
}

/** The counters already used for `date` in a folder's listing, so the next file gets the next one. */
export function nextInboxSeq(date: string, existing: readonly string[]): number {
  let max = 0;
  const prefix = `${date}-`;
  for (const name of existing) {
    if (!name.startsWith(prefix)) continue;
    const n = /^(\d+)(?:[-.]|$)/.exec(name.slice(prefix.length))?.[1];
    if (n) max = Math.max(max, Number(n));
  }
  return max + 1;
}

/** A local calendar date as YYYY-MM-DD. */
export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** At most `max` UTF-8 bytes, never cutting a character (or a surrogate pair) in half. */
function cutToBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}
