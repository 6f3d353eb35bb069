import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { CommandError } from '../errors.js';
import { MCP_TOOL_IDS, mcpLaunchConfig } from '../mcp-install.js';
import { hookSettings } from '../hooks-config.js';

/**
 * Everything needed to start Claude Code for a new session, with no setup by the user: our hooks and MCP
 * server passed per launch, and the environment the hooks and MCP server use to find the daemon.
 */
export interface LaunchSpec {
  command: string[];
  env: Record<string, string>;
}

export interface LaunchInput {
  sessionId: string;
  sessionDir: string;
  claudeCommand: string;
  defaultArgs: readonly string[];
  args: readonly string[];
  extraEnv: Readonly<Record<string, string>>;
  url: string;
  token: string;
  hookScript: string;
  waitSeconds: number;
  /** `{ command, args }` that starts our MCP server, or null to launch without it. */
  mcpServer: { command: string; args: string[] } | null;
}

export function buildLaunch(input: LaunchInput): LaunchSpec {
  mkdirSync(input.sessionDir, { recursive: true, mode: 0o700 });
  const settingsFile = join(input.sessionDir, 'settings.json');
  const settings = {
    ...hookSettings({ script: input.hookScript, waitSeconds: input.waitSeconds, direct: { url: input.url, token: input.token } }),
    // Our own tools only reach the owner (and ask_user waits for them): in `--permission-mode default` Claude
    // Code would otherwise ask in the terminal before each call, which defeats asking from afar.
    ...(input.mcpServer ? { permissions: { allow: MCP_TOOL_IDS } } : {}),
  };
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2), { mode: 0o600 });
  const env: Record<string, string> = {
    // Claude Code 2.1.33x moves an MCP call that runs longer than 2 minutes to the background and ends the turn
    // without its result: ask_user must block until the owner answers. Settable in claude.env.
    ...(input.mcpServer ? { CLAUDE_CODE_MCP_AUTO_BACKGROUND_MS: '0' } : {}),
    ...input.extraEnv,
    CSM_SESSION_ID: input.sessionId,
    CSM_URL: input.url,
    CSM_TOKEN: input.token,
  };
  const mcpArgs: string[] = [];
  if (input.mcpServer) {
    const mcpFile = join(input.sessionDir, 'mcp.json');
    const config = mcpLaunchConfig(input.mcpServer, { CSM_SESSION_ID: input.sessionId, CSM_URL: input.url, CSM_TOKEN: input.token });
    writeFileSync(mcpFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    mcpArgs.push('--mcp-config', mcpFile);
  }
  return {
    command: [input.claudeCommand, ...input.defaultArgs, '--settings', settingsFile, ...mcpArgs, ...input.args],
    env,
  };
}

/** Fails early with a fix, instead of a pane that dies at once with "command not found". */
export function validateCommand(command: string, envPath: string): void {
  const candidates = isAbsolute(command) || command.includes('/') ? [command] : envPath.split(delimiter).filter(Boolean).map((d) => join(d, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return;
    } catch {
      // try the next one
    }
  }
  throw new CommandError(
    'unavailable',
    `Claude Code ("${command}") was not found${isAbsolute(command) ? '' : ' on PATH'}: install it with \`npm i -g @anthropic-ai/claude-code\`, or set claude.command in the config to its full path.`,
  );
}

export function validateCwd(cwd: string): void {
  if (!isAbsolute(cwd)) throw new CommandError('bad_request', `cwd must be an absolute path, not "${cwd}".`);
  let isDir = false;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    throw new CommandError('bad_request', `The folder ${cwd} does not exist: create it first or check the path.`);
  }
  if (!isDir) throw new CommandError('bad_request', `${cwd} is a file, not a folder: give the project folder.`);
}
