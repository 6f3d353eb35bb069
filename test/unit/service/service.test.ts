import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installService, serviceFile, serviceStatus, uninstallService, type CommandResult, type ServiceContext } from '../../../daemon/service/service.js';
import type { ServiceSpec } from '../../../daemon/service/spec.js';

const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
const fail = (stderr: string, exitCode = 1, stdout = ''): CommandResult => ({ exitCode, stdout, stderr });

/** systemctl --user as it answers: a manager that is up (or "offline"), and one unit that is enabled and active or not. */
function fakeSystemd(state: { reachable: boolean; enabled?: boolean; active?: boolean; failOn?: string }) {
  const calls: string[] = [];
  const run = async (cmd: string, args: string[]): Promise<CommandResult> => {
    const line = `${cmd} ${args.join(' ')}`;
    calls.push(line);
    if (!state.reachable) return fail('Failed to connect to bus: No medium found', 1, args[1] === 'is-system-running' ? 'offline\n' : '');
    if (state.failOn && line.includes(state.failOn)) return fail('Failed to enable unit: Unit file csm.service does not exist.');
    switch (args[1]) {
      case 'is-system-running':
        return ok('running\n');
      case 'is-active':
        return state.active ? ok('active\n') : fail('', 3, 'inactive\n');
      case 'is-enabled':
        return state.enabled ? ok('enabled\n') : fail('', 1, 'disabled\n');
      case 'enable':
        state.enabled = true;
        state.active = true;
        return ok();
      case 'disable':
        state.enabled = false;
        state.active = false;
        return ok();
      default:
        return ok();
    }
  };
  return { run, calls };
}

/** launchctl in the user's GUI domain: the job loaded or not, and whether bootstrap works (not over ssh). */
function fakeLaunchd(state: { loaded: boolean; bootstrapFails?: boolean; lingers?: number }) {
  let tearingDown = 0;
  const calls: string[] = [];
  const run = async (cmd: string, args: string[]): Promise<CommandResult> => {
    calls.push(`${cmd} ${args.join(' ')}`);
    switch (args[0]) {
      case 'print':
        if (tearingDown > 0) {
          tearingDown--;
          return ok('state = exiting\n');
        }
        return state.loaded ? ok('gui/501/com.claude-session-manager.csm = {\n\tactive count = 1\n\tstate = running\n\tpid = 4242\n}\n') : fail('Could not find service "com.claude-session-manager.csm" in domain for user gui: 501', 113);
      case 'bootstrap':
        if (tearingDown > 0) return fail('Bootstrap failed: 5: Input/output error', 5);
        if (state.bootstrapFails) return fail('Bootstrap failed: 125: Domain does not support specified action', 125);
        state.loaded = true;
        return ok();
      case 'bootout':
        state.loaded = false;
        tearingDown = state.lingers ?? 0;
        return ok();
      default:
        return fail(`unexpected ${args[0]}`);
    }
  };
  return { run, calls };
}

const home = (): string => mkdtempSync(join(tmpdir(), 'csm-service-'));
const specIn = (dir: string, node = '/usr/bin/node'): ServiceSpec => ({
  argv: [node, '/opt/csm/dist/daemon/cli/main.js', 'serve'],
  env: { PATH: '/usr/bin:/bin', CSM_HOME: join(dir, 'csm home') },
  logDir: join(dir, 'csm home', 'logs'),
});

describe('on Linux (systemd user unit)', () => {
  const ctx = (run: ServiceContext['run'], dir: string, xdg?: string): ServiceContext => ({ platform: 'linux', home: dir, uid: 1000, run, ...(xdg ? { xdgConfigHome: xdg } : {}) });

  it('goes to $XDG_CONFIG_HOME when set, else ~/.config', () => {
    const { run } = fakeSystemd({ reachable: true });
    expect(serviceFile(ctx(run, '/home/me'))).toBe('/home/me/.config/systemd/user/csm.service');
    expect(serviceFile(ctx(run, '/home/me', '/x/cfg'))).toBe('/x/cfg/systemd/user/csm.service');
  });

  it('a first install writes the unit, reloads systemd and enables and starts it; a second changes nothing and runs nothing that changes anything', async () => {
    const dir = home();
    const sd = fakeSystemd({ reachable: true });
    const first = await installService(ctx(sd.run, dir), specIn(dir));
    expect(first).toMatchObject({ outcome: 'created', started: true, changes: [] });
    expect(sd.calls).toEqual(['systemctl --user is-system-running', 'systemctl --user is-active csm.service', 'systemctl --user daemon-reload', 'systemctl --user enable --now csm.service']);
    expect(existsSync(specIn(dir).logDir)).toBe(true);
    const text = readFileSync(first.file, 'utf8');
    const mtime = statSync(first.file).mtimeMs;
    sd.calls.length = 0;
    const second = await installService(ctx(sd.run, dir), specIn(dir));
    expect(second).toMatchObject({ outcome: 'unchanged', started: true });
    expect(sd.calls).not.toContain('systemctl --user daemon-reload');
    expect(sd.calls.some((c) => c.includes('restart'))).toBe(false);
    expect(readFileSync(first.file, 'utf8')).toBe(text);
    expect(statSync(first.file).mtimeMs).toBe(mtime);
  });

  it('other paths rewrite the unit, say what changed, and restart a running daemon so they take effect', async () => {
    const dir = home();
    const sd = fakeSystemd({ reachable: true });
    await installService(ctx(sd.run, dir), specIn(dir));
    sd.calls.length = 0;
    const r = await installService(ctx(sd.run, dir), specIn(dir, '/opt/node22/bin/node'));
    expect(r).toMatchObject({ outcome: 'rewritten', started: true, changes: ['node: /usr/bin/node → /opt/node22/bin/node'] });
    expect(sd.calls).toEqual(['systemctl --user is-system-running', 'systemctl --user is-active csm.service', 'systemctl --user daemon-reload', 'systemctl --user enable --now csm.service', 'systemctl --user restart csm.service']);
    expect(readFileSync(r.file, 'utf8')).toContain('ExecStart="/opt/node22/bin/node"');
  });

  it('a hand-edited unit is rewritten and the change says so', async () => {
    const dir = home();
    const sd = fakeSystemd({ reachable: true });
    const file = serviceFile(ctx(sd.run, dir));
    await installService(ctx(sd.run, dir), specIn(dir));
    writeFileSync(file, '[Service]\nExecStart=%h/bin/csm serve\n');
    const r = await installService(ctx(sd.run, dir), specIn(dir));
    expect(r.outcome).toBe('rewritten');
    expect(r.changes[0]).toMatch(/could not read back/);
  });

  it('with no user manager the unit is still written, nothing is enabled, and the reason is given', async () => {
    const dir = home();
    const sd = fakeSystemd({ reachable: false });
    const r = await installService(ctx(sd.run, dir), specIn(dir));
    expect(r).toMatchObject({ outcome: 'created', started: false, manager: { reachable: false } });
    expect(r.manager.detail).toMatch(/no systemd user manager is reachable.*Failed to connect to bus/);
    expect(sd.calls).toEqual(['systemctl --user is-system-running']);
    expect(existsSync(r.file)).toBe(true);
    const status = await serviceStatus(ctx(sd.run, dir), specIn(dir));
    expect(status).toMatchObject({ installed: true, differences: [], enabled: null, active: null, manager: { reachable: false } });
  });

  it('systemctl not installed at all is the same answer, not a crash', async () => {
    const dir = home();
    const run = async (): Promise<CommandResult> => ({ exitCode: null, stdout: '', stderr: '', spawnError: 'systemctl is not installed' });
    const r = await installService(ctx(run, dir), specIn(dir));
    expect(r.started).toBe(false);
    expect(r.manager.detail).toMatch(/systemctl is not installed/);
  });

  it('a failing enable is reported with systemctl\'s own words', async () => {
    const dir = home();
    const sd = fakeSystemd({ reachable: true, failOn: 'enable' });
    const r = await installService(ctx(sd.run, dir), specIn(dir));
    expect(r.started).toBe(false);
    expect(r.manager.detail).toBe('systemctl --user enable --now csm.service failed: Failed to enable unit: Unit file csm.service does not exist.');
  });

  it('status says installed, enabled, active and where it points; a different csm shows as differences', async () => {
    const dir = home();
    const sd = fakeSystemd({ reachable: true });
    await installService(ctx(sd.run, dir), specIn(dir));
    const same = await serviceStatus(ctx(sd.run, dir), specIn(dir));
    expect(same).toMatchObject({ installed: true, enabled: true, active: true, state: 'active', differences: [] });
    expect(same.points_to).toEqual({ node: '/usr/bin/node', script: '/opt/csm/dist/daemon/cli/main.js', config: null, csm_home: join(dir, 'csm home') });
    const other = await serviceStatus(ctx(sd.run, dir), specIn(dir, '/other/node'));
    expect(other.differences).toEqual(['node: /usr/bin/node → /other/node']);
  });

  it('uninstall disables, removes and reloads; a second uninstall finds nothing', async () => {
    const dir = home();
    const sd = fakeSystemd({ reachable: true });
    const { file } = await installService(ctx(sd.run, dir), specIn(dir));
    sd.calls.length = 0;
    expect(await uninstallService(ctx(sd.run, dir))).toMatchObject({ removed: true });
    expect(sd.calls).toEqual(['systemctl --user is-system-running', 'systemctl --user disable --now csm.service', 'systemctl --user daemon-reload']);
    expect(existsSync(file)).toBe(false);
    sd.calls.length = 0;
    expect(await uninstallService(ctx(sd.run, dir))).toMatchObject({ removed: false });
    expect(sd.calls).toEqual(['systemctl --user is-system-running']);
    expect(await serviceStatus(ctx(sd.run, dir), specIn(dir))).toMatchObject({ installed: false, points_to: null });
  });
});

describe('on macOS (launchd LaunchAgent)', () => {
  const ctx = (run: ServiceContext['run'], dir: string): ServiceContext => ({ platform: 'darwin', home: dir, uid: 501, run });

  it('a first install writes ~/Library/LaunchAgents/<label>.plist and bootstraps it into gui/<uid>', async () => {
    const dir = home();
    const ld = fakeLaunchd({ loaded: false });
    const r = await installService(ctx(ld.run, dir), specIn(dir));
    expect(r.file).toBe(join(dir, 'Library', 'LaunchAgents', 'com.claude-session-manager.csm.plist'));
    expect(r).toMatchObject({ outcome: 'created', started: true });
    expect(ld.calls).toEqual(['launchctl print gui/501/com.claude-session-manager.csm', `launchctl bootstrap gui/501 ${r.file}`]);
    expect(readFileSync(r.file, 'utf8')).toContain('<key>RunAtLoad</key>');
  });

  it('the same paths again: nothing is written or reloaded; other paths: bootout, then bootstrap the new file', async () => {
    const dir = home();
    const ld = fakeLaunchd({ loaded: false });
    const { file } = await installService(ctx(ld.run, dir), specIn(dir));
    ld.calls.length = 0;
    expect(await installService(ctx(ld.run, dir), specIn(dir))).toMatchObject({ outcome: 'unchanged', started: true });
    expect(ld.calls).toEqual(['launchctl print gui/501/com.claude-session-manager.csm']);
    ld.calls.length = 0;
    const r = await installService(ctx(ld.run, dir), specIn(dir, '/opt/homebrew/bin/node'));
    expect(r).toMatchObject({ outcome: 'rewritten', changes: ['node: /usr/bin/node → /opt/homebrew/bin/node'] });
    expect(ld.calls).toEqual(['launchctl print gui/501/com.claude-session-manager.csm', 'launchctl bootout gui/501/com.claude-session-manager.csm', 'launchctl print gui/501/com.claude-session-manager.csm', `launchctl bootstrap gui/501 ${file}`]);
  });

  it('a rewrite waits until launchd has let go of the old job before loading the new one', async () => {
    const dir = home();
    const ld = fakeLaunchd({ loaded: false, lingers: 2 });
    await installService(ctx(ld.run, dir), specIn(dir));
    const r = await installService(ctx(ld.run, dir), specIn(dir, '/opt/homebrew/bin/node'));
    expect(r).toMatchObject({ outcome: 'rewritten', started: true });
  });

  it('no GUI session (ssh): the file is written and the failure says why', async () => {
    const dir = home();
    const ld = fakeLaunchd({ loaded: false, bootstrapFails: true });
    const r = await installService(ctx(ld.run, dir), specIn(dir));
    expect(r.started).toBe(false);
    expect(r.manager.detail).toMatch(/Bootstrap failed: 125.*log in at the Mac/);
    expect(existsSync(r.file)).toBe(true);
  });

  it('status reads launchd\'s state; uninstall boots it out and removes the file', async () => {
    const dir = home();
    const ld = fakeLaunchd({ loaded: false });
    const { file } = await installService(ctx(ld.run, dir), specIn(dir));
    expect(await serviceStatus(ctx(ld.run, dir), specIn(dir))).toMatchObject({ installed: true, enabled: true, active: true, state: 'running', differences: [] });
    ld.calls.length = 0;
    expect(await uninstallService(ctx(ld.run, dir))).toMatchObject({ removed: true });
    expect(ld.calls).toEqual(['launchctl print gui/501/com.claude-session-manager.csm', 'launchctl bootout gui/501/com.claude-session-manager.csm', 'launchctl print gui/501/com.claude-session-manager.csm']);
    expect(existsSync(file)).toBe(false);
  });
});

it('other platforms get a sentence, not a stack trace', () => {
  expect(() => serviceFile({ platform: 'win32', home: 'C:\\Users\\me', uid: 0, run: async () => ok() })).toThrow(/supports macOS \(launchd\) and Linux \(systemd\), not win32/);
});
