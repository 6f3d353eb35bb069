import { describe, expect, it } from 'vitest';
import { clean, formatReport, runChaos } from '../../bench/chaos/harness.js';

/**
 * The 30 s form of `npm run chaos` (issue 14): sessions, Telegram replies and taps, email replies and
 * notifications while 30% of Bot API calls fail, IMAP drops, SMTP refuses and the daemon is SIGKILLed at
 * least 3 times. Every reply typed exactly once into its own session, every notification delivered exactly
 * once, every live session adopted. CHAOS_SEED replays a run; the seed is printed either way.
 */
describe('chaos, 30 s', () => {
  it('nothing lost, nothing twice, every session adopted', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    // Printed as it goes, so that even a hang shows the seed to replay.
    const report = await runChaos({ durationMs: 30_000, seed, minKills: 3, settleTimeoutMs: 40_000, print: (l) => console.log(l) });
    const figures = formatReport(report).join('\n');
    console.log(figures);
    expect(report.kills, figures).toBeGreaterThanOrEqual(3);
    expect(report.replies.telegram + report.replies.email, figures).toBeGreaterThan(5);
    expect(report.duplicates, figures).toEqual([]);
    expect(report.lost, figures).toEqual([]);
    expect(report.misrouted, figures).toEqual([]);
    expect(report.unexpected, figures).toEqual([]);
    expect(report.notAdopted, figures).toEqual([]);
    expect(report.settled, figures).toBe(true);
    expect(clean(report)).toBe(true);
  }, 150_000);
});
