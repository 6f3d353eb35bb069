import { SESSION_ID_RE } from '../session-id.js';

/**
 * Slash commands that people type into a channel (Telegram message, first line of an email). Pure: the
 * channel decides how to run and render them.
 */
export type ChannelCommand =
  | { name: 'new'; path: string }
  | { name: 'list' }
  | { name: 'status'; session?: string }
  | { name: 'output'; session?: string; lines?: number }
  | { name: 'screenshot'; session?: string }
  | { name: 'clear'; session?: string }
  | { name: 'compact'; session?: string }
  | { name: 'kill'; session?: string }
  /** Live output for a session: on, off, a level, or (no mode) what it is now. */
  | { name: 'stream'; session?: string; mode?: StreamSetting }
  | { name: 'help' };

/** `on` = the configured level (or `messages` when the config says off). */
export type StreamSetting = 'on' | 'off' | 'messages' | 'tools' | 'all';
const STREAM_SETTINGS: readonly StreamSetting[] = ['on', 'off', 'messages', 'tools', 'all'];

export type ParseResult = { ok: true; command: ChannelCommand } | { ok: false; error: string };

export const COMMAND_HELP: ReadonlyArray<{ command: string; description: string }> = [
  { command: 'new', description: 'Start a session: /new <path>' },
  { command: 'list', description: 'Sessions and their status' },
  { command: 'status', description: 'Status of a session: /status [id]' },
  { command: 'output', description: 'Last screen lines: /output [id] [lines]' },
  { command: 'screenshot', description: 'The screen as an image: /screenshot [id]' },
  { command: 'clear', description: 'Clear the conversation: /clear [id]' },
  { command: 'compact', description: 'Compact the conversation: /compact [id]' },
  { command: 'kill', description: 'Stop a session: /kill [id]' },
  { command: 'stream', description: 'Live output of a session: /stream on|off|tools|all [id]' },
  { command: 'help', description: 'What the bot understands' },
];

const MAX_LINES = 1000;

/** Returns null when `text` is not a slash command at all (then it is input for a session). */
export function parseCommand(text: string): ParseResult | null {
  const trimmed = text.trim();
  const match = /^\/([a-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (!match) return null;
  const name = match[1]!.toLowerCase();
  const rest = (match[2] ?? '').trim();
  const args = rest === '' ? [] : rest.split(/\s+/);

  const sessionArg = (): ParseResult | { session?: string } => {
    if (args.length === 0) return {};
    if (args.length === 1 && SESSION_ID_RE.test(args[0]!)) return { session: args[0]!.toLowerCase() };
    return { ok: false, error: `/${name} takes an optional session id (4 to 8 hex digits, like a1b2), not "${rest}".` };
  };

  switch (name) {
    case 'new':
      if (rest === '') return { ok: false, error: 'Say which folder: /new ~/projects/myapp' };
      return { ok: true, command: { name: 'new', path: rest } };
    case 'list':
    case 'help':
    case 'start':
      if (name === 'start') return { ok: true, command: { name: 'help' } };
      return { ok: true, command: { name } };
    case 'status':
    case 'screenshot':
    case 'clear':
    case 'compact':
    case 'kill': {
      const s = sessionArg();
      if ('ok' in s) return s;
      return { ok: true, command: { name, ...s } };
    }
    case 'output': {
      let session: string | undefined;
      let lines: number | undefined;
      for (const arg of args) {
        if (SESSION_ID_RE.test(arg) && session === undefined && !/^\d+$/.test(arg)) session = arg.toLowerCase();
        else if (/^\d+$/.test(arg) && lines === undefined) lines = Math.min(MAX_LINES, Math.max(1, Number(arg)));
        else if (SESSION_ID_RE.test(arg) && session === undefined) session = arg.toLowerCase();
        else return { ok: false, error: `/output takes an optional session id and a line count, like /output a1b2 50; "${arg}" is neither.` };
      }
      return { ok: true, command: { name: 'output', ...(session ? { session } : {}), ...(lines ? { lines } : {}) } };
    }
    case 'stream': {
      let session: string | undefined;
      let mode: StreamSetting | undefined;
      for (const arg of args) {
        const lower = arg.toLowerCase();
        if ((STREAM_SETTINGS as readonly string[]).includes(lower) && mode === undefined) mode = lower as StreamSetting;
        else if (SESSION_ID_RE.test(arg) && session === undefined) session = lower;
        else return { ok: false, error: `/stream takes on, off, messages, tools or all, and an optional session id, like /stream off a1b2; "${arg}" is neither.` };
      }
      return { ok: true, command: { name: 'stream', ...(session ? { session } : {}), ...(mode ? { mode } : {}) } };
    }
    default:
      return null;
  }
}
