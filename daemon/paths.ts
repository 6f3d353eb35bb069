import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where csm keeps its database, API token and logs when CSM_HOME is not set: the platform's per-user data
 * folder. Shared by the daemon, the CLI, the MCP server and the hooks installer so they always agree.
 */
export function defaultCsmHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.CSM_HOME) return env.CSM_HOME;
  const home = env.HOME || homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'claude-session-manager');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'claude-session-manager');
}

export const tokenFile = (csmHome: string): string => join(csmHome, 'token');
export const DEFAULT_URL = 'http://127.0.0.1:8420';

/** The daemon's base URL for a listen address; an IPv6 host goes in brackets. */
export function daemonUrl(server: { host: string; port: number }): string {
  const host = server.host.includes(':') && !server.host.startsWith('[') ? `[${server.host}]` : server.host;
  return `http://${host}:${server.port}`;
}
