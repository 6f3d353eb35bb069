/**
 * Bounding the event log's copy of an event. A Stop hook may carry a megabyte of Claude's last message,
 * a Write request the whole file: the channels get those in full from the bus, the log only keeps a copy
 * for GET /events, and a thousand such copies must not take a gigabyte.
 */

/** What a cut string ends with, so a reader knows it is not the whole text. */
export const CUT_MARK = (cut: number): string => `…[csm: ${cut} more characters cut from the event log's copy]`;

/**
 * The longest each string may stay so that all of them together fit `budget` characters: short strings
 * stay whole, the long ones share what is left equally (water-filling). Infinity when everything fits.
 */
export function stringLimit(lengths: number[], budget: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  let left = budget;
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(left / (sorted.length - i));
    if (sorted[i]! > share) return Math.max(0, share);
    left -= sorted[i]!;
  }
  return Infinity;
}

/**
 * A copy of `value` whose strings add up to at most about `budget` characters, and whether anything was
 * cut. The copy never shares memory with the original's long strings (a slice of a V8 string may keep the
 * whole parent alive), so the original can be collected once the channels are done with it.
 */
export function boundValue<T>(value: T, budget: number): { value: T; cut: boolean } {
  const lengths: number[] = [];
  collect(value, lengths);
  const limit = stringLimit(lengths, budget);
  if (limit === Infinity) return { value, cut: false };
  return { value: cutStrings(value, limit) as T, cut: true };
}

function collect(value: unknown, into: number[]): void {
  if (typeof value === 'string') into.push(value.length);
  else if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v, into);
}

function cutStrings(value: unknown, limit: number): unknown {
  if (typeof value === 'string') return value.length > limit ? cutString(value, limit) : value;
  if (Array.isArray(value)) return value.map((v) => cutStrings(v, limit));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutStrings(v, limit)]));
  return value;
}

/** The first `limit` characters (never half a surrogate pair) and the mark, as a fresh string. */
export function cutString(s: string, limit: number): string {
  let end = Math.max(0, limit);
  const code = s.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
  // Through a Buffer: a new flat string, not a slice that pins the original.
  return Buffer.from(s.slice(0, end) + CUT_MARK(s.length - end), 'utf8').toString('utf8');
}
