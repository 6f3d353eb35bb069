#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadConfig, ConfigError, expandHome } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { SessionInfo } from '../events/types.js';
import type { SweepReport } from '../sessions/retention.js';
import { readToken } from '../token.js';
import { daemonUrl } from '../paths.js';
import { attachArgs, serverArgs } from '../tmux/commands.js';
import { ApiClient, ApiError } from '../api-client.js';
import { auditTable, sessionDetails, sessionsTable, type AuditRow } from './format.js';
import { runClaudeDoctor, runDoctor } from './doctor.js';
import { runHooksCommand, runSetup } from './setup.js';
import { serve } from './serve.js';
import { runCommand, runServiceCommand, type ServiceInputs } from './service.js';

/** Exit codes: 0 ok, 1 the daemon refused or failed, 2 bad usage or config, 3 the daemon is not reachable. */
const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

const USAGE = `csm — run Claude Code sessions in tmux and drive them from anywhere

Usage:
  csm serve                      run the daemon (local API on 127.0.0.1:8420, channels from the config)
  csm new <path> [-- claude args] start Claude Code in <path>
  csm list                       sessions and their status
  csm status <id>                one session: status, what it waits on, Claude's last message
  csm send <id> <text...>        type text into the session (- reads stdin; text starting with - goes after --)
  csm answer <id> <choice>       answer what it waits on: allow, allow_always, deny, an option number or label,
                                 several numbers for a multi-select question ("1,3"), or your own words
                                 (--message "why" with deny; --request <request_id> to be sure)
  csm keys <id> <key...>         press keys in its terminal: Enter Escape Up Down Left Right Tab BTab Space
                                 BSpace Home End PageUp PageDown 0-9 y n (for screens csm does not know)
  csm output <id> [-n N]         the last N lines of its screen (default 50)
  csm screenshot <id> [-o FILE]  its screen as a PNG, as a terminal shows it (default FILE: <id>.png;
                                 -o - writes the PNG to stdout)
  csm attach <id>                join the session's terminal (tmux attach)
  csm kill <id>                  stop the session
  csm prune [--older-than DAYS]  forget ended sessions now (records, logs, launch files), ended longer ago
                                 than DAYS (default: retention_days from the config, 30)
  csm hooks install|uninstall|status   Claude Code hooks for sessions you start yourself
  csm setup                      hooks + the MCP server, for sessions you start yourself
  csm service install|uninstall|status   run csm at login and after a crash (launchd on macOS, a
                                 systemd user service on Linux), pinned to this node and this csm
  csm audit [--session ID] [--since 1h]   who did what: every action from every channel, with its outcome
                                 (--since: seconds, 15m, 1h, 2d or an ISO time; --limit N, default 100)
  csm web                        the web dashboard: prints (on macOS also opens) a one-time login link
  csm web --revoke               log out every browser
  csm doctor                     check tmux, claude, config, hooks, MCP, the service and the daemon
  csm doctor --claude            self-test of the installed Claude Code (hooks, permissions, questions,
                                 typed text, idle) against a scripted model: no account, no network

Options: --config PATH (default $CSM_HOME/config.yaml), --json (machine-readable output)`;

async function main(argv: string[]): Promise<number> {
  const dashdash = argv.indexOf('--');
  const passthrough = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const { values, positionals } = parseArgs({
    args: dashdash >= 0 ? argv.slice(0, dashdash) : argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      lines: { type: 'string', short: 'n' },
      message: { type: 'string', short: 'm' },
      output: { type: 'string', short: 'o' },
      request: { type: 'string' },
      claude: { type: 'boolean', default: false },
      revoke: { type: 'boolean', default: false },
      'older-than': { type: 'string' },
      session: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (!command || values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  const config = loadConfig({ env: process.env, ...(values.config ? { configPath: values.config } : {}) });
  const print = (human: string, json: unknown): void => {
    process.stdout.write(`${values.json ? JSON.stringify(json, null, 2) : human}\n`);
  };
  const api = (): ApiClient => new ApiClient({ url: daemonUrl(config.server), token: () => readToken(config.paths.token) });
  const need = (n: number, what: string): void => {
    if (args.length < n) throw new UsageError(`csm ${command} needs ${what}. See \`csm --help\`.`);
  };

  switch (command) {
    case 'serve': {
      const code = await serve(config);
      // The daemon has stopped and saved everything it owns. What may still tick is abandoned work, such as
      // the Telegram throttler's queue of refused calls (see WireGate): it must not keep the process alive.
      setTimeout(() => process.exit(code), 500).unref();
      return code;
    }
    case 'new': {
      need(1, 'a folder: csm new ~/projects/myapp');
      const cwd = expandHome(args[0]!, process.env);
      const r = await api().request<{ session_id: string; session: SessionInfo }>('POST', '/session/new', { cwd: resolve(cwd), args: passthrough });
      print(`Started session ${r.session_id} in ${r.session.cwd} (tmux: ${r.session.tmux_session}). Attach with \`csm attach ${r.session_id}\`.`, r);
      return EXIT.ok;
    }
    case 'list': {
      const r = await api().request<{ sessions: SessionInfo[] }>('GET', '/sessions');
      print(sessionsTable(r.sessions), r);
      return EXIT.ok;
    }
    case 'status': {
      need(1, 'a session id');
      const s = await api().request<SessionInfo>('GET', `/session/${encodeURIComponent(args[0]!)}`);
      print(sessionDetails(s), s);
      return EXIT.ok;
    }
    case 'send': {
      need(1, 'a session id and the text');
      // Text that starts with "-" goes after "--": csm send a1b2 -- -n is not an option
      const words = [...args.slice(1), ...passthrough];
      const text = words.length === 1 && words[0] === '-' && passthrough.length === 0 ? await readStdin() : words.join(' ');
      if (text.trim() === '') throw new UsageError('Nothing to send: give the text after the session id (or - to read stdin).');
      const r = await api().request<{ delivered: boolean; note?: string }>('POST', `/session/${encodeURIComponent(args[0]!)}/input`, { text });
      const note = r.note ? ` ${r.note}` : '';
      print(r.delivered ? `Typed into ${args[0]}.${note}` : `Typed into ${args[0]}, but Claude did not confirm it took the text: check with \`csm output ${args[0]}\`.${note}`, r);
      return r.delivered ? EXIT.ok : EXIT.failed;
    }
    case 'answer': {
      need(2, 'a session id and a choice: csm answer a1b2 allow');
      const body = { choice: args.slice(1).join(' '), ...(values.message ? { message: values.message } : {}), ...(values.request ? { request_id: values.request } : {}) };
      const r = await api().request<{ outcome: string }>('POST', `/session/${encodeURIComponent(args[0]!)}/answer`, body);
      print(`Session ${args[0]}: ${r.outcome}.`, r);
      return EXIT.ok;
    }
    case 'keys': {
      need(2, 'a session id and one or more keys: csm keys a1b2 Down Enter');
      const r = await api().request<{ pressed: string[] }>('POST', `/session/${encodeURIComponent(args[0]!)}/keys`, { keys: args.slice(1) });
      print(`Pressed ${r.pressed.join(' ')} in ${args[0]}.`, r);
      return EXIT.ok;
    }
    case 'output': {
      need(1, 'a session id');
      const lines = values.lines ? Number(values.lines) : 50;
      if (!Number.isInteger(lines) || lines < 1) throw new UsageError(`-n takes a positive whole number, not "${values.lines}".`);
      const r = await api().request<{ output: string }>('GET', `/session/${encodeURIComponent(args[0]!)}/output?lines=${lines}`);
      print(r.output, r);
      return EXIT.ok;
    }
    case 'screenshot': {
      need(1, 'a session id');
      const r = await api().bytes(`/session/${encodeURIComponent(args[0]!)}/screenshot.png`);
      const file = values.output ?? `${args[0]}.png`;
      if (file === '-') {
        process.stdout.write(r.body);
        return EXIT.ok;
      }
      writeFileSync(file, r.body);
      print(`Wrote the screen of ${args[0]} to ${file} (${r.body.length} bytes).`, { session_id: args[0], file: resolve(file), bytes: r.body.length });
      return EXIT.ok;
    }
    case 'attach': {
      need(1, 'a session id');
      const s = await api().request<SessionInfo>('GET', `/session/${encodeURIComponent(args[0]!)}`);
      if (s.status === 'dead') throw new ApiError(`Session ${s.id} has ended.`, 409, 'conflict');
      return attach(config, s.tmux_session);
    }
    case 'kill': {
      need(1, 'a session id');
      await api().request('POST', `/session/${encodeURIComponent(args[0]!)}/kill`);
      print(`Session ${args[0]} stopped.`, { killed: args[0] });
      return EXIT.ok;
    }
    case 'audit': {
      const query = new URLSearchParams({ ...(values.session ? { session: values.session } : {}), ...(values.since ? { since: values.since } : {}), ...(values.limit ? { limit: values.limit } : {}) });
      const r = await api().request<{ entries: AuditRow[] }>('GET', `/audit${query.size ? `?${query}` : ''}`);
      print(auditTable(r.entries), r);
      return EXIT.ok;
    }
    case 'web': {
      if (values.revoke) {
        const r = await api().request<{ revoked: number }>('POST', '/dashboard/revoke', {});
        print(`Logged out ${r.revoked} browser${r.revoked === 1 ? '' : 's'}; unused login links no longer work.`, r);
        return EXIT.ok;
      }
      const r = await api().request<{ url: string; expires_at: number }>('POST', '/dashboard/login-link', {});
      const minutes = Math.round((r.expires_at - Date.now()) / 60_000);
      print(`Open this link to log in to the dashboard (it works once, for ${minutes} minutes):\n${r.url}`, r);
      if (process.platform === 'darwin' && !values.json) spawnSync('open', [r.url], { stdio: 'ignore' });
      return EXIT.ok;
    }
    case 'prune': {
      const raw = values['older-than'];
      const days = raw === undefined ? undefined : Number(raw.replace(/d$/, ''));
      if (days !== undefined && (!Number.isFinite(days) || days < 0)) throw new UsageError(`--older-than takes a number of days, 0 or more (got "${raw}").`);
      const r = await api().request<SweepReport>('POST', '/prune', days === undefined ? {} : { older_than_days: days });
      const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
      const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;
      print(`Forgot ${r.sessions} ended session${r.sessions === 1 ? '' : 's'}: ${rows} database rows, ${r.files} files, ${r.events} events. Database ${mb(r.db_bytes_before)} → ${mb(r.db_bytes_after)}.`, r);
      return EXIT.ok;
    }
    case 'hooks':
      return runHooksCommand(config, args[0], print);
    case 'setup':
    case 'mcp':
      if (command === 'mcp' && args[0] !== 'install') throw new UsageError('Did you mean `csm mcp install` (or `csm setup`)?');
      return runSetup(config, print);
    case 'service':
      return runServiceCommand(config, args[0], serviceInputs(values.config), print);
    case 'doctor':
      return values.claude ? runClaudeDoctor(config, print) : runDoctor(config, print, api(), serviceInputs(values.config));
    default:
      throw new UsageError(`Unknown command "${command}". See \`csm --help\`.`);
  }
}

/** Everything `csm service` takes from this process, read here so nothing below the entry reads process.env. */
function serviceInputs(configFlag: string | undefined): ServiceInputs {
  const env = process.env;
  return {
    ctx: { platform: process.platform, home: env.HOME || homedir(), ...(env.XDG_CONFIG_HOME ? { xdgConfigHome: env.XDG_CONFIG_HOME } : {}), uid: process.getuid?.() ?? 0, run: runCommand },
    node: process.execPath,
    entry: fileURLToPath(import.meta.url),
    path: env.PATH ?? '',
    ...(configFlag ? { configFile: resolve(configFlag) } : {}),
    ...(env.CSM_LOG_LEVEL ? { logLevel: env.CSM_LOG_LEVEL } : {}),
    secretsInEnv: ['CSM_TELEGRAM_BOT_TOKEN', 'CSM_EMAIL_PASSWORD'].filter((name) => env[name]),
  };
}

function attach(config: Config, tmuxSession: string): number {
  const sock = config.tmux.socket_name ? serverArgs({ socketName: config.tmux.socket_name }) : [];
  const r = spawnSync('tmux', [...sock, ...attachArgs(tmuxSession)], { stdio: 'inherit' });
  if (r.error) throw new ApiError('tmux is not installed or not on PATH: install it (apt install tmux / brew install tmux).', 0, 'unavailable');
  return r.status ?? EXIT.failed;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`csm: ${message}\n`);
    if (err instanceof UsageError || err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') process.exitCode = EXIT.usage;
    else if (err instanceof ApiError && err.code === 'unreachable') process.exitCode = EXIT.unreachable;
    else process.exitCode = EXIT.failed;
  },
);
