import { shellQuote } from './tmux/commands.js';

/**
 * The Claude Code hook settings that forward events to the daemon: used per launch (--settings) for the
 * sessions the daemon starts, and merged into ~/.claude/settings.json by `csm hooks install`.
 */
export const HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'PermissionRequest',
  'Notification',
  'Stop',
  'SessionEnd',
] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

const TOOL_EVENTS = new Set<string>(['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionRequest']);

export interface HookCommandOptions {
  script: string;
  /** How long a PermissionRequest may wait for the phone (permissions.remote_timeout_seconds). */
  waitSeconds: number;
  /** Installed into the user's settings: skips sessions the daemon started (they have their own hooks). */
  global?: { csmHome: string; url: string };
  /**
   * Per launch: the daemon's URL and the session's own token. PermissionRequest then goes as Claude Code's
   * own http hook, with no shell and no curl to start (60-80 ms on a busy machine), see HTTP_EVENTS.
   */
  direct?: { url: string; token: string };
}

type HookHandler =
  | { type: 'command'; command: string; timeout: number }
  | { type: 'http'; url: string; headers: Record<string, string>; timeout: number };

interface HookEntry {
  matcher?: string;
  hooks: HookHandler[];
}

/**
 * PermissionRequest is the request itself, on its way to the phone. Claude Code treats a refused connection,
 * a timeout or a non-2xx answer of an http hook as no decision, as the script's silent exit 0 is, and shows
 * nothing for it. PreToolUse would save another sh + curl before the permission check, but a failed one is
 * shown in the transcript ("PreToolUse:Bash hook failed … ECONNREFUSED") on every tool call while the
 * daemon is down, so it stays a script.
 */
const HTTP_EVENTS = new Set<string>(['PermissionRequest']);

export function hookSettings(options: HookCommandOptions): { hooks: Record<HookEventName, HookEntry[]> } {
  const prefix = options.global
    ? `CSM_HOME=${shellQuote(options.global.csmHome)} CSM_DEFAULT_URL=${shellQuote(options.global.url)} `
    : '';
  const base = `${prefix}sh ${shellQuote(options.script)}${options.global ? ' --global' : ''}`;
  const hooks = {} as Record<HookEventName, HookEntry[]>;
  for (const event of HOOK_EVENTS) {
    const waits = event === 'PermissionRequest';
    const command = waits ? `${base} --wait ${options.waitSeconds + 5}` : base;
    // Claude Code's own timeout must outlast curl's, or Claude kills the hook before we answer.
    const timeout = waits ? options.waitSeconds + 30 : 15;
    const direct = options.direct && HTTP_EVENTS.has(event) ? options.direct : null;
    const handler: HookHandler = direct
      ? { type: 'http', url: `${direct.url}/hook`, headers: { Authorization: `Bearer ${direct.token}` }, timeout }
      : { type: 'command', command, timeout };
    const entry: HookEntry = { hooks: [handler] };
    if (TOOL_EVENTS.has(event)) entry.matcher = '*';
    hooks[event] = [entry];
  }
  return { hooks };
}

/** Recognises our entries inside a user's settings.json, whatever path the script was installed from. */
export const isCsmHookCommand = (command: unknown): boolean => typeof command === 'string' && command.includes('csm-hook.sh');
