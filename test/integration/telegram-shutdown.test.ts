import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/telegram-bot-api.js';
import { waitFor } from '../helpers/wait.js';
import { FAST, startHarness, type Harness } from './telegram-harness.js';

const textOf = (m: FakeMessage): string => m.text ?? m.document?.caption ?? '';
/** One message a private chat every 400 ms, as grammY's throttler does (once a second) with Telegram. */
const THROTTLED = { ...FAST, bot: { ...FAST.bot, throttle: { ...FAST.bot!.throttle, out: { maxConcurrent: 1, minTime: 400 } } } };

describe('telegram channel: stop with a throttled queue', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  const ids = Array.from({ length: 12 }, (_, i) => `b0${i.toString(16).padStart(2, '0')}`);
  const roots = (): string[] => h!.fake.botMessages().map(textOf).filter((t) => t.startsWith('🚀 Session'));
  const queued = (): { n: number; attempts: number } =>
    h!.store.db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(attempts), 0) AS attempts FROM outbox WHERE channel LIKE 'telegram:%'`).get() as { n: number; attempts: number };

  it('returns at once, leaves what was not sent untouched in the outbox; the next start sends each exactly once', async () => {
    h = await startHarness({ deps: THROTTLED });
    await waitFor(() => h!.fake.commands.length > 0, { message: 'connected' });
    for (const id of ids) h.commands.addSession(id, `/home/u/p/${id}`);
    await waitFor(() => roots().length >= 2, { message: 'the first roots out' });

    const t0 = Date.now();
    await h.channel.stop();
    const stopMs = Date.now() - t0;
    const sent = roots().length;
    expect(stopMs, `stop took ${stopMs} ms`).toBeLessThan(1000);
    expect(sent).toBeLessThan(ids.length);
    // What the throttler still held was never sent: queued as it was, no attempt counted against it.
    expect(queued()).toEqual({ n: ids.length - sent, attempts: 0 });
    // Nothing reaches Telegram after stop, although the throttler goes on releasing its queue.
    await new Promise((r) => setTimeout(r, 1000));
    expect(roots().length).toBe(sent);

    await h.restart();
    await waitFor(() => roots().length >= ids.length, { timeoutMs: 15_000, message: 'every root after the restart' });
    for (const id of ids) expect({ id, times: roots().filter((t) => t.startsWith(`🚀 Session ${id} started`)).length }).toEqual({ id, times: 1 });
    // The chat shows a message before the daemon has recorded it and removed its outbox row: wait for that.
    await waitFor(() => queued().n === 0, { message: 'the outbox empty after the restart' });
  });

  it('a call already on the wire is waited for (up to the grace) and recorded, so the restart does not send it again', async () => {
    h = await startHarness({ deps: THROTTLED });
    await waitFor(() => h!.fake.commands.length > 0, { message: 'connected' });
    // Telegram has the message at once; its answer takes 600 ms to come back.
    h.fake.failNext('sendMessage', 1, { kind: 'slow', ms: 600 });
    h.commands.addSession('c0de', '/home/u/p/c0de');
    await waitFor(() => roots().length === 1, { message: 'the root in the chat, its answer on the way' });
    expect(queued().n).toBe(1);
    await h.channel.stop();
    expect(queued().n).toBe(0);
    await h.restart();
    h.commands.emit('c0de', { kind: 'notify', notify_id: 'n1', channel: 'telegram', subject: null, message: 'after the restart' });
    await waitFor(() => h!.fake.botMessages().some((m) => textOf(m).includes('after the restart')), { message: 'the next message' });
    expect(roots()).toEqual(['🚀 Session c0de started: ~/p/c0de']);
  });
});
