import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../daemon/commands/audit-since.js';
import { auditQuerySchema } from '../../../daemon/http/routes/audit.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('parseSince', () => {
  it.each([
    ['3600', NOW - 3_600_000],
    ['90s', NOW - 90_000],
    ['15m', NOW - 900_000],
    ['1h', NOW - 3_600_000],
    ['2d', NOW - 2 * 86_400_000],
    ['1w', NOW - 7 * 86_400_000],
    ['1.5h', NOW - 5_400_000],
    ['2026-12-01T09:00:00Z', Date.parse('2026-12-01T09:00:00Z')],
    ['2026-11-30', Date.parse('2026-11-30')],
    ['yesterday', null],
    ['1y', null],
    ['May', null],
    ['2026-13-45', null],
    ['', null],
  ])('%j → %j', (value, expected) => {
    expect(parseSince(value, NOW)).toBe(expected);
  });
});

describe('GET /audit query', () => {
  const schema = auditQuerySchema(() => NOW);
  it.each([
    [{}, { ok: true, value: { limit: 100 } }],
    [{ session: 'a1b2', since: '1h', limit: '5' }, { ok: true, value: { session: 'a1b2', since: NOW - 3_600_000, limit: 5 } }],
    [{ since: 'soon' }, { ok: false, error: /since.*not a time/ }],
    [{ limit: '0' }, { ok: false, error: /limit/ }],
    [{ limit: '5000' }, { ok: false, error: /limit/ }],
    [{ session: 'not an id' }, { ok: false, error: /session/ }],
    [{ sesion: 'a1b2' }, { ok: false, error: /sesion/ }],
  ] as const)('%j', (query, expected) => {
    const r = schema.safeParse(query);
    expect(r.success).toBe(expected.ok);
    if (expected.ok && r.success) expect(r.data).toEqual(expected.value);
    if (!expected.ok && !r.success) expect(JSON.stringify(r.error.issues)).toMatch(expected.error);
  });
});
