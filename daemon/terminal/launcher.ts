import { attachArgs, shellQuote } from '../tmux/commands.js';

/**
 * How the visible window for a new session is opened. Pure: returns the program and argv to run (never
 * through a shell), or null for headless. The tmux attach command is passed to AppleScript as an argv item,
 * not spliced into the script, so no path or name can inject AppleScript or shell.
 */
export interface LaunchCommand {
  file: string;
  args: string[];
}

export function attachCommand(tmuxArgs: string[], tmuxSession: string): string[] {
  return ['tmux', ...tmuxArgs, ...attachArgs(tmuxSession)];
}

const APPLESCRIPT: Record<'terminal' | 'iterm2', string[]> = {
  terminal: ['on run argv', 'tell application "Terminal"', 'activate', 'do script (item 1 of argv)', 'end tell', 'end run'],
  iterm2: ['on run argv', 'tell application "iTerm2"', 'activate', 'create window with default profile command (item 1 of argv)', 'end tell', 'end run'],
};

export function launcherCommand(launcher: string, platform: NodeJS.Platform, tmuxArgs: string[], tmuxSession: string): LaunchCommand | null {
  const kind = launcher === 'auto' ? (platform === 'darwin' ? 'terminal' : 'none') : launcher;
  const attach = attachCommand(tmuxArgs, tmuxSession);
  if (kind === 'none') return null;
  if (kind === 'terminal' || kind === 'iterm2') {
    const shellLine = attach.map(shellQuote).join(' ');
    return { file: 'osascript', args: [...APPLESCRIPT[kind].flatMap((line) => ['-e', line]), shellLine] };
  }
  // A template: split on spaces first, then substitute, so {session} can never add arguments.
  const words = launcher.trim().split(/\s+/);
  const [file, ...rest] = words.map((w) => w.replaceAll('{session}', tmuxSession).replaceAll('{attach}', attach.map(shellQuote).join(' ')));
  return { file: file!, args: rest };
}

export function validateLauncher(launcher: string): string | null {
  if (['auto', 'terminal', 'iterm2', 'none'].includes(launcher)) return null;
  if (!launcher.includes('{session}') && !launcher.includes('{attach}')) {
    return `terminal.launcher "${launcher}" is not auto, terminal, iterm2 or none, and has no {session} placeholder.`;
  }
  return null;
}
