import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Any key of the Messages API's shape: the scripted model never checks it. */
const API_KEY = 'sk-ant-api03-csm-selftest-0000000000000000000000000000000000000000';

export interface SelfTestDirs {
  /** Removed as a whole when the run ends. */
  root: string;
  /** Where Claude Code runs (trusted). */
  project: string;
  /** HOME and CLAUDE_CONFIG_DIR of the Claude Code under test. */
  home: string;
  configDir: string;
  /** The private daemon's CSM_HOME. */
  csmHome: string;
}

export function createDirs(): SelfTestDirs {
  // realpath: Claude Code keys trusted folders by their real path (macOS's /var is /private/var).
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'csm-selftest-')));
  const dirs = { root, project: join(root, 'project'), home: join(root, 'home'), configDir: join(root, 'home', '.claude'), csmHome: join(root, 'csm') };
  for (const d of [dirs.project, dirs.configDir, dirs.csmHome, join(root, 'tmp'), join(root, 'cache')]) mkdirSync(d, { recursive: true, mode: 0o700 });
  return dirs;
}

/**
 * Writes what makes Claude Code skip its first-run screens (onboarding, the API key question, the folder's
 * trust dialog) and returns the environment that keeps it off the owner's account, settings and caches.
 * `settings` become the user settings of that Claude Code (where an owner's `disableAllHooks` lives).
 */
export function prepareClaudeHome(dirs: SelfTestDirs, modelUrl: string, settings: Record<string, unknown>): Record<string, string> {
  const state = {
    hasCompletedOnboarding: true,
    theme: 'dark',
    customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
    projects: { [dirs.project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
  };
  // Read from $CLAUDE_CONFIG_DIR when it is set, else from $HOME: both, so neither the owner's nor a default wins.
  for (const file of [join(dirs.home, '.claude.json'), join(dirs.configDir, '.claude.json')]) writeFileSync(file, JSON.stringify(state, null, 2));
  writeFileSync(join(dirs.configDir, 'settings.json'), JSON.stringify(settings, null, 2));
  return {
    HOME: dirs.home,
    CLAUDE_CONFIG_DIR: dirs.configDir,
    TMPDIR: join(dirs.root, 'tmp'),
    XDG_CACHE_HOME: join(dirs.root, 'cache'),
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_STATE_HOME: join(dirs.home, '.local', 'state'),
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: API_KEY,
    // The tmux server inherits the owner's environment: blank out whatever would send Claude Code elsewhere.
    ANTHROPIC_AUTH_TOKEN: '',
    CLAUDE_CODE_OAUTH_TOKEN: '',
    CLAUDE_CODE_USE_BEDROCK: '',
    CLAUDE_CODE_USE_VERTEX: '',
    CLAUDE_CODE_USE_FOUNDRY: '',
    ANTHROPIC_MODEL: '',
    ANTHROPIC_CUSTOM_HEADERS: '',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
}
