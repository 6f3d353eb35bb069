/**
 * Growth: sessions started and killed, then hook calls (POST /hook, realistic payloads) against a few live
 * sessions: RSS, open file descriptors, database size and log files before, after, and after a retention
 * sweep (`csm prune --older-than 0`, i.e. POST /prune), round after round. Printed, not asserted.
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { api, pool, procStat, QUIET, serve, type ProcFigures, type Served } from './scale.js';

export interface GrowthOptions {
  /** Sessions started and killed, and hook calls, in all: split evenly over the rounds. */
  sessions: number;
  hooks: number;
  /** Sessions kept alive through it all: the hooks are theirs. */
  live: number;
  /**
   * Each round grows, then sweeps. RSS rarely shrinks (V8 keeps the heap it grew to), so a leak shows as
   * RSS still climbing in the second round, not as RSS failing to drop after the first.
   */
  rounds: number;
  profileDir?: string;
}

interface Snapshot extends ProcFigures {
  dbBytes: number;
  logFiles: number;
  /** The daemon's CPU while nothing happens, over the few seconds before the snapshot (% of one core). */
  quietCpuPct: number;
}

interface Round {
  after: Snapshot;
  swept: Snapshot;
  startsPerSecond: number;
  hooksPerSecond: number;
  /** The daemon's CPU per hook call, and as % of one core while they came. */
  hookCpuMsEach: number;
  hookCpuPct: number;
  sweep: { sessions: number; rows: Record<string, number>; files: number; ms: number };
}

export interface GrowthResult extends GrowthOptions {
  before: Snapshot;
  rounds_: Round[];
}

function fileSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

function fdKinds(pid: number): string {
  const kinds = new Map<string, number>();
  for (const f of readdirSync(`/proc/${pid}/fd`)) {
    let target = '?';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${f}`).replace(/:\[.*$/, '');
    } catch {
      // closed meanwhile
    }
    kinds.set(target, (kinds.get(target) ?? 0) + 1);
  }
  return [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** Waits a few quiet seconds (what was in flight settles), then reads the figures. */
async function snapshot(d: Served): Promise<Snapshot> {
  await delay(1000);
  const t0 = performance.now();
  const cpu0 = procStat(d.child.pid!).cpuMs;
  await delay(3000);
  const now = procStat(d.child.pid!);
  if (process.env.BENCH_FDS) console.log(`  fds: ${fdKinds(d.child.pid!)}`);
  if (process.env.BENCH_HEAP) {
    // A heap snapshot collects garbage first: its size is the live heap.
    const dir = process.env.BENCH_HEAP;
    const count = (): number => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length;
    const n = count();
    d.child.kill('SIGUSR2');
    while (count() === n) await delay(200);
    const last = join(dir, readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).sort().at(-1)!);
    // Written while the daemon runs: done when its size stops changing.
    for (let size = -1; size !== fileSize(last) || size === 0; ) {
      size = fileSize(last);
      await delay(1000);
    }
    console.log(`  heap snapshot (live objects after a full GC): ${(fileSize(last) / 1024 / 1024).toFixed(1)} MB`);
  }
  const db = join(d.home, 'csm.db');
  return {
    ...now, quietCpuPct: ((now.cpuMs - cpu0) / (performance.now() - t0)) * 100,
    dbBytes: fileSize(db) + fileSize(`${db}-wal`), logFiles: readdirSync(join(d.home, 'logs')).length,
  };
}

function postHook(agent: Agent, d: Served, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${d.url}/hook`, { method: 'POST', agent, headers: { ...d.headers, ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Hook payloads as Claude Code sends them, in the order a turn sends them. */
function hookPayload(i: number, claudeSession: string, cwd: string): Record<string, unknown> {
  const common = { session_id: claudeSession, transcript_path: join(cwd, `.claude/projects/bench/${claudeSession}.jsonl`), cwd, permission_mode: 'default' };
  const toolUse = `toolu_bench_${i}`;
  switch (i % 5) {
    case 0:
      return { ...common, hook_event_name: 'UserPromptSubmit', prompt: `step ${i}: run the tests and fix what fails` };
    case 1:
      return { ...common, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'npm test -- --reporter dot', description: 'Run the tests' }, tool_use_id: toolUse };
    case 2:
      return {
        ...common, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'npm test -- --reporter dot' }, tool_use_id: toolUse,
        tool_response: { stdout: '.'.repeat(200) + '\n42 passing (1s)\n', stderr: '', interrupted: false, isImage: false },
      };
    case 3:
      return { ...common, hook_event_name: 'Notification', message: 'Claude is waiting for your input', notification_type: 'idle_prompt' };
    default:
      return { ...common, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: `All 42 tests pass now (round ${i}).` };
  }
}

/**
 * Sessions started and killed, then hook calls, then a retention sweep that forgets every ended session
 * (`csm prune --older-than 0`), round after round: what grew, and whether it went back.
 */
export async function growth(o: GrowthOptions): Promise<GrowthResult> {
  const d = await serve(QUIET, {}, o.profileDir);
  try {
    type Created = { session_id: string };
    const live: string[] = [];
    for (let i = 0; i < o.live; i++) live.push((await api<Created>(d, 'POST', '/session/new', { cwd: d.home })).session_id);
    const claude = live.map((_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const before = await snapshot(d);
    const rounds: Round[] = [];
    let hook = 0;
    for (let round = 0; round < o.rounds; round++) {
      const t0 = performance.now();
      await pool(Array.from({ length: Math.round(o.sessions / o.rounds) }), 4, async () => {
        const { session_id } = await api<Created>(d, 'POST', '/session/new', { cwd: d.home });
        await api(d, 'POST', `/session/${session_id}/kill`, {});
      });
      const startsPerSecond = o.sessions / o.rounds / ((performance.now() - t0) / 1000);

      const hooks = Math.round(o.hooks / o.rounds);
      const t1 = performance.now();
      const cpuAtHooks = procStat(d.child.pid!).cpuMs;
      // node:http with a keep-alive agent (fetch costs the bench more than the daemon); closed before the
      // snapshot, so the daemon's descriptor count holds no idle connection of ours.
      const agent = new Agent({ keepAlive: true, maxSockets: 16 });
      await pool(Array.from({ length: hooks }), 16, async () => {
        const i = hook++;
        const s = i % live.length;
        const status = await postHook(agent, d, { 'x-csm-session': live[s]!, 'x-csm-pane': '%0' }, JSON.stringify(hookPayload(i, claude[s]!, d.home)));
        if (status !== 204) throw new Error(`POST /hook answered ${status}`);
      });
      agent.destroy();
      const hookWallMs = performance.now() - t1;
      const hookCpu = procStat(d.child.pid!).cpuMs - cpuAtHooks;
      const after = await snapshot(d);

      const t2 = performance.now();
      const r = await api<{ sessions: number; rows: Record<string, number>; files: number }>(d, 'POST', '/prune', { older_than_days: 0 });
      const ms = performance.now() - t2;
      rounds.push({
        after, swept: await snapshot(d), startsPerSecond, hooksPerSecond: hooks / (hookWallMs / 1000), hookCpuMsEach: hookCpu / hooks,
        hookCpuPct: (hookCpu / hookWallMs) * 100, sweep: { sessions: r.sessions, rows: r.rows, files: r.files, ms },
      });
    }
    return { ...o, before, rounds_: rounds };
  } finally {
    await d.stop();
  }
}

export function reportGrowth(r: GrowthResult): void {
  const row = (name: string, s: Snapshot): string =>
    `  ${name.padEnd(22)} RSS ${s.rssMb.toFixed(0).padStart(4)} MB   fds ${String(s.fds).padStart(4)}   database ${(s.dbBytes / 1024).toFixed(0).padStart(6)} KiB   ` +
    `log files ${String(s.logFiles).padStart(4)}   CPU at rest ${s.quietCpuPct.toFixed(1)}%`;
  const perRound = `${Math.round(r.sessions / r.rounds)} sessions started and killed, then ${Math.round(r.hooks / r.rounds)} hook calls`;
  console.log(`growth: ${r.sessions} sessions and ${r.hooks} hook calls (${r.live} live sessions), in ${r.rounds} round${r.rounds > 1 ? 's' : ''} of ${perRound}, each followed by a retention sweep`);
  console.log(row('before', r.before));
  r.rounds_.forEach((x, i) => {
    const rows = Object.entries(x.sweep.rows).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(row(`round ${i + 1}: after`, x.after));
    console.log(row(`round ${i + 1}: after sweep`, x.swept));
    console.log(
      `    starts ${x.startsPerSecond.toFixed(1)}/s; hooks ${x.hooksPerSecond.toFixed(0)}/s, the daemon ${x.hookCpuMsEach.toFixed(2)} ms CPU each (${x.hookCpuPct.toFixed(0)}% of one core); ` +
        `sweep ${x.sweep.ms.toFixed(0)} ms: ${x.sweep.sessions} sessions, ${x.sweep.files} files, rows: ${rows || 'none'}`,
    );
  });
  const last = r.rounds_.at(-1)!.swept;
  const first = r.rounds_[0]!.swept;
  console.log(
    `  after the last sweep vs before: fds ${last.fds - r.before.fds >= 0 ? '+' : ''}${last.fds - r.before.fds}, database ${((last.dbBytes - r.before.dbBytes) / 1024).toFixed(0)} KiB, ` +
      `log files ${last.logFiles - r.before.logFiles}; RSS round ${r.rounds} vs round 1 after sweep ${(last.rssMb - first.rssMb).toFixed(0)} MB (target: no growth that stays)`,
  );
}
