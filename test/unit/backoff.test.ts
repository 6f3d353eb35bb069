import { describe, expect, it } from 'vitest';
import { Backoff } from '../../daemon/backoff.js';

describe('Backoff', () => {
  it('doubles up to the ceiling, starts over after a success, and says whether it is failing', () => {
    const b = new Backoff(1000, 5000);
    expect(b.failing).toBe(false);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(b.failing).toBe(true);
    b.reset();
    expect(b.failing).toBe(false);
    expect(b.next()).toBe(1000);
  });

  it('a ceiling below the first wait is the first wait', () => {
    const b = new Backoff(2000, 500);
    expect([b.next(), b.next()]).toEqual([2000, 2000]);
  });
});
