/**
 * Scale: `csm serve` as a child process (the built daemon, dist/), measured from outside through /proc.
 *   busySessions: N stand-in sessions (test/fixtures/bin/busy-writer, 20 lines a second each) in real tmux on
 *     an isolated socket, for S seconds: the daemon's CPU (utime+stime over the window, as % of one core)
 *     and RSS.
 *   growth: sessions started and killed, then hook calls (POST /hook, realistic payloads) against a few live
 *     sessions: RSS, open file descriptors and database size before, after, and after a retention sweep
 *     (`csm prune --older-than 0`, i.e. POST /prune).
 * Printed, not asserted (bench/run.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { freePort } from '../test/helpers/daemon.js';

const ROOT = join(import.meta.dirname, '..');
const WRITER = join(ROOT, 'test/fixtures/bin/busy-writer');
const QUIET = join(ROOT, 'test/fixtures/bin/echo-input');

export interface ProcFigures {
  cpuMs: number;
  rssMb: number;
  fds: number;
}

export function procStat(pid: number): ProcFigures {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuMs: (ticks * 1000) / 100, rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

interface Served {
  child: ChildProcess;
  home: string;
  socket: string;
  url: string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

/** `csm serve` on a fresh home, port and tmux socket; `profileDir` adds --cpu-prof. */
async function serve(command: string, extra: Record<string, unknown> = {}, profileDir?: string): Promise<Served> {
  const home = mkdtempSync(join(tmpdir(), 'csm-bench-'));
  const port = await freePort();
  const socket = `csm-bench-${process.pid}-${port}`;
  const file = join(home, 'config.yaml');
  // A stand-in that prints nothing waits at a screen nobody recognises: not what is measured here.
  writeFileSync(file, stringify({ server: { port }, claude: { command }, tmux: { socket_name: socket }, terminal: { launcher: 'none' }, sessions: { stuck_seconds: 3600 }, ...extra }));
  const heap = process.env.BENCH_HEAP ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAP}`] : [];
  const child = spawn(process.execPath, [...heap, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), join(ROOT, 'dist/daemon/cli/main.js'), 'serve', '--config', file], {
    env: { ...process.env, CSM_HOME: home, CSM_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`csm serve exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    await delay(50);
  }
  const token = readFileSync(join(home, 'token'), 'utf8').trim();
  return {
    child, home, socket, url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    async stop() {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
      await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
    },
  };
}

/** One request on a connection of its own, closed after it: the bench holds no descriptor of the daemon open. */
function api<T>(d: Served, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const data = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = { ...(data ? d.headers : { authorization: d.headers.authorization! }), ...(data ? { 'content-length': Buffer.byteLength(data) } : {}) };
    const req = request(`${d.url}${path}`, { method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.once('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 400) reject(new Error(`${method} ${path}: ${status} ${text}`));
        else resolve((text ? JSON.parse(text) : null) as T);
      });
    });
    req.once('error', reject);
    req.end(data);
  });
}

/** Runs `jobs` with at most `width` at a time. */
async function pool<T>(items: readonly T[], width: number, job: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await job(items[i]!, i);
    }
  }));
}

export interface BusyResult {
  sessions: number;
  seconds: number;
  cpuPct: number;
  rssMb: number;
  peakMb: number;
}

export async function busySessions(sessions: number, seconds: number, profileDir?: string): Promise<BusyResult> {
  const d = await serve(WRITER, {}, profileDir);
  try {
    await pool(Array.from({ length: sessions }), 4, async () => {
      await api(d, 'POST', '/session/new', { cwd: d.home });
    });
    await delay(3000);
    const pid = d.child.pid!;
    const start = procStat(pid);
    const t0 = performance.now();
    let peak = start.rssMb;
    for (let s = 0; s < seconds; s++) {
      await delay(1000);
      peak = Math.max(peak, procStat(pid).rssMb);
    }
    const end = procStat(pid);
    return { sessions, seconds, cpuPct: ((end.cpuMs - start.cpuMs) / (performance.now() - t0)) * 100, rssMb: end.rssMb, peakMb: peak };
  } finally {
    await d.stop();
  }
}

export function reportBusy(r: BusyResult, target: { cpuPct: number; rssMb: number }): void {
  console.log(
    `${r.sessions} busy sessions  CPU ${r.cpuPct.toFixed(1)}% of one core   RSS ${r.rssMb.toFixed(0)} MB (peak ${r.peakMb.toFixed(0)} MB) over ${r.seconds} s ` +
      `(target < ${target.cpuPct}%, < ${target.rssMb} MB)`,
  );
}

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
