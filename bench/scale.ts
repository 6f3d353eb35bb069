/**
 * Scale: `csm serve` as a child process (the built daemon, dist/), measured from outside through /proc.
 * busySessions: N stand-in sessions (test/fixtures/bin/busy-writer, 20 lines a second each) in real tmux on
 * an isolated socket, for S seconds: the daemon's CPU (utime+stime over the window, as % of one core) and
 * RSS. Growth is in growth.ts. Printed, not asserted (bench/run.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { freePort } from '../test/helpers/daemon.js';

const ROOT = join(import.meta.dirname, '..');
const WRITER = join(ROOT, 'test/fixtures/bin/busy-writer');
export const QUIET = join(ROOT, 'test/fixtures/bin/echo-input');

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

export interface Served {
  child: ChildProcess;
  home: string;
  socket: string;
  url: string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

/** `csm serve` on a fresh home, port and tmux socket; `profileDir` adds --cpu-prof. */
export async function serve(command: string, extra: Record<string, unknown> = {}, profileDir?: string): Promise<Served> {
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
export function api<T>(d: Served, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
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
export async function pool<T>(items: readonly T[], width: number, job: (item: T, index: number) => Promise<void>): Promise<void> {
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
