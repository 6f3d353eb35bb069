import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import pino from 'pino';
import type { Logger } from '../logger.js';
import type { Config } from '../config/schema.js';
import { readToken } from '../token.js';
import { claudeSettingsFile, csmToolsAllowed, hooksStatus } from './hooks-install.js';
import type { ApiClient } from '../api-client.js';
import { mcpStatus } from '../mcp-install.js';
import { mcpEnv } from './setup.js';
import { runClaudeSelfTest, type SelfTestReport } from '../selftest/self-test.js';
import { serviceCheck, type ServiceInputs } from './service.js';
import { checkVoice } from '../voice/check.js';
import { homedir } from 'node:os';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function version(cmd: string, args: string[]): Promise<string | null> {
  try {
    return (await execa(cmd, args, { timeout: 15_000 })).stdout.trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

/** `csm doctor`: every part csm needs, each with the fix when it is missing. Exit 1 if any check fails. */
export async function runDoctor(config: Config, print: (h: string, j: unknown) => void, api: ApiClient, service?: ServiceInputs): Promise<number> {
  const checks: Check[] = [];
  const tmux = await version('tmux', ['-V']);
  checks.push({ name: 'tmux', ok: tmux !== null, detail: tmux ?? 'not found', fix: 'install tmux: `apt install tmux` or `brew install tmux`' });
  const claude = await version(config.claude.command, ['--version']);
  checks.push({ name: 'claude', ok: claude !== null, detail: claude ?? `"${config.claude.command}" not found`, fix: 'install Claude Code: `npm i -g @anthropic-ai/claude-code`, or set claude.command to its path' });
  if (process.platform === 'darwin') {
    const osa = await version('osascript', ['-e', 'return "ok"']);
    checks.push({ name: 'osascript', ok: osa !== null, detail: osa ?? 'not available', fix: 'allow your terminal to control Terminal.app: System Settings → Privacy & Security → Automation' });
  }
  checks.push({ name: 'config', ok: true, detail: config.paths.config_file ?? 'none (defaults: local API and CLI only)' });
  const curl = (await version('curl', ['--version']))?.split(' ').slice(0, 2).join(' ') ?? null;
  checks.push({ name: 'curl', ok: curl !== null, detail: curl ?? 'not found', fix: 'the hook scripts need curl: `apt install curl`' });
  const hooks = safe(() => hooksStatus(claudeSettingsFile()));
  checks.push({
    name: 'hooks',
    ok: hooks !== null && hooks.missing.length === 0,
    detail: hooks === null ? `${claudeSettingsFile()} is not valid JSON` : hooks.missing.length === 0 ? 'installed (for sessions you start yourself)' : `missing: ${hooks.missing.join(', ')}`,
    fix: 'run `csm setup` (sessions started by `csm new` need no hooks installed)',
  });
  const mcp = await mcpStatus({ claudeCommand: config.claude.command, env: mcpEnv(config) }).catch((e: Error) => ({ registered: false, detail: e.message }));
  checks.push({ name: 'mcp', ok: mcp.registered, detail: mcp.detail, fix: 'run `csm setup`' });
  const allowed = safe(() => csmToolsAllowed(claudeSettingsFile()));
  checks.push({
    name: 'mcp tools allowed',
    ok: allowed === true,
    detail: allowed ? 'notify, send_email and ask_user run without a permission prompt' : 'Claude Code will ask before each notify, send_email or ask_user in sessions you start yourself',
    fix: 'run `csm setup`',
  });
  checks.push(...(await checkVoice(config.voice, homedir())));
  const svc = service ? await serviceCheck(config, service) : null;
  if (svc) checks.push({ name: 'service', ...svc });
  const health = await api.request<{ version: string; channels: string[] }>('GET', '/health').catch((e: Error) => e);
  const up = !(health instanceof Error);
  checks.push({
    name: 'daemon',
    ok: up,
    detail: up ? `running at ${api.url}, version ${health.version}, channels: ${health.channels.join(', ') || 'none'}` : health.message,
    fix: 'run `csm serve` (keep it running with launchd or systemd), or check server.host and server.port in the config',
  });
  checks.push({ name: 'token', ok: readToken(config.paths.token) !== null, detail: config.paths.token, fix: 'created at the first `csm serve`' });
  if (up) {
    // How each channel is doing right now, as the daemon sees it (login refused, server unreachable, ...).
    const r = await api.request<{ channels: { name: string; ok: boolean; detail: string }[] }>('GET', '/channels').catch(() => null);
    for (const c of r?.channels ?? []) checks.push({ name: c.name, ok: c.ok, detail: c.detail, fix: 'see the daemon log (stderr of `csm serve`) and the channel\'s settings in the config' });
  }
  const width = Math.max(...checks.map((c) => c.name.length));
  const human = checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)}  ${c.detail}${c.ok || !c.fix ? '' : `\n  ${' '.repeat(width)}  fix: ${c.fix}`}`).join('\n');
  print(human, { ok: checks.every((c) => c.ok), checks });
  return checks.every((c) => c.ok) ? 0 : 1;
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/**
 * `csm doctor --claude`: runs the installed Claude Code against csm's scripted model and says, one line a
 * check, whether each moment that needs the owner still reaches csm. Exit 1 if any check fails.
 */
export async function runClaudeDoctor(config: Config, print: (h: string, j: unknown) => void): Promise<number> {
  const files = [claudeSettingsFile(), process.platform === 'darwin' ? '/Library/Application Support/ClaudeCode/managed-settings.json' : '/etc/claude-code/managed-settings.json'];
  // Ctrl-C ends the run cleanly (no Claude Code or temp files left); a second one exits at once. `on`, not
  // `once`: execa's exit handler re-raises a signal that no other listener is left to take.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!interrupt.signal.aborted) return interrupt.abort();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await runClaudeSelfTest({
      // The private daemon's log, for a run that fails in a way the lines do not explain.
      ...(process.env.CSM_LOG_LEVEL ? { log: pino({ level: process.env.CSM_LOG_LEVEL }, pino.destination(2)) as unknown as Logger } : {}),
      claudeCommand: config.claude.command,
      searchPath: config.paths.search_path,
      claudeEnv: config.claude.env,
      ownerSettings: files.map((file) => ({ file, settings: readSettings(file) })),
      signal: interrupt.signal,
    });
    print(formatSelfTest(report), report);
    return interrupt.signal.aborted ? 130 : report.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function formatSelfTest(r: SelfTestReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = [`Claude Code: ${r.claude_version ?? 'not found'} (${r.claude_command})`];
  for (const c of r.checks) {
    lines.push(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)}  ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const passed = r.checks.filter((c) => c.ok).length;
  lines.push(`${r.ok ? 'All' : `${passed} of`} ${r.checks.length} checks passed in ${(r.total_ms / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/** The owner's settings.json, or null when it is missing or not JSON (the self-test then carries nothing over). */
function readSettings(file: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
