import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlist } from '../../daemon/service/launchd.js';
import type { ServiceSpec } from '../../daemon/service/spec.js';
import { renderUnit } from '../../daemon/service/systemd.js';

/**
 * The generated files checked by the programs that will read them, not by our own parser: systemd's own
 * `systemd-analyze verify` for the unit, and Python's plistlib (the reference reader off macOS) for the
 * LaunchAgent. Both are installed by test/run-all.sh; a missing one fails here rather than skipping.
 */
const FOLDERS = ['plain', 'with space', "o'brien", 'say "hi"', 'back\\slash', '100% sure', '$HOME and ${PATH}', 'a;b&c|d<e>f', 'tab\there', 'ünïcødé 文字'];

function need(tool: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!found) throw new Error(`${tool} is not installed: run test/run-all.sh (it installs it with apt), or install it by hand`);
}

const root = mkdtempSync(join(tmpdir(), 'csm-service-files-'));

/** A folder with that name holding an executable `node` and a `main.js`, so verify can check the paths exist. */
function folderWith(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  symlinkSync(process.execPath, join(dir, 'node'));
  writeFileSync(join(dir, 'main.js'), '');
  return dir;
}

describe('systemd-analyze verify accepts the unit', () => {
  const runtime = join(root, 'runtime');
  mkdirSync(runtime, { mode: 0o700 });
  it.each(FOLDERS)('with node, csm, CSM_HOME and PATH in a folder named %j', (name) => {
    need('systemd-analyze');
    const dir = folderWith(name);
    const spec: ServiceSpec = { argv: [join(dir, 'node'), join(dir, 'main.js'), 'serve', '--config', join(dir, 'config.yaml')], env: { PATH: `${dir}:/usr/bin:/bin`, CSM_HOME: dir }, logDir: join(dir, 'logs') };
    const unitDir = join(root, `unit-${FOLDERS.indexOf(name)}`);
    mkdirSync(unitDir);
    const file = join(unitDir, 'csm.service');
    writeFileSync(file, renderUnit(spec));
    // --user reads user units; it needs a runtime folder, not a running user manager.
    const r = spawnSync('systemd-analyze', ['--user', 'verify', file], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: root } });
    expect(r.stderr, renderUnit(spec)).toBe('');
    expect(r.status).toBe(0);
  });

  it('and refuses one whose command does not exist (so a wrong quote would show)', () => {
    need('systemd-analyze');
    const file = join(root, 'broken', 'csm.service');
    mkdirSync(join(root, 'broken'));
    // Quoted for the shell, not for systemd: the path splits at the space and no such program exists.
    writeFileSync(file, renderUnit({ argv: [join(root, 'with space', 'node')], env: {}, logDir: '' }).replace(/^ExecStart=.*$/m, `ExecStart=${join(root, 'with space', 'node')}`));
    const r = spawnSync('systemd-analyze', ['--user', 'verify', file], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: root } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/is not executable/);
  });
});

describe("Python's plistlib reads the LaunchAgent back exactly", () => {
  it.each([...FOLDERS, 'new\nline', 'carriage\rreturn'])('with every path in a folder named %j', (name) => {
    need('python3');
    const dir = join('/Users/me', name);
    const spec: ServiceSpec = { argv: [join(dir, 'node'), join(dir, 'main.js'), 'serve'], env: { PATH: `${dir}:/usr/bin`, CSM_HOME: dir }, logDir: join(dir, 'logs') };
    const script = 'import json, plistlib, sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))';
    const parsed = JSON.parse(execFileSync('python3', ['-c', script], { input: renderPlist(spec), encoding: 'utf8' })) as Record<string, unknown>;
    expect(parsed).toEqual({
      Label: 'com.claude-session-manager.csm',
      ProgramArguments: spec.argv,
      EnvironmentVariables: spec.env,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      AbandonProcessGroup: true,
      StandardOutPath: join(dir, 'logs', 'daemon.out.log'),
      StandardErrorPath: join(dir, 'logs', 'daemon.err.log'),
    });
  });
});

