import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';

// The daemon as a user would meet it on a machine that lacks tmux or Claude Code: clear errors, nothing
// spawned, the daemon unharmed, and `csm doctor` naming the fix.
let d: DaemonHandle | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const project = (): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'csm-missing-')), 'project');
  mkdirSync(dir);
  return dir;
};

describe('missing tools', () => {
  it('Claude Code not found: /session/new says what to install, the daemon lives on; doctor names the fix', async () => {
    d = await startDaemon({ claudeBin: 'claude-not-installed-here', claudeEnv: {} });
    const r = await d.api<{ error: string }>('POST', '/session/new', { cwd: project() });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.error).toMatch(/claude-not-installed-here/);
    expect(r.body.error).toMatch(/claude\.command|install/i);
    expect((await d.api<{ sessions: unknown[] }>('GET', '/sessions')).body.sessions).toHaveLength(0);
    expect((await fetch(`${d.url}/health`)).status).toBe(200);

    const doctor = await d.cli(['doctor']);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout + doctor.stderr).toMatch(/claude.*not found[\s\S]*npm i -g @anthropic-ai\/claude-code/);
  });

  it('tmux not on PATH: /session/new and doctor both say to install tmux', async () => {
    // A PATH with nothing on it: the daemon itself runs from Node's absolute path.
    const emptyBin = mkdtempSync(join(tmpdir(), 'csm-emptybin-'));
    d = await startDaemon({ claudeBin: join(import.meta.dirname, '../../node_modules/.bin/claude'), claudeEnv: {}, env: { PATH: emptyBin } });
    const r = await d.api<{ error: string }>('POST', '/session/new', { cwd: project() });
    expect(r.status).toBe(503);
    expect(r.body.error).toMatch(/tmux is not installed.*apt install tmux/);
    expect((await fetch(`${d.url}/health`)).status).toBe(200);

    const doctor = await d.cli(['doctor']);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout + doctor.stderr).toMatch(/tmux/);
    expect(doctor.stdout + doctor.stderr).toMatch(/install tmux|apt install tmux|brew install tmux/);
  });
});
