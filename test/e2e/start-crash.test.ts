import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');

/**
 * A daemon SIGKILLed while tmux starts a session (found by `npm run chaos`, seed 4): the session ran on in
 * tmux, unknown to the restarted daemon, its hooks refused for a credential nobody had kept. It is stored
 * before tmux starts it, so the restart finds it and adopts it.
 */
describe('a daemon killed while starting a session', () => {
  let d: DaemonHandle;
  let work: string;
  let out: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-start-crash-'));
    out = join(work, 'typed.txt');
    d = await startDaemon({ claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: out } });
  });
  afterAll(async () => d?.cleanup());

  it('finds the session running after the restart, adopts it, and types into it', async () => {
    const project = mkdtempSync(join(work, 'project-'));
    await d.stop('SIGKILL');
    await d.restart({ CSM_TEST_CRASH_AT: `after-spawn:${project}` });
    const died = await d.api('POST', '/session/new', { cwd: project }).then(() => null, (err: Error) => err);
    expect(died, 'the daemon died while starting the session').toBeInstanceOf(Error);
    await d.exited();
    const ls = await execa('tmux', ['-L', d.socketName, 'list-sessions', '-F', '#{session_name}']);
    const name = ls.stdout.split('\n').find((n) => /^claude-[0-9a-f]{4}$/.test(n));
    expect(name, 'tmux runs the session the daemon started').toBeDefined();
    const id = name!.slice('claude-'.length);

    await d.restart({ CSM_TEST_CRASH_AT: undefined });
    const s = await d.api<{ status: string; cwd: string }>('GET', `/session/${id}`);
    expect(s.status).toBe(200);
    expect(s.body.cwd).toBe(project);
    expect(s.body.status).not.toBe('dead');
    expect(d.logs()).toMatch(/start was interrupted by a restart, running in tmux: adopted/);
    const started = await d.api<{ events: { kind: string; session_id: string }[] }>('GET', `/events?after=0&session=${id}`);
    expect(started.body.events.filter((e) => e.kind === 'started')).toHaveLength(1);

    const r = await d.api<{ delivered?: boolean }>('POST', `/session/${id}/input`, { text: 'after the interrupted start' });
    expect(r.status).toBe(200);
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('after the interrupted start\n'), { message: 'text typed into the adopted session' });
  });

  it('a session stored as starting whose tmux session never came is forgotten, not reported dead', async () => {
    const project = mkdtempSync(join(work, 'project-'));
    await d.stop('SIGKILL');
    await d.restart({ CSM_TEST_CRASH_AT: `after-spawn:${project}` });
    await d.api('POST', '/session/new', { cwd: project }).catch(() => null);
    await d.exited();
    const ls = await execa('tmux', ['-L', d.socketName, 'list-sessions', '-F', '#{session_name}']);
    const known = (await execa('tmux', ['-L', d.socketName, 'list-sessions', '-F', '#{session_name} #{pane_current_path}'])).stdout;
    const line = known.split('\n').find((l) => l.endsWith(project));
    expect(line, ls.stdout).toBeDefined();
    const id = line!.split(' ')[0]!.slice('claude-'.length);
    // The tmux session goes away while the daemon is down, before it ever saw it run.
    await execa('tmux', ['-L', d.socketName, 'kill-session', '-t', `=claude-${id}`]);
    await d.restart({ CSM_TEST_CRASH_AT: undefined });
    expect((await d.api('GET', `/session/${id}`)).status).toBe(404);
    const events = await d.api<{ events: { kind: string }[] }>('GET', `/events?after=0&session=${id}`);
    expect(events.body.events.map((e) => e.kind)).toEqual([]);
  });
});
