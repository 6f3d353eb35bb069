import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');

/** `csm serve` as a second process, to completion (it is expected to refuse). */
async function serveOnce(configFile: string, home: string, timeoutMs = 20_000): Promise<{ exitCode: number; stderr: string }> {
  const r = await execa(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon/cli/main.ts'), 'serve', '--config', configFile], {
    cwd: ROOT, env: { ...process.env, CSM_HOME: home }, reject: false, timeout: timeoutMs,
  });
  return { exitCode: r.exitCode ?? -1, stderr: r.stderr };
}

/** A config file next to `base`'s, with `change` merged over sections. */
function variant(d: DaemonHandle, name: string, change: (c: Record<string, Record<string, unknown>>) => void): string {
  const c = parse(readFileSync(d.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  change(c);
  const file = join(mkdtempSync(join(tmpdir(), 'csm-start-cfg-')), `${name}.yaml`);
  writeFileSync(file, stringify(c));
  return file;
}

describe('start-up: one daemon per home, the port first, strict config and bodies', () => {
  let d: DaemonHandle;
  let work: string;
  let out: string;
  let id: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-start-'));
    out = join(work, 'typed.txt');
    d = await startDaemon({ claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: out } });
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
    expect(r.status).toBe(200);
    id = r.body.session_id;
    await waitFor(async () => (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=5`)).body.output.includes('ready'), { message: 'recorder ready' });
  });
  afterAll(async () => d?.cleanup());

  const status = async (): Promise<string> => (await d.api<{ status: string }>('GET', `/session/${id}`)).body.status;

  it('a second `csm serve` on the same home (busy port, or another port) exits 1 and leaves the live session alive', async () => {
    // Another tmux socket: had it checked liveness, it would not see the session's pane and mark it dead.
    const samePort = variant(d, 'same-port', (c) => (c.tmux = { socket_name: `${d.socketName}-other` }));
    const a = await serveOnce(samePort, d.home);
    const otherPort = await freePort();
    const b = await serveOnce(variant(d, 'other-port', (c) => {
      c.tmux = { socket_name: `${d.socketName}-other` };
      c.server = { ...c.server, port: otherPort };
    }), d.home);
    // What the database says is what a restart believes: the session must still be alive there.
    await d.stop();
    await d.restart();
    expect(await status()).not.toBe('dead');
    expect(a.exitCode).toBe(1);
    expect(a.stderr).toMatch(/Another csm daemon is already running on .*\. Stop it first/);
    expect(b.exitCode).toBe(1);
    expect(b.stderr).toMatch(/already running/);
    await d.api('POST', `/session/${id}/input`, { text: 'still here' });
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('still here'), { message: 'text typed after the restart' });
  });

  it('a daemon with its own home but a busy port exits 1 naming the port, before anything else', async () => {
    const home = mkdtempSync(join(tmpdir(), 'csm-start-home-'));
    const r = await serveOnce(d.configFile, home);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/port \d+ on 127\.0\.0\.1 is in use/);
    expect(await status()).not.toBe('dead');
  });

  it('server.host 0.0.0.0 is refused (exit 2) unless server.allow_remote: true, which warns', async () => {
    const home = mkdtempSync(join(tmpdir(), 'csm-start-remote-'));
    const port = await freePort();
    const open = variant(d, 'remote', (c) => (c.server = { host: '0.0.0.0', port }));
    const refused = await serveOnce(open, home);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/server\.host: "0\.0\.0\.0" is not a loopback address.*allow_remote: true/);

    const allowed = variant(d, 'remote-allowed', (c) => (c.server = { host: '0.0.0.0', port, allow_remote: true }));
    const child = execa(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon/cli/main.ts'), 'serve', '--config', allowed], {
      cwd: ROOT, env: { ...process.env, CSM_HOME: home }, reject: false,
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      await waitFor(() => stderr.includes('csm daemon listening'), { timeoutMs: 20_000, message: 'the daemon on 0.0.0.0' });
      expect(stderr).toMatch(/warning: server\.allow_remote is on/);
      const token = readFileSync(join(home, 'token'), 'utf8').trim();
      // A request from another machine names that machine's address of ours in Host.
      const remote = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/sessions', headers: { host: `192.0.2.7:${port}`, authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      });
      expect(remote).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    expect(child.exitCode).toBe(0);
  });

  it('a YAML alias bomb is a config error: exit 2', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h'], ['h', 'i']] as const) {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const file = join(work, 'bomb.yaml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await serveOnce(file, mkdtempSync(join(tmpdir(), 'csm-start-bomb-')));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/bomb\.yaml: not valid YAML: Excessive alias count/);
  });

  it('/health with a query string is still /health: no token needed', async () => {
    const res = await fetch(`${d.url}/health?x=1`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    expect((await fetch(`${d.url}/sessions?x=/health`)).status).toBe(401);
  });

  it('unknown fields in bodies and query strings are refused by name; nothing happens', async () => {
    const tmuxSessions = async (): Promise<string[]> =>
      (await execa('tmux', ['-L', d.socketName, 'list-sessions', '-F', '#{session_name}'], { reject: false })).stdout.split('\n').filter(Boolean);
    const before = await tmuxSessions();
    const typedBefore = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const cases: [string, 'GET' | 'POST', string, unknown, RegExp][] = [
      ['new', 'POST', '/session/new', { cwd: work, arg: ['--x'] }, /unknown field "arg"/],
      ['input', 'POST', `/session/${id}/input`, { text: 'must not be typed', enter: false }, /unknown field "enter"/],
      ['answer', 'POST', `/session/${id}/answer`, { choice: 'allow', reason: 'x' }, /unknown field "reason"/],
      ['kill', 'POST', `/session/${id}/kill`, { force: true }, /unknown field "force"/],
      ['ask', 'POST', `/session/${id}/ask`, { question: 'q?', timeout: 5 }, /unknown field "timeout"/],
      ['notify', 'POST', '/notify', { message: 'hi', chanel: 'email', prio: 1 }, /unknown fields "chanel", "prio"/],
      ['mcp-ready', 'POST', `/session/${id}/mcp-ready`, { ready: true }, /unknown field "ready"/],
      ['events query', 'GET', '/events?after=0&wiat=5', undefined, /unknown field "wiat"/],
      ['output query', 'GET', `/session/${id}/output?line=3`, undefined, /unknown field "line"/],
      ['sessions query', 'GET', '/sessions?status=idle', undefined, /unknown field "status"/],
      ['session query', 'GET', `/session/${id}?verbose=1`, undefined, /unknown field "verbose"/],
      ['keys', 'POST', `/session/${id}/keys`, { keys: ['Down'], raw: true }, /unknown field "raw"/],
    ];
    for (const [name, method, path, body, message] of cases) {
      const r = await d.api<{ error: string; code: string }>(method, path, body);
      expect({ name, status: r.status, code: r.body.code }).toEqual({ name, status: 400, code: 'bad_request' });
      expect(r.body.error).toMatch(message);
    }
    expect(await tmuxSessions()).toEqual(before);
    expect(await status()).not.toBe('dead');
    expect(existsSync(out) ? readFileSync(out, 'utf8') : '').toBe(typedBefore);
    // Hook payloads stay loose: Claude Code adds fields every release.
    const hook = await d.api('POST', '/hook', { hook_event_name: 'Notification', session_id: 'c0ffee', message: 'x', a_field_from_the_future: 1 });
    expect(hook.status).toBe(204);
  });
});
