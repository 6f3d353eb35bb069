/**
 * `npm run chaos`: the daemon under faults and SIGKILLs for a set time, then the ledger check (see
 * bench/chaos/harness.ts). Prints the seed first and the figures last; exits 1 if anything was lost,
 * doubled, misrouted or not adopted.
 *
 *   npm run chaos                         3 minutes, a random seed
 *   npm run chaos -- --duration 30 --seed 42
 *   CHAOS_SEED=42 CHAOS_DURATION=30 npm run chaos
 */
import { parseArgs } from 'node:util';
import { clean, formatReport, runChaos } from './chaos/harness.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    seed: { type: 'string' },
    kills: { type: 'string' },
  },
});
const seconds = Number(values.duration ?? process.env.CHAOS_DURATION ?? 180);
const seed = Number(values.seed ?? process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isFinite(seconds) || seconds < 10) throw new Error(`--duration must be a number of seconds, at least 10 (got ${values.duration ?? process.env.CHAOS_DURATION})`);
if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer (got ${values.seed ?? process.env.CHAOS_SEED})`);
const minKills = Number(values.kills ?? (seconds >= 180 ? 10 : 3));

const report = await runChaos({ durationMs: seconds * 1000, seed, minKills, print: (l) => console.log(l) });
for (const line of formatReport(report)) console.log(line);
process.exitCode = clean(report) ? 0 : 1;
