import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/daemon/cli/main.js');

/**
 * `csm service` as a person runs it: the built CLI (`node dist/daemon/cli/main.js`), HOME, XDG_CONFIG_HOME
 * and CSM_HOME in temp folders whose names need quoting. XDG_RUNTIME_DIR is an empty folder of the test's
 * own and there is no session bus, so systemctl --user reaches no user manager on any machine (the
 * container case, and never the developer's own manager): the "cannot start" path runs for real.
 */
describe('csm service on Linux, no user manager reachable (the built CLI)', () => {
  let root: string;
  let env: Record<string, string>;
  let unitFile: string;
  let configFile: string;
  let port: number;
  const csm = (args: string[]) => execa(process.execPath, [MAIN, ...args], { cwd: root, env, extendEnv: false, reject: false });

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (test/run-all.sh does)`);
    root = mkdtempSync(join(tmpdir(), 'csm-service-e2e-'));
    const home = join(root, "home o'dir");
    const runtime = join(root, 'runtime');
    mkdirSync(home);
    mkdirSync(runtime, { mode: 0o700 });
    port = await freePort();
    configFile = join(root, 'my config', 'config.yaml');
    mkdirSync(join(root, 'my config'));
    writeFileSync(configFile, stringify({ server: { port }, tmux: { socket_name: `csm-service-test-${process.pid}` }, terminal: { launcher: 'none' } }));
    env = {
      HOME: home,
      XDG_CONFIG_HOME: join(root, 'config dir'),
      XDG_RUNTIME_DIR: runtime,
      CSM_HOME: join(root, 'csm 100% $home'),
      // claude (the devDependency) is found here, as it would be on a person's PATH.
      PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
    };
    unitFile = join(env.XDG_CONFIG_HOME!, 'systemd', 'user', 'csm.service');
  });

  it('doctor says "not installed" without failing on it', async () => {
    const r = await csm(['doctor', '--json']);
    const service = (JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find((c) => c.name === 'service');
    expect(service).toEqual({ name: 'service', ok: true, detail: expect.stringMatching(/^not installed \(optional: `csm service install`/) });
  });

  it('install writes a unit systemd accepts, pinned to this node and this csm, and says it could not start it and what to run instead', async () => {
    const r = await csm(['service', 'install', '--config', configFile]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`Wrote the systemd user service ${unitFile}.`);
    expect(r.stdout).toMatch(/Could not start it: no systemd user manager is reachable/);
    expect(r.stdout).toMatch(/loginctl enable-linger/);
    const unit = readFileSync(unitFile, 'utf8');
    const script = realpathSync(MAIN);
    expect(unit).toContain(`ExecStart="${process.execPath}" "${script}" "serve" "--config" "${configFile}"`);
    expect(unit).toContain(`Environment="CSM_HOME=${join(root, 'csm 100%% $home')}"`);
    const path = /^Environment="PATH=(.*)"$/m.exec(unit)?.[1]?.split(':');
    expect(path).toEqual(expect.arrayContaining([join(ROOT, 'node_modules', '.bin'), '/usr/bin', '/bin']));
    const verify = await execa('systemd-analyze', ['--user', 'verify', unitFile], { env, extendEnv: false, reject: false });
    expect(verify.stderr).toBe('');
    expect(verify.exitCode).toBe(0);
  });

  it('the command it prints instead really starts csm', async () => {
    const r = await csm(['service', 'status', '--config', configFile]);
    expect(r.stdout).toMatch(/Cannot tell whether it runs: no systemd user manager is reachable/);
    const install = await csm(['service', 'install', '--config', configFile]);
    const command = install.stdout.split('\n').find((l) => l.startsWith('  env PATH='))!.trim();
    const daemon = execa('sh', ['-c', `exec ${command}`], { env, extendEnv: false, reject: false });
    try {
      const health = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, { timeoutMs: 30_000, message: 'the daemon started by hand to answer /health' });
      expect(health).toBe(true);
      expect(existsSync(join(env.CSM_HOME!, 'token'))).toBe(true);
    } finally {
      daemon.kill('SIGTERM');
      await daemon;
    }
  });

  it('a second install with the same paths changes nothing and says so', async () => {
    const before = { text: readFileSync(unitFile, 'utf8'), mtime: statSync(unitFile).mtimeMs };
    const r = await csm(['service', 'install', '--config', configFile]);
    expect(r.stdout).toContain(`already points to this csm; nothing changed.`);
    expect(readFileSync(unitFile, 'utf8')).toBe(before.text);
    expect(statSync(unitFile).mtimeMs).toBe(before.mtime);
  });

  it('status lists where it points; doctor flags a service that runs another csm (here: another config)', async () => {
    const status = await csm(['service', 'status', '--config', configFile, '--json']);
    expect(status.exitCode).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ installed: true, differences: [], points_to: { node: process.execPath, script: realpathSync(MAIN), config: configFile, csm_home: env.CSM_HOME }, manager: { reachable: false }, active: null });
    const doctor = await csm(['doctor', '--json']);
    const service = (JSON.parse(doctor.stdout) as { checks: { name: string; ok: boolean; detail: string; fix?: string }[] }).checks.find((c) => c.name === 'service');
    expect(service).toMatchObject({ ok: false, detail: expect.stringContaining(`config: ${configFile} → (none)`), fix: 'run `csm service install` to point it to this csm' });
    const human = await csm(['doctor']);
    expect(human.stdout).toMatch(/✗ service .* points to another csm/);
  });

  it('an install with other paths rewrites the unit and says what changed', async () => {
    const r = await csm(['service', 'install']);
    expect(r.stdout).toContain(`Rewrote ${unitFile}:\n  config: ${configFile} → (none)`);
    expect(readFileSync(unitFile, 'utf8')).toContain(`ExecStart="${process.execPath}" "${realpathSync(MAIN)}" "serve"\n`);
    const doctor = await csm(['doctor', '--json']);
    expect((JSON.parse(doctor.stdout) as { checks: { name: string; ok: boolean }[] }).checks.find((c) => c.name === 'service')?.ok).toBe(true);
  });

  it('uninstall removes it; a second uninstall changes nothing', async () => {
    const r = await csm(['service', 'uninstall']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Removed ${unitFile}`);
    expect(existsSync(unitFile)).toBe(false);
    const again = await csm(['service', 'uninstall']);
    expect(again.stdout).toContain('nothing changed');
    const status = await csm(['service', 'status']);
    expect(status.stdout).toMatch(/^Not installed/);
  });

  it('a wrong action is a usage error with the usage', async () => {
    const r = await csm(['service', 'start']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('csm: Usage: csm service install|uninstall|status');
  });

  afterAll(async () => {
    // The daemon above ran on its own tmux socket; a tmux server it may have started goes with the test.
    await execa('tmux', ['-L', `csm-service-test-${process.pid}`, 'kill-server'], { reject: false });
  });
});

/**
 * With a user manager: a private `systemd --user` of the test's own (its own runtime and config folders, so
 * the developer's manager and units are never touched) runs the unit for real. systemd runs a user manager
 * only on a machine booted with systemd; in a container (this project's CI) there is none, and the test
 * above covers that case. The name says which one ran.
 */
const booted = existsSync('/run/systemd/system');
const systemdBinary = ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'].find((f) => existsSync(f));
describe.runIf(booted)('csm service on Linux with a private systemd user manager (only on a machine booted with systemd)', () => {
  let root: string;
  let env: Record<string, string>;
  let configFile: string;
  let port: number;
  let manager: ReturnType<typeof spawn> | undefined;
  let managerLog = '';
  const csm = (args: string[]) => execa(process.execPath, [MAIN, ...args], { cwd: root, env, extendEnv: false, reject: false });
  const systemctl = (args: string[]) => execa('systemctl', ['--user', ...args], { env, extendEnv: false, reject: false });

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (test/run-all.sh does)`);
    if (!systemdBinary) throw new Error('this machine was booted with systemd but its systemd binary is not in /usr/lib/systemd or /lib/systemd');
    root = mkdtempSync(join(tmpdir(), 'csm-service-sd-'));
    const runtime = join(root, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    mkdirSync(join(root, 'home'));
    port = await freePort();
    configFile = join(root, 'config.yaml');
    writeFileSync(configFile, stringify({ server: { port }, tmux: { socket_name: `csm-service-sd-${process.pid}` }, terminal: { launcher: 'none' } }));
    env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'config'), XDG_RUNTIME_DIR: runtime, CSM_HOME: join(root, 'csm home'), PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`, USER: process.env.USER ?? 'root' };
    manager = spawn(systemdBinary, ['--user'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    manager.stdout?.on('data', (b: Buffer) => (managerLog += b.toString()));
    manager.stderr?.on('data', (b: Buffer) => (managerLog += b.toString()));
    await waitFor(async () => manager?.exitCode === null && ['running', 'degraded'].includes((await systemctl(['is-system-running'])).stdout.trim()), {
      timeoutMs: 20_000,
      message: 'the private systemd user manager to come up',
    }).catch((err: Error) => {
      throw new Error(`${err.message}; its output: ${managerLog.slice(-2000)}`);
    });
  });

  afterAll(async () => {
    if (manager && manager.exitCode === null) {
      await systemctl(['stop', 'csm.service']);
      manager.kill('SIGTERM');
      await new Promise((resolve) => manager!.once('exit', resolve));
    }
    await execa('tmux', ['-L', `csm-service-sd-${process.pid}`, 'kill-server'], { reject: false });
  });

  it('install enables and starts csm, which answers /health; a second install changes nothing; uninstall stops it', async () => {
    const r = await csm(['service', 'install', '--config', configFile]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Started it');
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, { timeoutMs: 30_000, message: 'csm under systemd to answer /health' });
    expect((await systemctl(['is-enabled', 'csm.service'])).stdout.trim()).toBe('enabled');
    const status = await csm(['service', 'status', '--config', configFile]);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toMatch(/Enabled, active/);
    expect((await csm(['service', 'install', '--config', configFile])).stdout).toContain('nothing changed');
    const off = await csm(['service', 'uninstall']);
    expect(off.stdout).toContain("Stopped csm's systemd user service");
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null)) === null, { timeoutMs: 20_000, message: 'csm to stop' });
    expect((await systemctl(['is-active', 'csm.service'])).stdout.trim()).not.toBe('active');
  });
});
