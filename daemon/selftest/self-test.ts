import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { configSchema, type Config } from '../config/schema.js';
import { createDaemon, type Daemon } from '../daemon.js';
import { silentLogger, type Logger } from '../logger.js';
import { tokenFile } from '../paths.js';
import { TmuxClient } from '../tmux/tmux-client.js';
import { DEFAULT_TIMEOUTS, runChecks, type SelfTestCheck, type SelfTestTimeouts } from './checks.js';
import { createDirs, prepareClaudeHome } from './claude-home.js';
import { startScriptedModel } from './scripted-model.js';
import { pollUntil, watchSession, within } from './waiting.js';
import { freePort } from '../free-port.js';

export type { SelfTestCheck } from './checks.js';

export interface SelfTestOptions {
  /**
   * claude.command and claude.env of the owner's config: the Claude Code the daemon would launch. Not
   * claude.default_args: the test needs `--permission-mode default`, and an argument such as
   * `--dangerously-skip-permissions` would hide exactly what it checks.
   */
  claudeCommand: string;
  /** Where a bare command name is looked up (the PATH the CLI was started with). */
  searchPath: string;
  claudeEnv: Readonly<Record<string, string>>;
  /**
   * The owner's Claude Code settings files (user settings first, then managed settings) and what each holds.
   * The user settings' hook switch (`disableAllHooks`) is carried into the test, because it stops the hooks
   * of every session the daemon starts too; managed settings apply to the test by themselves.
   */
  ownerSettings?: { file: string; settings: Record<string, unknown> | null }[];
  timeouts?: Partial<SelfTestTimeouts>;
  log?: Logger;
  /** Aborted when the owner gives up (Ctrl-C): the run stops, cleans up and reports what it found so far. */
  signal?: AbortSignal;
}

export interface SelfTestReport {
  ok: boolean;
  claude_command: string;
  /** `claude --version`, or null when it could not be run. */
  claude_version: string | null;
  checks: SelfTestCheck[];
  total_ms: number;
}

/**
 * `csm doctor --claude`: the installed Claude Code against a scripted model, driven by a private daemon
 * through the command layer, as the owner's phone would drive it. Leaves nothing behind, whatever fails.
 */
export async function runClaudeSelfTest(o: SelfTestOptions): Promise<SelfTestReport> {
  const started = Date.now();
  // The total includes the cleanup: that is how long the owner waits.
  const r = await runAndCleanUp(o);
  return { ...r, total_ms: Date.now() - started };
}

async function runAndCleanUp(o: SelfTestOptions): Promise<Omit<SelfTestReport, 'total_ms'>> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
  const log = o.log ?? silentLogger;
  const report = (claude_version: string | null, checks: SelfTestCheck[]): Omit<SelfTestReport, 'total_ms'> => ({
    ok: checks.length > 0 && checks.every((c) => c.ok), claude_command: o.claudeCommand, claude_version, checks,
  });
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const model = await startScriptedModel();
    undo.push(() => model.close());
    const dirs = createDirs();
    undo.push(async () => rmSync(dirs.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));
    const carried = o.ownerSettings?.[0]?.settings?.disableAllHooks === true ? { disableAllHooks: true } : {};
    const env = { ...o.claudeEnv, ...prepareClaudeHome(dirs, model.url, carried) };

    const version = await claudeVersion(o.claudeCommand, env);
    if (version === null) {
      return report(null, [{ name: 'claude', ok: false, detail: `"${o.claudeCommand}" could not be run`, fix: 'install Claude Code (`npm i -g @anthropic-ai/claude-code`), or set claude.command in the config to its full path' }]);
    }

    const socketName = `csm-selftest-${process.pid}-${Date.now().toString(36)}`;
    const daemon = await startDaemon(selfTestConfig({ csmHome: dirs.csmHome, socketName, claudeCommand: o.claudeCommand, env, searchPath: o.searchPath }), log).catch((err: Error) => err);
    if (daemon instanceof Error) return report(version, [{ name: 'start', ok: false, detail: `the private csm daemon did not start: ${daemon.message}` }]);
    const tmux = new TmuxClient({ socketName });
    // Sessions outlive a daemon by design; here the whole private tmux server goes, and Claude Code with it.
    undo.push(async () => {
      const pids = await tmux.killServer();
      // Claude Code writes its state files as it exits: the temp dirs go only once it is gone.
      await pollUntil(() => (pids.every((pid) => !alive(pid)) ? true : undefined), 5_000, { intervalMs: 50 });
    });
    undo.push(() => daemon.stop());

    let sessionId: string | null = null;
    const events = watchSession(daemon.bus, () => sessionId);
    undo.push(async () => events.stop());
    let session;
    try {
      session = await daemon.commands.newSession({ cwd: dirs.project, args: ['--permission-mode', 'default'] }, { channel: 'cli', user: 'csm doctor --claude' });
    } catch (err) {
      return report(version, [{ name: 'start', ok: false, detail: `csm could not start Claude Code: ${(err as Error).message}` }]);
    }
    sessionId = session.id;
    const checks: SelfTestCheck[] = [];
    const signal = o.signal ?? new AbortController().signal;
    const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    const ctx = { commands: daemon.commands, model, events, sessionId: session.id, project: dirs.project, timeouts, hooksFix: hooksFix(o.ownerSettings), signal };
    // A check still running when the owner gives up ends on its own once the model and the event watch close.
    const running = runChecks(ctx, checks).then(
      () => null,
      (err: unknown) => `the self-test itself failed: ${(err as Error).message}`,
    );
    const broke = await Promise.race([running, stopped.then(() => null)]);
    // A copy: a check that ends after the interruption must not change the report.
    const found = [...checks];
    if (broke) found.push({ name: 'run', ok: false, detail: broke, fix: 'report it, with this output and the Claude Code version' });
    if (signal.aborted) found.push({ name: 'run', ok: false, detail: 'interrupted before the end; Claude Code and the temp files are cleaned up' });
    return report(version, found);
  } finally {
    for (const [i, step] of undo.reverse().entries()) {
      const t = Date.now();
      await within(step().catch((err: unknown) => log.warn({ err }, 'self-test cleanup step failed')), 10_000, undefined);
      log.debug({ step: i, ms: Date.now() - t }, 'self-test cleanup step done');
    }
  }
}

async function claudeVersion(command: string, env: Record<string, string>): Promise<string | null> {
  try {
    const r = await execa(command, ['--version'], { env, timeout: 20_000 });
    return r.stdout.trim().split('\n')[0] || null;
  } catch {
    return null;
  }
}

function selfTestConfig(o: { csmHome: string; socketName: string; claudeCommand: string; env: Record<string, string>; searchPath: string }): Config {
  const parsed = configSchema.parse({
    server: { host: '127.0.0.1', port: 1 },
    claude: { command: o.claudeCommand, env: o.env },
    tmux: { socket_name: o.socketName },
    terminal: { launcher: 'none' },
    permissions: { remote_timeout_seconds: 120 },
  });
  return {
    ...parsed,
    paths: { home: o.csmHome, db: join(o.csmHome, 'csm.db'), token: tokenFile(o.csmHome), log_dir: join(o.csmHome, 'logs'), config_file: null, search_path: o.searchPath },
  };
}

/** A daemon on a free loopback port; a port taken between the probe and the listen gets one more try. */
async function startDaemon(base: Config, log: Logger): Promise<Daemon> {
  for (let attempt = 0; ; attempt++) {
    const config = { ...base, server: { ...base.server, port: await freePort() } };
    const daemon = await createDaemon({ config, log });
    try {
      await daemon.start();
      return daemon;
    } catch (err) {
      await daemon.stop().catch(() => undefined);
      if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt > 0) throw err;
    }
  }
}

function hooksFix(owner: SelfTestOptions['ownerSettings']): string {
  const switches = (owner ?? []).flatMap(({ file, settings }) =>
    (['disableAllHooks', 'allowManagedHooksOnly'] as const).filter((k) => settings?.[k] === true).map((k) => `"${k}": true in ${file}`),
  );
  if (switches.length > 0) return `${switches.join(' and ')} keeps csm's hooks from running: remove it`;
  return 'check "disableAllHooks" in your Claude Code settings (~/.claude/settings.json, a project\'s .claude/settings*.json) and in managed settings (managed-settings.json, also "allowManagedHooksOnly"), and that curl is installed (csm\'s hook script uses it)';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
