import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const ECHO = join(import.meta.dirname, '../fixtures/bin/echo-input');

/**
 * Retention as users run it: the real daemon (`csm serve`), stand-in sessions in real tmux on an isolated
 * socket, the real CLI. retention_days: 0, so every ended session is due at the next sweep.
 */
describe('retention in the daemon', () => {
  let d: DaemonHandle | undefined;
  afterEach(async () => {
    await d?.cleanup();
    d = undefined;
  });

  const files = (d: DaemonHandle, id: string): { log: boolean; launch: boolean } => ({
    log: existsSync(join(d.home, 'logs', `claude-${id}.log`)),
    launch: existsSync(join(d.home, 'sessions', id, 'settings.json')),
  });

  async function startAndKill(d: DaemonHandle): Promise<string> {
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: d.home });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const id = r.body.session_id;
    await waitFor(() => files(d, id).log, { message: `${id} logging` });
    expect((await d.api('POST', `/session/${id}/kill`, {})).status).toBe(200);
    expect((await d.api<{ status: string }>('GET', `/session/${id}`)).body.status).toBe('dead');
    return id;
  }

  it('sweeps on its schedule: an ended session goes with its files, a live one stays', async () => {
    d = await startDaemon({ claudeBin: ECHO, claudeEnv: {}, config: { retention_days: 0 }, env: { CSM_TEST_RETENTION_INTERVAL_MS: '300' } });
    const live = (await d.api<{ session_id: string }>('POST', '/session/new', { cwd: d.home })).body.session_id;
    const ended = await startAndKill(d);
    // The record goes first, then its files (removed without holding up the daemon).
    await waitFor(async () => (await d!.api('GET', `/session/${ended}`)).status === 404, { message: `${ended} forgotten` });
    await waitFor(() => !files(d!, ended).log && !files(d!, ended).launch, { message: `${ended}'s files removed` });
    expect((await d.api<{ status: string }>('GET', `/session/${live}`)).body.status).not.toBe('dead');
    expect(files(d, live)).toEqual({ log: true, launch: true });
    expect(d.logs()).toContain('retention: forgot ended sessions');
  });

  it('csm prune forgets ended sessions at once, a restart sweeps at start, and /prune is the owner\'s', async () => {
    // Hourly: nothing is swept behind the test's back.
    d = await startDaemon({ claudeBin: ECHO, claudeEnv: {}, config: { retention_days: 0 } });
    const first = await startAndKill(d);
    const kept = await d.cli(['prune', '--older-than', '1']);
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stdout).toContain('Forgot 0 ended sessions');
    expect((await d.api('GET', `/session/${first}`)).status).toBe(200);

    const pruned = await d.cli(['prune', '--older-than', '0', '--json']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout)).toMatchObject({ sessions: 1, rows: { sessions: 1 } });
    expect((await d.api('GET', `/session/${first}`)).status).toBe(404);
    expect(files(d, first)).toEqual({ log: false, launch: false });

    const second = await startAndKill(d);
    await d.stop();
    await d.restart();
    expect((await d.api('GET', `/session/${second}`)).status).toBe(404);
    await waitFor(() => !files(d!, second).log && !files(d!, second).launch, { message: `${second}'s files removed` });

    const bad = await d.cli(['prune', '--older-than', 'soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--older-than takes a number of days');
    expect((await d.api('POST', '/prune', { older_than: 0 })).body).toMatchObject({ code: 'bad_request' });

    // A session's own credential may not prune.
    const live = (await d.api<{ session_id: string }>('POST', '/session/new', { cwd: d.home })).body.session_id;
    const credential = /Bearer ([0-9a-f]{64})/.exec(readFileSync(join(d.home, 'sessions', live, 'settings.json'), 'utf8'))![1]!;
    const res = await fetch(`${d.url}/prune`, { method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
  });
});
