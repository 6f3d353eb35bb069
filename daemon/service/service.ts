import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LAUNCHD_LABEL, renderPlist, specFromPlist } from './launchd.js';
import { describeChanges, describeSpec, type ServiceSpec } from './spec.js';
import { parseUnit, renderUnit, UNIT_NAME } from './systemd.js';

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be run at all (ENOENT: not installed). */
  spawnError?: string;
}
/** Runs launchctl or systemctl; injected so tests see what would run without running it. */
export type Runner = (command: string, args: string[]) => Promise<CommandResult>;

export interface ServiceContext {
  platform: NodeJS.Platform;
  home: string;
  /** $XDG_CONFIG_HOME when set: where systemd looks for user units. */
  xdgConfigHome?: string;
  uid: number;
  run: Runner;
}

/** Whether launchd or systemd took the service: started, or why not. */
export interface ManagerState {
  reachable: boolean;
  detail: string;
}

export interface InstallResult {
  file: string;
  outcome: 'created' | 'rewritten' | 'unchanged';
  changes: string[];
  manager: ManagerState;
  /** Running (or asked to run) under the service manager after the install. */
  started: boolean;
}

export interface UninstallResult {
  file: string;
  removed: boolean;
  manager: ManagerState;
}

export interface StatusResult {
  file: string;
  installed: boolean;
  /** Where the installed service points; null when not installed or not a file csm wrote. */
  points_to: ReturnType<typeof describeSpec> | null;
  /** Differences from the csm in use (empty: it points to this csm). */
  differences: string[];
  manager: ManagerState;
  enabled: boolean | null;
  active: boolean | null;
  /** systemd's or launchd's own word for the state ("active", "failed", "running", ...). */
  state: string | null;
}

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
}

export function serviceFile(ctx: ServiceContext): string {
  if (ctx.platform === 'darwin') return join(ctx.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  if (ctx.platform === 'linux') return join(ctx.xdgConfigHome || join(ctx.home, '.config'), 'systemd', 'user', UNIT_NAME);
  throw new ServiceError(`csm service supports macOS (launchd) and Linux (systemd), not ${ctx.platform}: run \`csm serve\` from your own startup script.`);
}

const render = (ctx: ServiceContext, spec: ServiceSpec): string => (ctx.platform === 'darwin' ? renderPlist(spec) : renderUnit(spec));
const parse = (ctx: ServiceContext, text: string): ServiceSpec | null => (ctx.platform === 'darwin' ? specFromPlist(text) : parseUnit(text));

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ServiceError(`Cannot read ${file} (${(err as NodeJS.ErrnoException).code}): check its permissions.`);
  }
}

/** Written next to the target and renamed over it, so a crash never leaves half a unit file. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.csm-tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

const firstLine = (r: CommandResult): string => (r.spawnError ?? (r.stderr.trim() || r.stdout.trim()).split('\n')[0]) || `exit code ${r.exitCode}`;

/** Writes the service file (only when it differs) and has launchd or systemd run it. */
export async function installService(ctx: ServiceContext, spec: ServiceSpec): Promise<InstallResult> {
  const file = serviceFile(ctx);
  const text = render(ctx, spec);
  const before = readText(file);
  const outcome = before === null ? 'created' : before === text ? 'unchanged' : 'rewritten';
  const old = before === null ? null : parse(ctx, before);
  const changes = outcome !== 'rewritten' ? [] : old ? describeChanges(old, spec) : ['replaced a file csm could not read back (edited by hand?)'];
  if (outcome !== 'unchanged') writeAtomically(file, text);
  // launchd opens the log files itself and fails the job when their folder is missing.
  mkdirSync(spec.logDir, { recursive: true, mode: 0o700 });
  const start = ctx.platform === 'darwin' ? startLaunchd : startSystemd;
  const { manager, started } = await start(ctx, file, outcome);
  return { file, outcome, changes, manager, started };
}

async function systemdReachable(ctx: ServiceContext): Promise<ManagerState> {
  // "offline" is systemctl's answer when no user manager runs or its socket cannot be reached.
  const r = await ctx.run('systemctl', ['--user', 'is-system-running']);
  const word = r.stdout.trim();
  if (r.spawnError || word === '' || word === 'offline') {
    return { reachable: false, detail: `no systemd user manager is reachable (\`systemctl --user is-system-running\` says: ${r.spawnError ?? (r.stderr.trim().split('\n')[0] || word || `exit code ${r.exitCode}`)})` };
  }
  return { reachable: true, detail: `systemd user manager: ${word}` };
}

async function startSystemd(ctx: ServiceContext, _file: string, outcome: InstallResult['outcome']): Promise<{ manager: ManagerState; started: boolean }> {
  const manager = await systemdReachable(ctx);
  if (!manager.reachable) return { manager, started: false };
  const steps: string[][] = [];
  if (outcome !== 'unchanged') steps.push(['daemon-reload']);
  const wasActive = (await ctx.run('systemctl', ['--user', 'is-active', UNIT_NAME])).stdout.trim() === 'active';
  steps.push(['enable', '--now', UNIT_NAME]);
  // enable --now leaves a running daemon on its old command line; a rewrite must take effect.
  if (outcome === 'rewritten' && wasActive) steps.push(['restart', UNIT_NAME]);
  for (const step of steps) {
    const r = await ctx.run('systemctl', ['--user', ...step]);
    if (r.exitCode !== 0) return { manager: { reachable: true, detail: `systemctl --user ${step.join(' ')} failed: ${firstLine(r)}` }, started: false };
  }
  return { manager, started: true };
}

const launchdTarget = (ctx: ServiceContext): string => `gui/${ctx.uid}`;

async function startLaunchd(ctx: ServiceContext, file: string, outcome: InstallResult['outcome']): Promise<{ manager: ManagerState; started: boolean }> {
  const service = `${launchdTarget(ctx)}/${LAUNCHD_LABEL}`;
  const loaded = (await ctx.run('launchctl', ['print', service])).exitCode === 0;
  if (loaded && outcome === 'unchanged') return { manager: { reachable: true, detail: `loaded in ${launchdTarget(ctx)}` }, started: true };
  // launchd keeps the job as it was loaded: a rewritten plist takes effect only after bootout + bootstrap.
  if (loaded) await bootout(ctx, service);
  const r = await ctx.run('launchctl', ['bootstrap', launchdTarget(ctx), file]);
  if (r.exitCode !== 0) {
    return { manager: { reachable: false, detail: `launchctl bootstrap ${launchdTarget(ctx)} failed: ${firstLine(r)} (over ssh there is no GUI session to load it into: log in at the Mac)` }, started: false };
  }
  return { manager: { reachable: true, detail: `loaded in ${launchdTarget(ctx)}` }, started: true };
}

/**
 * bootout returns while launchd is still tearing the job down, and a bootstrap then fails ("Bootstrap
 * failed: 5: Input/output error"): wait until launchd no longer knows the job, for a few seconds at most.
 */
async function bootout(ctx: ServiceContext, service: string): Promise<CommandResult> {
  const r = await ctx.run('launchctl', ['bootout', service]);
  for (let waited = 0; waited < 5_000 && (await ctx.run('launchctl', ['print', service])).exitCode === 0; waited += 100) await delay(100);
  return r;
}

/** Stops the service and removes its file; a second run finds nothing and changes nothing. */
export async function uninstallService(ctx: ServiceContext): Promise<UninstallResult> {
  const file = serviceFile(ctx);
  const present = readText(file) !== null;
  let manager: ManagerState;
  if (ctx.platform === 'darwin') {
    const service = `${launchdTarget(ctx)}/${LAUNCHD_LABEL}`;
    const loaded = (await ctx.run('launchctl', ['print', service])).exitCode === 0;
    if (loaded) {
      const r = await bootout(ctx, service);
      if (r.exitCode !== 0) throw new ServiceError(`launchctl bootout ${service} failed: ${firstLine(r)}. The file ${file} is left in place; try again, or log out and in.`);
    }
    manager = { reachable: true, detail: loaded ? 'unloaded from launchd' : 'was not loaded' };
  } else {
    manager = await systemdReachable(ctx);
    if (manager.reachable && present) {
      const r = await ctx.run('systemctl', ['--user', 'disable', '--now', UNIT_NAME]);
      if (r.exitCode !== 0) throw new ServiceError(`systemctl --user disable --now ${UNIT_NAME} failed: ${firstLine(r)}. The file ${file} is left in place; fix that and run \`csm service uninstall\` again.`);
    }
  }
  if (present) rmSync(file);
  if (present && ctx.platform !== 'darwin' && manager.reachable) await ctx.run('systemctl', ['--user', 'daemon-reload']);
  return { file, removed: present, manager };
}

/** What is installed, where it points compared with `current`, and what launchd or systemd make of it. */
export async function serviceStatus(ctx: ServiceContext, current: ServiceSpec): Promise<StatusResult> {
  const file = serviceFile(ctx);
  const text = readText(file);
  const installed = text !== null;
  const spec = text === null ? null : parse(ctx, text);
  const differences = !installed ? [] : spec ? describeChanges(spec, current) : ['the file is not one csm wrote: run `csm service install` to rewrite it'];
  const base = { file, installed, points_to: spec ? describeSpec(spec) : null, differences };
  if (!installed) return { ...base, manager: { reachable: true, detail: 'nothing installed to ask about' }, enabled: null, active: null, state: null };
  if (ctx.platform === 'darwin') {
    const r = await ctx.run('launchctl', ['print', `${launchdTarget(ctx)}/${LAUNCHD_LABEL}`]);
    const loaded = r.exitCode === 0;
    const state = loaded ? (/^\s*state = (.+)$/m.exec(r.stdout)?.[1]?.trim() ?? 'loaded') : null;
    return { ...base, manager: { reachable: true, detail: loaded ? `loaded in ${launchdTarget(ctx)}` : 'not loaded in launchd' }, enabled: loaded, active: state === 'running', state };
  }
  const manager = await systemdReachable(ctx);
  if (!manager.reachable) return { ...base, manager, enabled: null, active: null, state: null };
  const enabled = (await ctx.run('systemctl', ['--user', 'is-enabled', UNIT_NAME])).stdout.trim();
  const active = (await ctx.run('systemctl', ['--user', 'is-active', UNIT_NAME])).stdout.trim();
  return { ...base, manager, enabled: enabled === 'enabled', active: active === 'active', state: active || null };
}
