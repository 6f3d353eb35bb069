import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from '../../../daemon/conversation/coalescer.js';

interface Notice { session: string; kind: 'idle' | 'dead' }

describe('Coalescer', () => {
  let released: Notice[][];
  let c: Coalescer<Notice>;
  beforeEach(() => {
    vi.useFakeTimers();
    released = [];
    c = new Coalescer<Notice>({ windowMs: 2000, release: (held) => void released.push(held) });
  });
  afterEach(() => vi.useRealTimers());

  it('a burst inside the window leaves as one release, oldest first; the window starts with the first', () => {
    c.hold({ session: 'a', kind: 'idle' });
    vi.advanceTimersByTime(1500);
    c.hold({ session: 'b', kind: 'idle' });
    c.hold({ session: 'c', kind: 'dead' });
    expect(released).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(released).toEqual([[{ session: 'a', kind: 'idle' }, { session: 'b', kind: 'idle' }, { session: 'c', kind: 'dead' }]]);
  });

  it('one notice alone is released alone, after the window; the next starts a new window', () => {
    c.hold({ session: 'a', kind: 'idle' });
    vi.advanceTimersByTime(2000);
    c.hold({ session: 'b', kind: 'dead' });
    vi.advanceTimersByTime(1999);
    expect(released).toEqual([[{ session: 'a', kind: 'idle' }]]);
    vi.advanceTimersByTime(1);
    expect(released).toEqual([[{ session: 'a', kind: 'idle' }], [{ session: 'b', kind: 'dead' }]]);
  });

  it('flush releases at once (a newer event of a held session, a stop), and nothing is released twice', () => {
    c.hold({ session: 'a', kind: 'idle' });
    expect(c.holds((n) => n.session === 'a')).toBe(true);
    expect(c.holds((n) => n.session === 'b')).toBe(false);
    c.flush();
    expect(released).toEqual([[{ session: 'a', kind: 'idle' }]]);
    expect(c.holds(() => true)).toBe(false);
    vi.advanceTimersByTime(5000);
    c.flush();
    expect(released).toHaveLength(1);
  });
});
