import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const TEST_API_KEY = 'sk-ant-api03-csm-test-key-0123456789abcdefghijklmnopqrstuvwxyz';

export interface ClaudeVersion {
  label: string;
  bin: string;
}

/**
 * The Claude Code versions every end-to-end test runs against: the one npm picks on Node 20 (the
 * devDependency) and the latest (installed by test/run-all.sh). A missing one is an error, never a skip.
 */
export function claudeVersions(): ClaudeVersion[] {
  const pinned = join(ROOT, 'node_modules/.bin/claude');
  const latest = process.env.CSM_TEST_CLAUDE_LATEST ?? join(ROOT, '.cache/claude-latest/node_modules/.bin/claude');
  for (const bin of [pinned, latest]) {
    if (!existsSync(bin)) throw new Error(`Claude Code is not installed at ${bin}: run the README's test command (bash test/run-all.sh), which installs both versions.`);
  }
  const only = process.env.CSM_TEST_CLAUDE_ONLY;
  const all = [
    { label: '2.1.197', bin: pinned },
    { label: 'latest', bin: latest },
  ];
  return only ? all.filter((v) => v.label === only) : all;
}

/**
 * Writes <dir>/.claude.json so the CLI skips its first-run screens (facts file), and returns the
 * environment for an isolated, offline run against the fake API.
 */
export function prepareClaudeHome({ dir, apiUrl, trustedDirs }: { dir: string; apiUrl: string; trustedDirs: string[] }): Record<string, string> {
  const config = {
    hasCompletedOnboarding: true,
    theme: 'dark',
    customApiKeyResponses: { approved: [TEST_API_KEY.slice(-20)], rejected: [] },
    projects: Object.fromEntries(trustedDirs.map((d) => [d, { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true }])),
  };
  writeFileSync(join(dir, '.claude.json'), JSON.stringify(config, null, 2));
  return {
    HOME: dir,
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: TEST_API_KEY,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
}

/**
 * Whether Claude Code reports our MCP server connected in the session started in `cwd`. Both versions log each
 * MCP connection, as JSON lines naming the cwd, under $XDG_CACHE_HOME/claude-cli-nodejs/<project>/mcp-logs-<server>/.
 * Claude Code connects MCP servers in the background after its prompt box is up, so a prompt typed at once
 * would reach the model without our tools.
 */
export function mcpConnected(cacheHome: string, cwd: string): boolean {
  const base = join(cacheHome, 'claude-cli-nodejs');
  if (!existsSync(base)) return false;
  for (const project of readdirSync(base)) {
    const logs = join(base, project, 'mcp-logs-csm');
    if (!existsSync(logs)) continue;
    for (const file of readdirSync(logs)) {
      for (const line of readFileSync(join(logs, file), 'utf8').split('\n')) {
        try {
          const entry = JSON.parse(line) as { debug?: unknown; cwd?: unknown };
          if (entry.cwd === cwd && typeof entry.debug === 'string' && entry.debug.startsWith('Successfully connected')) return true;
        } catch {
          // a line still being written
        }
      }
    }
  }
  return false;
}

/** A temp folder for one test: `project` (where Claude Code runs; trust it with prepareClaudeHome) and `home`. */
export function workspace(prefix: string): { root: string; project: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const project = join(root, 'project');
  const home = join(root, 'claude-home');
  for (const dir of [project, home]) mkdirSync(dir);
  return { root, project, home };
}
