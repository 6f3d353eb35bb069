import { describe, expect, it } from 'vitest';
import { startable, type QueuedRow } from '../../../daemon/store/outbox-order.js';

/** `n` = ordinary, `u` = urgent, `r` = root (a barrier); `lane:kinds`, ids counted from 1 across lanes in order. */
function rows(spec: string, nextAt: Record<number, number> = {}): QueuedRow[] {
  let id = 0;
  const out: QueuedRow[] = [];
  for (const part of spec.split(' ')) {
    const [lane, kinds] = part.split(':') as [string, string];
    for (const k of kinds) {
      id++;
      out.push({ id, lane, urgent: k === 'u', barrier: k === 'r', nextAt: nextAt[id] ?? 0 });
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

describe('startable: which outbox rows may go out now', () => {
  const NOW = 1000;
  it.each([
    // [what, queue, in flight, due later, expected ids (express marked with *)]
    ['an empty queue', '', [], {}, []],
    ['ordinary rows of one lane: only the head', 'a:nnn', [], {}, ['1']],
    ['lanes go on side by side', 'a:nn b:nn', [], {}, ['1', '3']],
    ['an urgent row overtakes the ordinary rows queued before it', 'a:nnnu', [], {}, ['1', '4*']],
    ['an urgent row does not wait for an ordinary one in flight', 'a:nnu', [1], {}, ['3*']],
    ['urgent rows of a lane stay in order', 'a:uu', [], {}, ['1*']],
    ['an urgent row waits for an older urgent one in flight', 'a:uu', [1], {}, []],
    ['an urgent row never passes its root, which becomes express', 'a:rnu', [], {}, ['1*']],
    ['a root in flight holds the urgent rows behind it', 'a:ru', [1], {}, []],
    ['a root with no urgent row behind it is paced as usual', 'a:rnn', [], {}, ['1']],
    ['an ordinary row waits for an older urgent row (the "resolved" edit after its request)', 'a:un', [], {}, ['1*']],
    ['an ordinary row waits for an older urgent row in flight', 'a:un', [1], {}, []],
    ['a head waiting for its retry holds the ordinary rows, not the urgent one', 'a:nnu', [], { 1: 5000 }, ['3*']],
    ['an urgent row waiting for its retry holds the urgent rows behind it', 'a:uu', [], { 1: 5000 }, []],
    ['the other lane is not held by a lane that waits', 'a:nu b:n', [], { 1: 5000, 2: 5000 }, ['3']],
  ] as const)('%s', (_what, spec, inFlight, later, expected) => {
    const got = startable(spec ? rows(spec, later) : [], new Set(inFlight), NOW).map((s) => `${s.id}${s.express ? '*' : ''}`);
    expect(got).toEqual(expected);
  });
});
