/**
 * Live output: a line Claude Code appends to its transcript → the event on the bus, through the real
 * TranscriptFollower on a real file (fs.watch, with its 1 s poll as the backstop). Lines are the ones the
 * real CLI wrote (test/fixtures/transcripts/); each is appended alone and timed to its first event.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger } from '../daemon/logger.js';
import { TranscriptFollower } from '../daemon/sessions/transcript-follow.js';
import { parseTranscriptLine } from '../daemon/sessions/transcript-line.js';
import { Store } from '../daemon/store/store.js';

export async function transcriptLatency(rounds = 20): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'csm-bench-transcript-'));
  const store = new Store(join(dir, 'csm.db'));
  const lines = readFileSync(join(import.meta.dirname, '../test/fixtures/transcripts/latest.jsonl'), 'utf8').split('\n').filter((l) => parseTranscriptLine(l).entries.length > 0);
  const file = join(dir, 'session.jsonl');
  writeFileSync(file, '');
  let seen: (() => void) | null = null;
  const follower = new TranscriptFollower({ store, emit: () => seen?.(), log: silentLogger });
  follower.follow('bench', file);
  const samples: number[] = [];
  // The follower's watch and poll do not hold the process open (the daemon's server does): this does here.
  const alive = setInterval(() => undefined, 1000);
  try {
    for (let i = 0; i < rounds; i++) {
      const line = lines[i % lines.length]!.replace(/"uuid":"[^"]+"/, `"uuid":"bench-${i}"`);
      const got = new Promise<void>((resolve) => (seen = resolve));
      const t0 = performance.now();
      appendFileSync(file, `${line}\n`);
      await got;
      samples.push(performance.now() - t0);
      seen = null;
      await delay(50);
    }
  } finally {
    clearInterval(alive);
    follower.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}
