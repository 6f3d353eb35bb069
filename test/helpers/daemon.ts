import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { freePort } from '../../daemon/free-port.js';
import { waitFor } from './wait.js';

const ROOT = join(import.meta.dirname, '..', '..');

export { freePort };

export interface DaemonHandle {
  url: string;
  /** The owner's token, read again after each restart (a restart without the token file makes a new one). */
  token: string;
  home: string;
  configFile: string;
  socketName: string;
  /** The daemon's stderr so far (JSON log lines). */
  logs(): string;
  /** The daemon process's pid (for RSS measurements), while it runs. */
  pid(): number | undefined;
  api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Runs the real CLI (`csm ...`) against this daemon. */
  cli(args: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the daemon again on the same home, config and port (after stop or SIGKILL), with `env` changes. */
  restart(env?: Record<string, string | undefined>): Promise<void>;
  /** Resolves when the daemon process has exited (by itself or killed). */
  exited(): Promise<void>;
  /** Stops the daemon and the tmux server of this test. */
  cleanup(): Promise<void>;
}

export interface StartDaemonOptions {
  claudeBin: string;
  /** Environment for Claude Code (HOME, ANTHROPIC_BASE_URL, ...), set per session through claude.env. */
  claudeEnv: Record<string, string>;
  claudeArgs?: string[];
  /** Extra config sections merged over the defaults (telegram, email, sessions, ...). */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
}

const isStandIn = (bin: string): boolean => bin.startsWith(join(ROOT, 'test/fixtures/bin'));

/** Starts the real daemon (`csm serve`, from the TypeScript sources) as a child process with its own home, port and tmux socket. */
export async function startDaemon(o: StartDaemonOptions): Promise<DaemonHandle> {
  const home = mkdtempSync(join(tmpdir(), 'csm-home-'));
  const port = await freePort();
  const socketName = `csm-test-${process.pid}-${port}`;
  const configFile = join(home, 'config.yaml');
  const config = {
    server: { host: '127.0.0.1', port },
    claude: { command: o.claudeBin, default_args: o.claudeArgs ?? [], env: o.claudeEnv },
    tmux: { socket_name: socketName },
    terminal: { launcher: 'none' },
    ...o.config,
    // A stand-in that waits silently for input (record-input, echo-input) is, to csm, a screen nobody
    // recognises, surfaced after sessions.stuck_seconds. Tests that are not about that give it an hour;
    // real Claude Code keeps the default, so a false "waiting" there fails the test that sees it.
    ...(isStandIn(o.claudeBin) ? { sessions: { stuck_seconds: 3600, ...(o.config?.['sessions'] as object | undefined) } } : {}),
  };
  writeFileSync(configFile, stringify(config));
  let env: Record<string, string | undefined> = { ...process.env, CSM_HOME: home, CSM_LOG_LEVEL: 'debug', ...o.env };
  let child: ChildProcess | null = null;
  let stderr = '';
  const url = `http://127.0.0.1:${port}`;

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon/cli/main.ts'), 'serve', '--config', configFile], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`daemon exited with ${code} before it was ready:\n${stderr}`))));
    const ready = (async (): Promise<void> => {
      for (;;) {
        try {
          const res = await fetch(`${url}/health`);
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await Promise.race([ready, exited]);
  };
  await launch();
  const token = readFileSync(join(home, 'token'), 'utf8').trim();

  const handle: DaemonHandle = {
    url, token, home, configFile, socketName,
    logs: () => stderr,
    pid: () => (child as ChildProcess | null)?.pid,
    async api(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${handle.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as never };
    },
    async cli(args, input) {
      const r = await execa(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon/cli/main.ts'), '--config', configFile, ...args], {
        cwd: ROOT, env, reject: false, ...(input !== undefined ? { input } : {}),
      });
      return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async stop(signal = 'SIGTERM') {
      const c = child as ChildProcess | null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await gone;
    },
    async restart(changes = {}) {
      env = { ...env, ...changes };
      await launch();
      handle.token = readFileSync(join(home, 'token'), 'utf8').trim();
    },
    exited() {
      const c = child as ChildProcess | null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
      return new Promise((r) => c.once('exit', () => r()));
    },
    async cleanup() {
      await handle.stop('SIGKILL');
      await execa('tmux', ['-L', socketName, 'kill-server'], { reject: false });
    },
  };
  return handle;
}

/** Waits for an event on the daemon's stream matching `pred`, starting after `after`. */
export async function waitForEvent<T extends { kind: string; session_id: string; seq: number }>(
  d: DaemonHandle,
  pred: (e: T) => boolean,
  { after = 0, timeoutMs = 30_000, what = 'event' }: { after?: number; timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen: T[] = [];
  let cursor = after;
  while (Date.now() < deadline) {
    const wait = Math.max(0, Math.min(10, Math.floor((deadline - Date.now()) / 1000)));
    const r = await d.api<{ events: T[] }>('GET', `/events?after=${cursor}&wait=${wait}`);
    for (const e of r.body.events) {
      seen.push(e);
      cursor = Math.max(cursor, e.seq);
      if (pred(e)) return e;
    }
  }
  seen = seen.slice(-20);
  throw new Error(`timed out waiting for ${what}; last events: ${JSON.stringify(seen.map((e) => ({ kind: e.kind, session: e.session_id })))}`);
}

/** POST /session/new, then waits until Claude Code shows its prompt: the session can take input. */
export async function newIdleSession(d: DaemonHandle, cwd: string, timeoutMs = 45_000): Promise<string> {
  const r = await d.api<{ session_id?: string; error?: string }>('POST', '/session/new', { cwd });
  if (r.status !== 200 || !r.body.session_id) throw new Error(`POST /session/new ${cwd}: ${r.status} ${r.body.error ?? ''}`);
  await newIdleSessionWait(d, r.body.session_id, timeoutMs);
  return r.body.session_id;
}

/** Waits until the session shows Claude Code's prompt: it can take input. */
export async function newIdleSessionWait(d: DaemonHandle, id: string, timeoutMs = 45_000): Promise<void> {
  let last: { status?: string; pending?: unknown } = {};
  try {
    await waitFor(async () => (last = (await d.api<{ status: string; pending: unknown }>('GET', `/session/${id}`)).body).status === 'idle', { timeoutMs, message: `${id} idle` });
  } catch (err) {
    // What the session was doing instead, and what the daemon said about it: a failure here is a race to find.
    const screen = await d.api<{ output?: string }>('GET', `/session/${id}/output?lines=15`).then((r) => r.body.output ?? '').catch(() => '');
    const logs = d.logs().split('\n').filter((l) => l.includes(id)).slice(-25).join('\n');
    throw new Error(`${(err as Error).message}\nstatus ${last.status}, pending ${JSON.stringify(last.pending)}\nscreen:\n${screen}\ndaemon log about ${id}:\n${logs}`, { cause: err });
  }
}
