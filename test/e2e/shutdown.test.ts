import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegramBotApi } from '../fakes/telegram-bot-api.js';
import type { DaemonHandle } from '../helpers/daemon.js';
import { startTelegramDaemon, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');
const SESSIONS = 15;
const NOTES = 2;

/**
 * SIGTERM with a long Telegram queue: grammY's throttler lets one message a second into a private chat,
 * so fifteen sessions with news are fifteen seconds of sending. The daemon must not wait for that: it
 * leaves the queue in the outbox, exits at once, and the next start sends the rest, nothing twice.
 */
describe('SIGTERM with a rate-limited Telegram queue', () => {
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-shutdown-'));
    tg = await FakeTelegramBotApi.start();
    d = await startTelegramDaemon(tg, { claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: join(work, 'typed.txt') } });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
  });

  it(`exits within seconds with ${SESSIONS} sessions' messages queued; the restart sends the rest exactly once`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
      expect(r.status).toBe(200);
      ids.push(r.body.session_id);
    }
    const notes = ids.flatMap((id) => Array.from({ length: NOTES }, (_, n) => `note ${n} for ${id}`));
    for (const [i, text] of notes.entries()) {
      const r = await d.api('POST', '/notify', { message: text, channel: 'telegram', session_id: ids[Math.floor(i / NOTES)] });
      expect(r.status).toBe(202);
    }
    const expected = [...ids.map((id) => new RegExp(`^🚀 Session ${id} started`)), ...notes.map((n) => new RegExp(`^.*${n}$`, 's'))];
    const delivered = (): string[] => tg.botMessages().map(textOf);
    // The sender is busy (some went out, most wait in the throttler) when the signal comes.
    await waitFor(() => delivered().filter((t) => expected.some((re) => re.test(t))).length >= 2, { message: 'the first messages out' });

    const t0 = Date.now();
    await d.stop('SIGTERM');
    const stopMs = Date.now() - t0;
    const beforeRestart = delivered().filter((t) => expected.some((re) => re.test(t))).length;
    expect(stopMs, `SIGTERM took ${stopMs} ms`).toBeLessThan(5000);
    expect(beforeRestart, 'most messages were still queued at SIGTERM').toBeLessThan(expected.length);
    console.log(`SIGTERM → exit in ${stopMs} ms with ${expected.length - beforeRestart} of ${expected.length} messages still queued`);

    await d.restart();
    await waitFor(() => expected.every((re) => delivered().some((t) => re.test(t))), { timeoutMs: 90_000, message: 'every queued message after the restart' });
    for (const re of expected) expect({ re: String(re), times: delivered().filter((t) => re.test(t)).length }).toEqual({ re: String(re), times: 1 });
    // In order within a session: its root first, then its notes as sent.
    for (const id of ids) {
      const mine = tg.botMessages().filter((m) => textOf(m).includes(id)).map(textOf);
      expect(mine[0]).toMatch(new RegExp(`^🚀 Session ${id} started`));
      expect(mine.slice(1).map((t) => /note (\d)/.exec(t)?.[1])).toEqual(Array.from({ length: NOTES }, (_, n) => String(n)));
    }
  });
});
