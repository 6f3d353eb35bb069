import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');

interface Row { at: string; channel: string; session_id: string | null; action: string; detail: string | null; outcome: string; error: string | null }

/** The audit log through the real daemon: actions from the API and the CLI, read back with GET /audit and `csm audit`. */
describe('audit log', () => {
  let d: DaemonHandle;
  let work: string;
  let out: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-audit-'));
    out = join(work, 'typed.txt');
    d = await startDaemon({ claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: out } });
  });
  afterAll(async () => d?.cleanup());

  it('records who did what on which session, with the outcome, and survives a restart', async () => {
    const created = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.session_id;
    await waitFor(async () => (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=5`)).body.output.includes('ready'), { message: 'recorder ready' });
    expect((await d.api('POST', `/session/${id}/input`, { text: 'hello audit' })).status).toBe(200);
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('hello audit\n'), { message: 'text recorded' });
    // The stand-in does not confirm every text as Claude Code does (exit 1 then): typed all the same.
    const sent = await d.cli(['send', id, 'from the cli']);
    expect(sent.exitCode, sent.stderr).not.toBe(2);
    await waitFor(() => readFileSync(out, 'utf8').includes('from the cli\n'), { message: 'cli text recorded' });
    const refused = await d.api('POST', `/session/${id}/answer`, { choice: 'allow' });
    expect(refused.status).toBe(409);
    expect((await d.api('POST', `/session/${id}/kill`)).status).toBe(200);
    expect((await d.api('GET', '/sessions')).status).toBe(200);

    const all = await d.api<{ entries: Row[] }>('GET', `/audit?session=${id}`);
    expect(all.status).toBe(200);
    expect(all.body.entries.map((e) => [e.channel, e.action, e.detail?.replace(' (typed, not confirmed)', '') ?? null, e.outcome])).toEqual([
      ['api', 'newSession', work, 'ok'],
      ['api', 'sendInput', 'hello audit', 'ok'],
      ['api', 'sendInput', 'from the cli', 'ok'],
      ['api', 'answer', 'allow', 'error'],
      ['api', 'kill', null, 'ok'],
    ]);
    expect(all.body.entries[3]!.error).toMatch(/\S/);
    expect(Date.parse(all.body.entries[0]!.at)).toBeGreaterThan(Date.now() - 120_000);

    await d.restart();
    const cli = await d.cli(['audit', '--session', id, '--since', '1h']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`api\\s+${id}\\s+sendInput\\s+hello audit`));
    expect(cli.stdout).toMatch(/answer\s+allow\s+error: /);
    const json = await d.cli(['audit', '--json', '--limit', '1']);
    expect((JSON.parse(json.stdout) as { entries: Row[] }).entries.map((e) => e.action)).toEqual(['kill']);
    const future = await d.api<{ entries: Row[] }>('GET', `/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.entries).toEqual([]);
  });

  it('refuses a bad query by name, and callers without the token', async () => {
    const bad = await d.api<{ error: string }>('GET', '/audit?since=soon&x=1');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/"x"/);
    const since = await d.api<{ error: string }>('GET', '/audit?since=soon');
    expect(since.body.error).toMatch(/"since": "soon" is not a time/);
    expect((await fetch(`${d.url}/audit`)).status).toBe(401);
    const cli = await d.cli(['audit', '--since', 'soon']);
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr).toMatch(/not a time/);
  });
});
