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
}

interface HookEntry {
  matcher?: string;
  hooks: { type: 'command'; command: string; timeout: number }[];
}

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
    const entry: HookEntry = { hooks: [{ type: 'command', command, timeout: waits ? options.waitSeconds + 30 : 15 }] };
    if (TOOL_EVENTS.has(event)) entry.matcher = '*';
    hooks[event] = [entry];
  }
  return { hooks };
}

/** Recognises our entries inside a user's settings.json, whatever path the script was installed from. */
export const isCsmHookCommand = (command: unknown): boolean => typeof command === 'string' && command.includes('csm-hook.sh');
