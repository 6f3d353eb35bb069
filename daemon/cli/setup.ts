import { hookScriptPath } from '../assets.js';
import { daemonUrl } from '../paths.js';
import type { Config } from '../config/schema.js';
import { allowCsmTools, claudeSettingsFile, hooksStatus, installHooks, uninstallHooks } from './hooks-install.js';
import { installMcp } from '../mcp-install.js';

type Print = (human: string, json: unknown) => void;

/** Where the registered MCP server finds the daemon: pinned, so a non-default port or CSM_HOME still works. */
export function mcpEnv(config: Config): Record<string, string> {
  return { CSM_URL: daemonUrl(config.server), CSM_HOME: config.paths.home };
}

function hookOptions(config: Config) {
  return {
    script: hookScriptPath(),
    waitSeconds: config.permissions.remote_timeout_seconds,
    global: { csmHome: config.paths.home, url: daemonUrl(config.server) },
  };
}

/** `csm hooks install|uninstall|status` */
export function runHooksCommand(config: Config, action: string | undefined, print: Print): number {
  const file = claudeSettingsFile();
  switch (action) {
    case 'install': {
      const r = installHooks(file, hookOptions(config));
      print(r.changed ? `Hooks installed in ${file}${r.backup ? ` (backup: ${r.backup})` : ''}.` : `Hooks already installed in ${file}; nothing changed.`, { file, ...r });
      return 0;
    }
    case 'uninstall': {
      const r = uninstallHooks(file);
      print(r.changed ? `Hooks removed from ${file}${r.backup ? ` (backup: ${r.backup})` : ''}.` : `No csm hooks in ${file}; nothing changed.`, { file, ...r });
      return 0;
    }
    case 'status': {
      const r = hooksStatus(file);
      const human = r.missing.length === 0 ? `All csm hooks are installed in ${file}.` : r.installed.length === 0 ? `No csm hooks in ${file}: run \`csm hooks install\`.` : `Some csm hooks are missing in ${file} (${r.missing.join(', ')}): run \`csm hooks install\`.`;
      print(human, { file, ...r });
      return r.missing.length === 0 ? 0 : 1;
    }
    default:
      throw Object.assign(new Error('Usage: csm hooks install|uninstall|status'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  }
}

/** `csm setup`: hooks + the MCP server for sessions started by hand. Idempotent. */
export async function runSetup(config: Config, print: Print): Promise<number> {
  const file = claudeSettingsFile();
  const hooks = installHooks(file, hookOptions(config));
  const mcp = await installMcp({ claudeCommand: config.claude.command, env: mcpEnv(config) });
  const tools = allowCsmTools(file);
  const lines = [
    hooks.changed ? `Hooks installed in ${file}.` : `Hooks already installed in ${file}.`,
    mcp.message,
    tools.changed ? `Allowed notify, send_email and ask_user in ${file}, so Claude Code does not stop to ask before using them.` : `notify, send_email and ask_user were already allowed in ${file}.`,
  ];
  print(lines.join('\n'), { hooks: { file, ...hooks }, mcp, tools: { file, ...tools } });
  return mcp.ok ? 0 : 1;
}
