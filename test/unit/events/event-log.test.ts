import { describe, expect, it } from 'vitest';
import { boundValue, cutString, CUT_MARK, stringLimit } from '../../../daemon/events/bound.js';
import { EventBus } from '../../../daemon/events/bus.js';
import { EventLog } from '../../../daemon/events/event-log.js';
import type { SessionEvent } from '../../../daemon/events/types.js';
import { silentLogger } from '../../../daemon/logger.js';

describe('stringLimit', () => {
  it.each([
    [[], 100, Infinity],
    [[10, 20], 100, Infinity],
    [[10, 20, 70], 100, Infinity],
    [[10, 20, 71], 100, 70],
    [[10, 500, 500], 100, 45],
    [[1000, 1000, 1000, 1000], 100, 25],
    [[5, 5, 5], 0, 0],
  ])('%j in %i → %s', (lengths, budget, limit) => expect(stringLimit(lengths, budget)).toBe(limit));
});

describe('cutString', () => {
  it.each([
    ['abcdef', 3, `abc${CUT_MARK(3)}`],
    ['abcdef', 0, CUT_MARK(6)],
    // Never half of a surrogate pair: the pair goes whole into the cut part.
    ['ab😀cd', 3, `ab${CUT_MARK(4)}`],
    ['ab😀cd', 4, `ab😀${CUT_MARK(2)}`],
  ])('%s at %i', (s, limit, out) => expect(cutString(s, limit)).toBe(out));
});

describe('boundValue', () => {
  const big = 'x'.repeat(10_000);
  it.each([
    ['small values stay as they are (same object)', { kind: 'finished', last_message: 'hi' }, 100, { kind: 'finished', last_message: 'hi' }, false],
    ['a long message is cut', { kind: 'finished', last_message: big }, 100, { kind: 'finished', last_message: `${'x'.repeat(92)}${CUT_MARK(10_000 - 92)}` }, true],
    ['nested strings count too', { request: { detail: big, options: [{ key: '1', label: 'Yes' }] } }, 20, { request: { detail: `${'x'.repeat(16)}${CUT_MARK(10_000 - 16)}`, options: [{ key: '1', label: 'Yes' }] } }, true],
    ['numbers, booleans and null pass through', { a: 1, b: true, c: null, d: big }, 10, { a: 1, b: true, c: null, d: `${'x'.repeat(10)}${CUT_MARK(9990)}` }, true],
  ])('%s', (_name, value, budget, out, cut) => {
    const r = boundValue(value, budget);
    expect(r.value).toEqual(out);
    expect(r.cut).toBe(cut);
    if (!cut) expect(r.value).toBe(value);
  });
});

describe('EventLog', () => {
  const finished = (n: number, chars: number): SessionEvent => ({ kind: 'finished', session_id: 'a1b2', at: n, last_message: `${n}:${'m'.repeat(chars)}` });

  it('is capped by size: huge events push the oldest out; each copy is cut and marked, the bus keeps the whole text', () => {
    const bus = new EventBus(silentLogger);
    const seen: SessionEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const log = new EventLog(bus, { maxEvents: 1000, maxChars: 100_000, maxEventChars: 10_000 });
    for (let i = 1; i <= 200; i++) bus.emit(finished(i, 900_000));
    const { events, chars } = log.footprint;
    expect(chars).toBeLessThanOrEqual(100_000);
    expect(events).toBeGreaterThanOrEqual(9);
    expect(events).toBeLessThan(11);
    const kept = log.after(0);
    expect(kept.at(-1)).toMatchObject({ seq: 200, truncated: true });
    expect(kept[0]!.seq).toBe(200 - events + 1);
    const message = (kept.at(-1) as { last_message: string }).last_message;
    expect(message.startsWith('200:mmm')).toBe(true);
    expect(message).toMatch(/…\[csm: \d+ more characters cut from the event log's copy\]$/);
    expect(message.length).toBeLessThan(10_100);
    expect((seen.at(-1) as { last_message: string }).last_message).toHaveLength(900_004);
  });

  it('is capped by count as before, and small events are kept whole', () => {
    const bus = new EventBus(silentLogger);
    const log = new EventLog(bus, { maxEvents: 5 });
    for (let i = 1; i <= 12; i++) bus.emit(finished(i, 10));
    expect(log.after(0).map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(log.after(0).every((e) => e.truncated === undefined)).toBe(true);
    expect(log.after(10).map((e) => e.seq)).toEqual([11, 12]);
    expect(log.lastSeq).toBe(12);
  });

  it('keeps the newest event even when it alone is over the total', () => {
    const bus = new EventBus(silentLogger);
    const log = new EventLog(bus, { maxChars: 50, maxEventChars: 1000 });
    bus.emit(finished(1, 10));
    bus.emit(finished(2, 500));
    expect(log.after(0).map((e) => e.seq)).toEqual([2]);
  });
});
