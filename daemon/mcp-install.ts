import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How to start the csm MCP server: an absolute command and its arguments. */
export interface ServerCommand {
  command: string;
  args: string[];
}

export const MCP_SERVER_NAME = 'csm';
const TOOLS = ['notify', 'send_email', 'ask_user'] as const;
/** The tools as Claude Code names them in permission rules: mcp__<server>__<tool>. */
export const MCP_TOOL_IDS = TOOLS.map((tool) => `mcp__${MCP_SERVER_NAME}__${tool}`);

/**
 * The built `dist/mcp/server.js` beside this file's folder, run by the same Node as the daemon. From the
 * TypeScript sources (tests, `npm run csm`) it goes through tsx, named by absolute URL: Claude Code starts the
 * server in the project folder, where `--import tsx` would not resolve.
 */
export function mcpServerCommand(moduleUrl: string = import.meta.url, execPath: string = process.execPath): ServerCommand {
  const dir = join(dirname(fileURLToPath(moduleUrl)), '..', 'mcp');
  if (moduleUrl.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
    return { command: execPath, args: ['--import', tsx, join(dir, 'server.ts')] };
  }
  return { command: execPath, args: [join(dir, 'server.js')] };
}

/**
 * argv after `claude` that registers the server for every project of this user. No token here: it would sit
 * in ~/.claude.json; the server reads the token file itself. `env` is for a non-default CSM_URL or CSM_HOME.
 */
export function mcpAddArgs(cmd: ServerCommand, env: Readonly<Record<string, string>> = {}): string[] {
  // -e takes several values, so it goes after the name and ends at `--`.
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return ['mcp', 'add', '--scope', 'user', MCP_SERVER_NAME, ...envArgs, '--', cmd.command, ...cmd.args];
}

/** The file for `claude --mcp-config <file>` in sessions the daemon starts (env: CSM_SESSION_ID, CSM_URL, CSM_TOKEN). */
export function mcpLaunchConfig(cmd: ServerCommand, env: Readonly<Record<string, string>>) {
  // alwaysLoad: newer Claude Code (2.1.33x) otherwise hides MCP tools behind its ToolSearch tool; the model
  // should see ask_user and notify directly, as it does on older versions.
  return { mcpServers: { [MCP_SERVER_NAME]: { type: 'stdio' as const, command: cmd.command, args: [...cmd.args], env: { ...env }, alwaysLoad: true } } };
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
/** Runs a program; rejects with `code: 'ENOENT'` when it is not installed. */
export type Run = (file: string, args: readonly string[]) => Promise<RunResult>;

export interface InstallOptions {
  /** The Claude Code command (config `claude.command`). Default `claude`. */
  claudeCommand?: string;
  /** Environment to register with the server (see mcpAddArgs). */
  env?: Readonly<Record<string, string>>;
  server?: ServerCommand;
  run?: Run;
}

export interface InstallResult {
  ok: boolean;
  changed: boolean;
  message: string;
  /** The full command line that registers the server, to print when we could not run it. */
  command: string[];
}

/** Registers the server with `claude mcp add --scope user`; idempotent, and re-registers a stale command. */
export async function installMcp(options: InstallOptions = {}): Promise<InstallResult> {
  const { claude, run, server } = normalize(options);
  const command = [claude, ...mcpAddArgs(server, options.env)];
  const manual = `Register it yourself with:\n  ${command.map(quote).join(' ')}`;
  try {
    const current = await run(claude, ['mcp', 'get', MCP_SERVER_NAME]);
    if (current.exitCode === 0) {
      if (sameServer(current.stdout, server, options.env)) return { ok: true, changed: false, command, message: 'The csm MCP server is already registered with Claude Code.' };
      const removed = await run(claude, ['mcp', 'remove', MCP_SERVER_NAME, '--scope', 'user']);
      if (removed.exitCode !== 0) {
        return { ok: false, changed: false, command, message: `A different "csm" MCP server is registered and \`claude mcp remove csm --scope user\` failed (${firstLine(removed)}); remove it by hand (\`claude mcp get csm\` says where). ${manual}` };
      }
    }
    const added = await run(claude, command.slice(1));
    if (added.exitCode !== 0) return { ok: false, changed: false, command, message: `\`claude mcp add\` failed: ${firstLine(added)}. ${manual}` };
    return { ok: true, changed: true, command, message: 'Registered the csm MCP server with Claude Code (user scope): new sessions get notify, send_email and ask_user.' };
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { ok: false, changed: false, command, message: `Claude Code (\`${claude}\`) is not on PATH. ${manual}` };
    throw err;
  }
}

/** For `csm doctor`: registered means registered with the command this installation would use. */
export async function mcpStatus(options: InstallOptions = {}): Promise<{ registered: boolean; detail: string }> {
  const { claude, run, server } = normalize(options);
  let r: RunResult;
  try {
    r = await run(claude, ['mcp', 'get', MCP_SERVER_NAME]);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { registered: false, detail: `Claude Code (\`${claude}\`) is not on PATH` };
    throw err;
  }
  if (r.exitCode !== 0) return { registered: false, detail: 'not registered with Claude Code (sessions started by `csm new` get it anyway)' };
  if (!sameServer(r.stdout, server, options.env)) return { registered: false, detail: 'registered, but with another command (an older install?)' };
  return { registered: true, detail: `registered: ${[server.command, ...server.args].join(' ')}` };
}

function normalize(options: Omit<InstallOptions, 'env'>) {
  return { claude: options.claudeCommand ?? 'claude', run: options.run ?? runProgram, server: options.server ?? mcpServerCommand() };
}

/** Reads `claude mcp get` (checked on 2.1.197): "  Command: <cmd>", "  Args: <args joined by spaces>", "    K=V" env lines. */
export function sameServer(getOutput: string, cmd: ServerCommand, env: Readonly<Record<string, string>> = {}): boolean {
  const lines = getOutput.split('\n').map((l) => l.trim());
  const field = (name: string) => lines.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? '';
  return field('Command') === cmd.command && field('Args') === cmd.args.join(' ') && Object.entries(env).every(([k, v]) => lines.includes(`${k}=${v}`));
}

const runProgram: Run = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code === 'string') return reject(err);
      resolve({ exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });

const firstLine = (r: RunResult) => (r.stderr.trim() || r.stdout.trim()).split('\n')[0] || `exit code ${r.exitCode}`;
const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
