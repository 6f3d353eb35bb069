import { describe, expect, it } from 'vitest';
import { DAY_MS, expiredSessions, fileExpired, IDEMPOTENCY_FLOOR_MS, ORPHAN_FLOOR_MS, retentionCutoffs, type SessionFacts } from '../../../daemon/store/retention-policy.js';

const NOW = 1_000 * DAY_MS;

describe('retentionCutoffs', () => {
  it.each([
    // [what, keep, records, keys, orphans]
    ['30 days: everything at 30 days', 30 * DAY_MS, NOW - 30 * DAY_MS, NOW - 30 * DAY_MS, NOW - 30 * DAY_MS],
    ['1 day: idempotency keys still kept a week', DAY_MS, NOW - DAY_MS, NOW - IDEMPOTENCY_FLOOR_MS, NOW - DAY_MS],
    ['0 (prune now): records now, keys a week, orphan files an hour', 0, NOW, NOW - IDEMPOTENCY_FLOOR_MS, NOW - ORPHAN_FLOOR_MS],
    ['a negative keep counts as 0', -5, NOW, NOW - IDEMPOTENCY_FLOOR_MS, NOW - ORPHAN_FLOOR_MS],
  ])('%s', (_what, keep, records, keys, orphans) => {
    expect(retentionCutoffs(NOW, keep)).toEqual({ records, keys, orphans });
  });
});

describe('expiredSessions: which sessions are forgotten', () => {
  const cutoff = NOW - 30 * DAY_MS;
  const s = (id: string, status: string, daysAgo: number): SessionFacts => ({ id, status, last_output_at: NOW - daysAgo * DAY_MS });
  it.each([
    ['a dead session that ended before the cutoff', [s('a1', 'dead', 31)], [], ['a1']],
    ['a dead session that ended after the cutoff', [s('a1', 'dead', 29)], [], []],
    ['exactly at the cutoff is kept', [s('a1', 'dead', 30)], [], []],
    ['a live session is never forgotten, however old', [s('a1', 'running', 400), s('b2', 'idle', 400), s('c3', 'waiting_permission', 400), s('d4', 'starting', 400)], [], []],
    ['a dead session with an undelivered outbox row is kept', [s('a1', 'dead', 31), s('b2', 'dead', 31)], ['a1'], ['b2']],
    ['lanes that are no session hold nothing', [s('a1', 'dead', 31)], ['_', '-'], ['a1']],
  ])('%s', (_what, sessions, held, want) => {
    expect(expiredSessions(sessions, cutoff, new Set(held))).toEqual(want);
  });
});

describe('fileExpired: which per-session files go', () => {
  const orphanCutoff = NOW - DAY_MS;
  it.each([
    ['a file of a session forgotten now, written today', 'a1', NOW, ['a1'], ['a1'], true],
    ['a file of a session still on record', 'a1', 0, [], ['a1'], false],
    ['an orphan (no record), not written since the cutoff', 'a1', orphanCutoff - 1, [], [], true],
    ['an orphan written since the cutoff (a session being started)', 'a1', orphanCutoff + 1, [], [], false],
  ])('%s', (_what, session, mtimeMs, forgotten, known, want) => {
    expect(fileExpired({ session, mtimeMs }, new Set(forgotten), new Set(known), orphanCutoff)).toBe(want);
  });
});
