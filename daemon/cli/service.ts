import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../assets.js';
import type { Config } from '../config/schema.js';
import { installService, serviceFile, serviceStatus, ServiceError, uninstallService, type Runner, type ServiceContext, type StatusResult } from '../service/service.js';
import { createSpec, dirOf, findOnPath, type ServiceSpec } from '../service/spec.js';
import { shellQuote } from '../tmux/commands.js';

type Print = (human: string, json: unknown) => void;

/** What the CLI entry knows about the process that the service must reproduce; read there, passed in here. */
export interface ServiceInputs {
  ctx: ServiceContext;
  /** process.execPath */
  node: string;
  /** The file the CLI runs from (main.js, or main.ts under tsx). */
  entry: string;
  /** The installer's PATH, to find tmux, claude and curl the way the daemon will. */
  path: string;
  /** --config, absolute, when one was given. */
  configFile?: string;
  logLevel?: string;
  /** Secrets set in the installer's environment, which a service does not inherit. */
  secretsInEnv: string[];
}

/** The real runner: never throws, so a missing systemctl or launchctl is an answer, not a stack trace. */
export const runCommand: Runner = async (command, args) => {
  const r = await execa(command, args, { reject: false, timeout: 30_000, stdin: 'ignore' });
  const spawnError = r.failed && r.exitCode === undefined ? (r.code === 'ENOENT' ? `${command} is not installed` : r.shortMessage) : undefined;
  return { exitCode: r.exitCode ?? null, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), ...(spawnError ? { spawnError } : {}) };
};

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * The compiled entry script, by its real path: a service must not run TypeScript through tsx, nor follow a
 * symlink (npm link) that may later point elsewhere.
 */
export function entryScript(entry: string): string {
  const js = entry.endsWith('.ts') ? join(packageRoot(), 'dist', 'daemon', 'cli', 'main.js') : entry;
  if (!existsSync(js)) throw new ServiceError(`${js} does not exist: run \`npm run build\` first, then \`csm service install\` again.`);
  return realpathSync(js);
}

/** The spec for the csm in use, and what the person should know about it (a tool the service will not find). */
export function currentSpec(config: Config, i: ServiceInputs): { spec: ServiceSpec; warnings: string[] } {
  const warnings: string[] = [];
  const dirs: string[] = [dirOf(i.node)];
  for (const [name, command, fix] of [
    ['tmux', 'tmux', 'install it (apt install tmux / brew install tmux)'],
    ['claude', config.claude.command, 'install Claude Code (npm i -g @anthropic-ai/claude-code) or set claude.command to its full path'],
    ['curl', 'curl', 'install it: the hooks need it'],
  ] as const) {
    const found = findOnPath(command, i.path, isExecutable);
    if (found) dirs.push(dirOf(found));
    else warnings.push(`${name} ("${command}") is not on your PATH, so the service will not find it either: ${fix}, then run \`csm service install\` again.`);
  }
  for (const name of i.secretsInEnv) {
    warnings.push(`${name} is set in your shell, but a service does not inherit your shell's environment: put the secret in the config file (see config.example.yaml) so the service has it.`);
  }
  const spec = createSpec({
    node: i.node,
    script: entryScript(i.entry),
    csmHome: config.paths.home,
    logDir: config.paths.log_dir,
    toolDirs: dirs,
    platform: i.ctx.platform,
    ...(i.configFile ? { configFile: i.configFile } : {}),
    ...(i.logLevel ? { logLevel: i.logLevel } : {}),
  });
  return { spec, warnings };
}

const managerName = (ctx: ServiceContext): string => (ctx.platform === 'darwin' ? 'launchd LaunchAgent' : 'systemd user service');

/** How to run csm when no service manager will: the exact command the service would have run (env: any shell). */
const startByHand = (spec: ServiceSpec): string =>
  `env ${Object.entries(spec.env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')} ${spec.argv.map(shellQuote).join(' ')}`;

function logsHint(ctx: ServiceContext, spec: ServiceSpec): string {
  return ctx.platform === 'darwin' ? `Logs: ${join(spec.logDir, 'daemon.err.log')} (and daemon.out.log).` : 'Logs: journalctl --user -u csm.';
}

/** `csm service install|uninstall|status` */
export async function runServiceCommand(config: Config, action: string | undefined, i: ServiceInputs, print: Print): Promise<number> {
  const { ctx } = i;
  switch (action) {
    case 'install': {
      const { spec, warnings } = currentSpec(config, i);
      const r = await installService(ctx, spec);
      const lines: string[] = [];
      if (r.outcome === 'created') lines.push(`Wrote the ${managerName(ctx)} ${r.file}.`);
      else if (r.outcome === 'unchanged') lines.push(`The ${managerName(ctx)} ${r.file} already points to this csm; nothing changed.`);
      else lines.push(`Rewrote ${r.file}:`, ...r.changes.map((c) => `  ${c}`));
      if (r.started) {
        lines.push(r.outcome === 'unchanged' ? 'It is running (or starting); it starts at login and again after a crash.' : 'Started it: it starts at login and again after a crash.');
        lines.push(logsHint(ctx, spec));
      } else {
        lines.push(
          `Could not start it: ${r.manager.detail}.`,
          ctx.platform === 'darwin'
            ? 'It loads at your next login. To run csm now instead:'
            : 'This is usual in containers and in ssh sessions without a login session (`loginctl enable-linger $USER` gives one). The file stays in place for when there is a user manager; to run csm now instead (in a tmux window, or with nohup):',
          `  ${startByHand(spec)}`,
        );
      }
      lines.push(...warnings.map((w) => `Warning: ${w}`));
      print(lines.join('\n'), { ...r, argv: spec.argv, env: spec.env, warnings });
      return r.started ? 0 : 1;
    }
    case 'uninstall': {
      const r = await uninstallService(ctx);
      const human = r.removed ? (r.manager.reachable ? `Stopped csm's ${managerName(ctx)} and removed ${r.file}.` : `Removed ${r.file}; ${r.manager.detail}, so nothing was running under it.`) : `No csm service is installed (${r.file} does not exist); nothing changed.`;
      print(human, r);
      return 0;
    }
    case 'status': {
      const { spec } = currentSpec(config, i);
      const r = await serviceStatus(ctx, spec);
      print(formatStatus(ctx, r), r);
      return r.installed && r.differences.length === 0 && r.active === true ? 0 : 1;
    }
    default:
      throw Object.assign(new Error('Usage: csm service install|uninstall|status'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  }
}

export function formatStatus(ctx: ServiceContext, r: StatusResult): string {
  if (!r.installed) return `Not installed (${r.file} does not exist): \`csm service install\` starts csm at login and again after a crash.`;
  const lines = [`Installed: ${r.file}`];
  if (r.points_to) {
    lines.push(`  node:     ${r.points_to.node}`, `  csm:      ${r.points_to.script}`, `  CSM_HOME: ${r.points_to.csm_home ?? '(default)'}`);
    if (r.points_to.config) lines.push(`  config:   ${r.points_to.config}`);
  }
  lines.push(r.differences.length === 0 ? 'It points to this csm.' : `It does not point to this csm (\`csm service install\` rewrites it):\n${r.differences.map((d) => `  ${d}`).join('\n')}`);
  if (!r.manager.reachable) lines.push(`Cannot tell whether it runs: ${r.manager.detail}. Start csm with \`csm serve\` instead.`);
  else if (ctx.platform === 'darwin') lines.push(r.enabled ? `Loaded in launchd, state: ${r.state}.` : 'Not loaded in launchd: run `csm service install` (or log out and in).');
  else lines.push(`${r.enabled ? 'Enabled' : 'Not enabled'}, ${r.state ?? 'unknown'}${r.active ? '' : ': `csm service install` starts it; `journalctl --user -u csm` says why it stopped'}.`);
  return lines.join('\n');
}

/** The `csm doctor` line: never a failure when it is not installed; a failure when it runs another csm. */
export async function serviceCheck(config: Config, i: ServiceInputs): Promise<{ ok: boolean; detail: string; fix?: string } | null> {
  if (i.ctx.platform !== 'darwin' && i.ctx.platform !== 'linux') return null;
  try {
    // Not installed needs no spec: a csm run from its sources without a build is not a doctor failure.
    if (!existsSync(serviceFile(i.ctx))) return { ok: true, detail: 'not installed (optional: `csm service install` starts csm at login and after a crash)' };
    const { spec } = currentSpec(config, i);
    const r = await serviceStatus(i.ctx, spec);
    const running = !r.manager.reachable ? `cannot tell whether it runs: ${r.manager.detail}` : r.active ? 'running' : `not running (${r.state ?? 'not loaded'})`;
    if (r.differences.length > 0) return { ok: false, detail: `${r.file} points to another csm (${r.differences.join('; ')}); ${running}`, fix: 'run `csm service install` to point it to this csm' };
    return { ok: true, detail: `installed (${r.file}), points to this csm; ${running}` };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), fix: 'run `csm service status` for details' };
  }
}
