import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../daemon/events/bus.js';
import type { SessionEvent } from '../../../daemon/events/types.js';
import { silentLogger } from '../../../daemon/logger.js';

const notify = (n: number): SessionEvent =>
  ({ kind: 'notify', session_id: '', at: n, seq: n, notify_id: `n${n}`, channel: 'auto', subject: null, message: `m${n}` }) as unknown as SessionEvent;

/**
 * The daemon answers POST /notify and reconciles sessions before its channels subscribe (found by
 * `npm run chaos`: a notification answered 202 in that window never reached Telegram).
 */
describe('EventBus: events kept for late subscribers', () => {
  it('a listener subscribing with replay gets what was emitted since keeping began, then the rest, once each', () => {
    const bus = new EventBus(silentLogger);
    bus.emit(notify(0));
    const release = bus.keepForLateSubscribers();
    bus.emit(notify(1));
    bus.emit(notify(2));
    const late: number[] = [];
    bus.subscribe((e) => late.push(e.at), { replay: true });
    bus.emit(notify(3));
    release();
    bus.emit(notify(4));
    expect(late).toEqual([1, 2, 3, 4]);
  });

  it('without replay, or after release, a listener hears only what comes next', () => {
    const bus = new EventBus(silentLogger);
    const release = bus.keepForLateSubscribers();
    bus.emit(notify(1));
    const plain: number[] = [];
    bus.subscribe((e) => plain.push(e.at));
    release();
    const after: number[] = [];
    bus.subscribe((e) => after.push(e.at), { replay: true });
    bus.emit(notify(2));
    expect(plain).toEqual([2]);
    expect(after).toEqual([2]);
  });

  it('a listener that throws on a replayed event still gets the rest', () => {
    const bus = new EventBus(silentLogger);
    bus.keepForLateSubscribers();
    bus.emit(notify(1));
    bus.emit(notify(2));
    const got: number[] = [];
    bus.subscribe((e) => {
      got.push(e.at);
      if (e.at === 1) throw new Error('boom');
    }, { replay: true });
    expect(got).toEqual([1, 2]);
  });
});
