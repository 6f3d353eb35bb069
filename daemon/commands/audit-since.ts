const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export const SINCE_HINT = 'give a number of seconds ago (3600), a duration (90s, 15m, 1h, 2d, 1w) or an ISO time (2026-12-01T09:00:00Z)';

/**
 * The start of an audit query, in ms since the epoch: seconds ago, a duration ago, or an ISO time. null when
 * the value is none of these (the caller names SINCE_HINT).
 */
export function parseSince(value: string, now: number): number | null {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return now - Number(v) * 1000;
  const d = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(v);
  if (d) return now - Number(d[1]) * UNIT_MS[d[2]!.toLowerCase()]!;
  // Only full dates: Date.parse also takes "1" or "May", which would be a surprise here.
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}
