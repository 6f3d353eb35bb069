import { delimiter, dirname, isAbsolute, join } from 'node:path';

/**
 * What a service manager must run to keep `csm serve` alive: the same for launchd and systemd, so both
 * renderers and the change report work from one description.
 */
export interface ServiceSpec {
  /** [node, main.js, 'serve', ('--config', file)]: absolute paths, pinned to the csm that installed it. */
  argv: string[];
  /** In this order: PATH, CSM_HOME, then anything else csm passes on (CSM_LOG_LEVEL). */
  env: Record<string, string>;
  /** launchd writes the daemon's stdout and stderr here; systemd sends them to the journal. */
  logDir: string;
}

export interface SpecInputs {
  node: string;
  script: string;
  csmHome: string;
  logDir: string;
  /** --config as given on the command line (already absolute); the default file needs no flag. */
  configFile?: string;
  /** Folders of tmux, claude, node and curl as found on the installer's PATH (missing ones left out). */
  toolDirs: string[];
  platform: NodeJS.Platform;
  /** Passed on only when set: the daemon's log level is a choice the person made. */
  logLevel?: string;
}

/**
 * A service starts with almost no PATH (launchd: /usr/bin:/bin:/usr/sbin:/sbin), so the folders where
 * tmux, claude and node were found come first, then the usual system ones for sh, curl and the rest.
 */
export function servicePath(toolDirs: string[], platform: NodeJS.Platform): string {
  const system = platform === 'darwin' ? ['/opt/homebrew/bin', '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'] : ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  return [...new Set([...toolDirs.filter((d) => isAbsolute(d)), ...system])].join(delimiter);
}

export function createSpec(i: SpecInputs): ServiceSpec {
  const env: Record<string, string> = { PATH: servicePath(i.toolDirs, i.platform), CSM_HOME: i.csmHome };
  if (i.logLevel) env.CSM_LOG_LEVEL = i.logLevel;
  return { argv: [i.node, i.script, 'serve', ...(i.configFile ? ['--config', i.configFile] : [])], env, logDir: i.logDir };
}

/** Where a program would be found on `path`, the way a shell looks it up; null when it is not there. */
export function findOnPath(command: string, path: string, isExecutable: (file: string) => boolean): string | null {
  if (command.includes('/')) return isExecutable(command) ? command : null;
  for (const dir of path.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, command);
    if (isExecutable(file)) return file;
  }
  return null;
}

export const dirOf = (file: string): string => dirname(file);

/** The parts a person recognises in a spec: which node, which csm, which config, which CSM_HOME. */
export function describeSpec(spec: ServiceSpec): { node: string; script: string; config: string | null; csm_home: string | null } {
  const config = spec.argv.indexOf('--config');
  return { node: spec.argv[0] ?? '', script: spec.argv[1] ?? '', config: config >= 0 ? (spec.argv[config + 1] ?? null) : null, csm_home: spec.env.CSM_HOME ?? null };
}

/** One line per difference ("node: /old → /new"), for telling the person what a rewrite changed. */
export function describeChanges(before: ServiceSpec, after: ServiceSpec): string[] {
  const a = describeSpec(before);
  const b = describeSpec(after);
  const changes: string[] = [];
  const show = (v: string | null | undefined): string => (v === null || v === undefined ? '(none)' : v);
  for (const key of ['node', 'script', 'config', 'csm_home'] as const) {
    if (a[key] !== b[key]) changes.push(`${key === 'script' ? 'csm' : key === 'csm_home' ? 'CSM_HOME' : key}: ${show(a[key])} → ${show(b[key])}`);
  }
  const rest = after.argv.slice(2).join(' ') !== before.argv.slice(2).join(' ') && a.config === b.config;
  if (rest) changes.push(`arguments: ${before.argv.slice(2).join(' ')} → ${after.argv.slice(2).join(' ')}`);
  for (const key of new Set([...Object.keys(before.env), ...Object.keys(after.env)])) {
    if (key === 'CSM_HOME' || before.env[key] === after.env[key]) continue;
    changes.push(`${key}: ${show(before.env[key])} → ${show(after.env[key])}`);
  }
  // A systemd unit names no log folder (the journal takes the output): nothing to compare then.
  if (before.logDir && after.logDir && before.logDir !== after.logDir) changes.push(`logs: ${before.logDir} → ${after.logDir}`);
  return changes;
}
