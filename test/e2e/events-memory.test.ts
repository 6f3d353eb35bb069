import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');
const HOOKS = 400;
const MESSAGE_CHARS = 900_000;

async function rssMb(pid: number): Promise<number> {
  const r = await execa('ps', ['-o', 'rss=', '-p', String(pid)]);
  return Number(r.stdout.trim()) / 1024;
}

/** Stop hooks carrying huge last messages, as a long Claude answer gives: the event log must stay small. */
describe('the event log with huge events', () => {
  let d: DaemonHandle;
  let id: string;

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'csm-events-'));
    d = await startDaemon({ claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: join(work, 'typed.txt') } });
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
    expect(r.status).toBe(200);
    id = r.body.session_id;
  });
  afterAll(async () => d?.cleanup());

  it(`${HOOKS} Stop hooks of ${MESSAGE_CHARS / 1000} KB: memory stays bounded, GET /events answers with cut, marked copies`, async () => {
    const pid = d.pid()!;
    const before = await rssMb(pid);
    const seqBefore = (await d.api<{ last_seq: number }>('GET', '/events')).body.last_seq;
    const send = async (n: number): Promise<void> => {
      const body = JSON.stringify({ hook_event_name: 'Stop', session_id: 'c1a0de00-0000-4000-8000-000000000001', last_assistant_message: `${n}:${'w'.repeat(MESSAGE_CHARS)}` });
      const res = await fetch(`${d.url}/hook`, { method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json', 'x-csm-session': id }, body });
      expect(res.status).toBe(204);
    };
    let peak = before;
    for (let n = 0; n < HOOKS; n += 4) {
      await Promise.all([0, 1, 2, 3].map((k) => send(n + k)));
      if (n % 40 === 0) peak = Math.max(peak, await rssMb(pid));
    }
    const after = await rssMb(pid);
    peak = Math.max(peak, after);

    const res = await fetch(`${d.url}/events?after=${seqBefore}`, { headers: { authorization: `Bearer ${d.token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { events, last_seq } = JSON.parse(text) as { events: { seq: number; kind: string; last_message: string; truncated?: boolean }[]; last_seq: number };
    const finished = events.filter((e) => e.kind === 'finished');
    expect(finished.length).toBeGreaterThan(10);
    expect(finished.some((e) => e.last_message.startsWith(`${HOOKS - 1}:`))).toBe(true);
    expect(finished.every((e) => e.truncated === true && /…\[csm: \d+ more characters cut from the event log's copy\]$/.test(e.last_message))).toBe(true);
    expect(last_seq).toBe(events.at(-1)!.seq);
    expect(text.length).toBeLessThan(9 * 1024 * 1024);
    // The last message is kept whole where it belongs: on the session.
    const session = await d.api<{ last_message: string }>('GET', `/session/${id}`);
    expect(session.body.last_message).toHaveLength(MESSAGE_CHARS + `${HOOKS - 1}:`.length);
    // Unbounded, the log alone held HOOKS × 900 KB (360 MB); bounded it holds 8 MB. Garbage may come and go.
    console.log(`RSS before ${before.toFixed(0)} MB, after ${after.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; GET /events ${(text.length / 1e6).toFixed(1)} MB for ${events.length} events`);
    await waitFor(async () => (await rssMb(pid)) < before + 150, { timeoutMs: 20_000, message: `RSS back under ${before.toFixed(0)} + 150 MB` });
  });
});
