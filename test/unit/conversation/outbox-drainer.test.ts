import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxDrainer, type Delivery, type Verdict } from '../../../daemon/conversation/outbox-drainer.js';
import { silentLogger } from '../../../daemon/logger.js';
import { Outbox, type OutboxItem } from '../../../daemon/store/outbox.js';
import { Store } from '../../../daemon/store/store.js';
import { waitFor } from '../../helpers/wait.js';

/** An in-memory channel: records what it sent, fails on demand, and can hold a send until released. */
class TwinChannel implements Delivery<string> {
  readonly sent: string[] = [];
  readonly recorded: string[] = [];
  fail = new Map<string, number>();
  held = new Map<string, () => void>();
  hold = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;

  async send(item: OutboxItem<string>): Promise<() => void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold.has(item.payload)) await new Promise<void>((resolve) => this.held.set(item.payload, resolve));
      if (item.payload.startsWith('bad')) throw new Error(`refused ${item.payload} for good`);
      const left = this.fail.get(item.payload) ?? 0;
      if (left > 0) {
        this.fail.set(item.payload, left - 1);
        throw new Error(`refused ${item.payload}`);
      }
      this.sent.push(item.payload);
      return () => this.recorded.push(item.payload);
    } finally {
      this.inFlight--;
    }
  }

  judge(item: OutboxItem<string>): Verdict<string> {
    return item.payload.startsWith('bad') ? { action: 'drop', why: 'never' } : { action: 'retry' };
  }

  describe(err: unknown): string {
    return (err as Error).message;
  }
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

function setup(ordinary: 'parallel' | 'serial'): { outbox: Outbox<string>; twin: TwinChannel; drainer: OutboxDrainer<string> } {
  const store = new Store(join(mkdtempSync(join(tmpdir(), 'csm-drainer-')), 'csm.db'));
  const outbox = new Outbox<string>(store, 'twin', { baseDelayMs: 20, maxDelayMs: 100 });
  const twin = new TwinChannel();
  const drainer = new OutboxDrainer(outbox, twin, { name: 'twin', log: silentLogger, ordinary });
  cleanup.push(async () => {
    for (const release of twin.held.values()) release();
    await drainer.stop(500);
    store.close();
  });
  return { outbox, twin, drainer };
}

describe('the one outbox drainer, with an in-memory channel', () => {
  it('keeps each lane in order; an urgent row overtakes the ordinary rows queued before it', async () => {
    const { outbox, twin, drainer } = setup('parallel');
    twin.hold.add('idle 1');
    outbox.enqueue('a', 'idle 1');
    outbox.enqueue('a', 'idle 2');
    outbox.enqueue('a', 'permission', { urgent: true });
    drainer.start();
    await waitFor(() => twin.sent.includes('permission') || null, { message: 'the permission sent' });
    expect(twin.sent).toEqual(['permission']);
    twin.held.get('idle 1')!();
    await waitFor(() => twin.sent.length === 3 || null, { message: 'all three sent' });
    expect(twin.sent).toEqual(['permission', 'idle 1', 'idle 2']);
    expect(twin.recorded).toEqual(twin.sent);
    expect(outbox.size()).toBe(0);
  });

  it('a failing row is retried with backoff and blocks only its own lane; a row refused for good is dropped', async () => {
    const { outbox, twin, drainer } = setup('parallel');
    twin.fail.set('a1', 3);
    outbox.enqueue('a', 'a1');
    outbox.enqueue('a', 'a2');
    outbox.enqueue('b', 'bad b1');
    outbox.enqueue('b', 'b2');
    drainer.start();
    await waitFor(() => twin.sent.length === 3 || null, { message: 'all good rows sent' });
    expect(twin.sent.filter((p) => p.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(twin.sent).toContain('b2');
    expect(twin.sent).not.toContain('bad b1');
    expect(twin.sent.indexOf('b2')).toBeLessThan(twin.sent.indexOf('a1'));
    expect(outbox.size()).toBe(0);
    expect(drainer.lastError).toBeNull();
  });

  it('serial: one ordinary row at a time across lanes, while an urgent one goes beside it', async () => {
    const { outbox, twin, drainer } = setup('serial');
    twin.hold.add('a1');
    outbox.enqueue('a', 'a1');
    outbox.enqueue('b', 'b1');
    outbox.enqueue('c', 'question', { urgent: true });
    drainer.start();
    await waitFor(() => twin.sent.includes('question') || null, { message: 'the urgent row sent beside the held one' });
    expect(twin.sent).toEqual(['question']);
    twin.held.get('a1')!();
    await waitFor(() => twin.sent.length === 3 || null, { message: 'the rest sent' });
    expect(twin.sent).toEqual(['question', 'a1', 'b1']);
    expect(twin.maxInFlight).toBe(2);
  });

  it('stop: a send still on the wire after the grace is abandoned and its row stays for the next start', async () => {
    const { outbox, twin, drainer } = setup('parallel');
    twin.hold.add('slow');
    outbox.enqueue('a', 'slow');
    drainer.start();
    await waitFor(() => twin.held.has('slow') || null, { message: 'the send started' });
    await drainer.stop(50);
    twin.held.get('slow')!();
    await waitFor(() => twin.sent.includes('slow') || null, { message: 'the late answer' });
    expect(twin.recorded).toEqual([]);
    expect(outbox.size()).toBe(1);
  });
});
