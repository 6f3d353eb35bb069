import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');

/** The local API and CLI against the real daemon and real tmux, with a recorder standing in for Claude. */
describe('local API and CLI', () => {
  let d: DaemonHandle;
  let out: string;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-api-'));
    out = join(work, 'typed.txt');
    d = await startDaemon({ claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: out } });
  });
  afterAll(async () => d?.cleanup());

  const tmuxSessions = async (): Promise<string[]> =>
    (await execa('tmux', ['-L', d.socketName, 'list-sessions', '-F', '#{session_name}'], { reject: false })).stdout.split('\n').filter(Boolean);

  it('refuses requests without the token, from web pages, and for non-loopback hosts', async () => {
    expect((await fetch(`${d.url}/sessions`)).status).toBe(401);
    expect((await fetch(`${d.url}/sessions`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const page = await fetch(`${d.url}/sessions`, { headers: { authorization: `Bearer ${d.token}`, origin: 'https://evil.example' } });
    expect(page.status).toBe(403);
    expect(((await page.json()) as { error: string }).error).toMatch(/web pages are refused/);
    const health = (await (await fetch(`${d.url}/health`)).json()) as { ok: boolean };
    expect(health.ok).toBe(true);
  });

  it('validates bodies, naming the field; a cwd that does not exist spawns nothing', async () => {
    const before = await tmuxSessions();
    const missing = await d.api('POST', '/session/new', { cwd: join(work, 'nope') });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/does not exist/);
    const noCwd = await d.api('POST', '/session/new', {});
    expect(noCwd.status).toBe(400);
    expect(noCwd.body.error).toMatch(/"cwd"/);
    expect(await tmuxSessions()).toEqual(before);
    expect((await d.api('GET', '/session/ffff')).status).toBe(404);
    expect((await d.api('GET', '/session/not-an-id')).status).toBe(400);
    expect((await d.api('POST', '/notify', { message: 'hi' })).body.error).toMatch(/No channel is configured/);
  });

  it('malformed hook JSON is a 400 and leaves the daemon unharmed', async () => {
    const res = await fetch(`${d.url}/hook`, { method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' }, body: '{"hook_event_name": ' });
    expect(res.status).toBe(400);
    const noEvent = await d.api('POST', '/hook', { session_id: 'x' });
    expect(noEvent.status).toBe(400);
    expect(noEvent.body.error).toMatch(/hook_event_name/);
    expect((await d.api('GET', '/sessions')).status).toBe(200);
  });

  it('types text verbatim, then Enter, into the right session only', async () => {
    const created = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
    expect(created.status, `${JSON.stringify(created.body)}\n${d.logs().slice(-3000)}`).toBe(200);
    const id = created.body.session_id;
    expect(id).toMatch(/^[0-9a-f]{4}$/);
    expect(await tmuxSessions()).toContain(`claude-${id}`);
    await waitFor(async () => (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=5`)).body.output.includes('ready'), { message: 'recorder ready' });
    const nasty = `it's "x"; $(touch /tmp/pwned) \`id\` Enter C-c -n ☃ \\ end`;
    await d.api('POST', `/session/${id}/input`, { text: nasty });
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('end\n'), { message: 'text recorded' });
    expect(readFileSync(out, 'utf8')).toBe(`${nasty}\n`);
    expect(existsSync('/tmp/pwned')).toBe(false);

    const cli = await d.cli(['send', id, '--', '-n', 'leading dash']);
    expect(cli.exitCode, cli.stderr).not.toBe(2);
    await waitFor(() => readFileSync(out, 'utf8').includes('-n leading dash\n'), { message: 'cli text recorded' });

    const status = await d.cli(['status', id, '--json']);
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, cwd: work, tmux_session: `claude-${id}` });
    const list = await d.cli(['list']);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+\\w+`));

    const kill = await d.api('POST', `/session/${id}/kill`);
    expect(kill.status).toBe(200);
    expect(await tmuxSessions()).not.toContain(`claude-${id}`);
    const again = await d.api('POST', `/session/${id}/input`, { text: 'hello' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/has ended/);
  });

  it('the CLI exits with meaningful codes', async () => {
    expect((await d.cli(['status', 'ffff'])).exitCode).toBe(1);
    expect((await d.cli(['frobnicate'])).exitCode).toBe(2);
    expect((await d.cli(['send'])).exitCode).toBe(2);
    const home = mkdtempSync(join(tmpdir(), 'csm-none-'));
    const config = join(home, 'config.yaml');
    writeFileSync(config, `server:\n  port: ${await freePort()}\n`);
    const stopped = await execa(process.execPath, ['--import', 'tsx', 'daemon/cli/main.ts', 'list', '--config', config], {
      cwd: join(import.meta.dirname, '../..'), reject: false, env: { ...process.env, CSM_HOME: home },
    });
    expect(stopped.exitCode).toBe(3);
    expect(stopped.stderr).toMatch(/not running.*csm serve/);
    writeFileSync(config, 'server:\n  prot: 1\n');
    const bad = await execa(process.execPath, ['--import', 'tsx', 'daemon/cli/main.ts', 'list', '--config', config], {
      cwd: join(import.meta.dirname, '../..'), reject: false, env: { ...process.env, CSM_HOME: home },
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(config);
    expect(bad.stderr).toMatch(/unknown key "prot"/);
  });
});
