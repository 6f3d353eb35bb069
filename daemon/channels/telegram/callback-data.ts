/**
 * What an inline button carries back. Telegram allows 1-64 bytes of callback_data, so actions are a letter
 * and a few short fields joined by ':'. Session ids are 4 to 8 hex chars, request ids 8.
 */
export type CallbackAction =
  /** Answer request `request` of `session` with option `option` (its key, or `#<index>` when the key is long). */
  | { type: 'answer'; session: string; request: string; option: string }
  /** Show a session's status and last lines (from /list). */
  | { type: 'open'; session: string }
  /** /kill confirmed. */
  | { type: 'kill'; session: string }
  /** Dismiss a confirmation. */
  | { type: 'cancel' }
  /** Run remembered text or command `choice` against `session` (the answer to "which session?"). */
  | { type: 'pick'; choice: number; session: string }
  /**
   * A multi-select question's box tapped: `mask` is the selection after the tap (bit i = option i), so
   * the buttons carry the state themselves and survive a restart.
   */
  | { type: 'toggle'; session: string; request: string; mask: number }
  /** Show the keypad for `session` (the "Keys…" fallback on every dialog). */
  | { type: 'keypad'; session: string }
  /** Press a key (a name from the keypad's allow-list) in `session`. */
  | { type: 'key'; session: string; key: string }
  /** Type the transcript of voice note `note` (shown as 🎤 "…"). */
  | { type: 'voiceSend'; note: number }
  /** Drop the transcript of voice note `note`: nothing is typed. */
  | { type: 'voiceCancel'; note: number }
  /** Send the screen of `session` as an image (the 🖼 button). */
  | { type: 'screenshot'; session: string };

export const CALLBACK_DATA_LIMIT = 64;

export function encodeCallback(a: CallbackAction): string {
  const data = ((): string => {
    switch (a.type) {
      case 'answer': return `a:${a.session}:${a.request}:${a.option}`;
      case 'open': return `o:${a.session}`;
      case 'kill': return `k:${a.session}`;
      case 'cancel': return 'x';
      case 'pick': return `p:${a.choice}:${a.session}`;
      case 'toggle': return `t:${a.session}:${a.request}:${a.mask.toString(16)}`;
      case 'keypad': return `K:${a.session}`;
      case 'key': return `y:${a.session}:${a.key}`;
      case 'voiceSend': return `vs:${a.note}`;
      case 'voiceCancel': return `vc:${a.note}`;
      case 'screenshot': return `i:${a.session}`;
    }
  })();
  if (Buffer.byteLength(data) > CALLBACK_DATA_LIMIT) throw new Error(`callback data over ${CALLBACK_DATA_LIMIT} bytes: ${data}`);
  return data;
}

/** The answer button for one option, falling back to the option's index when its key is too long. */
export function encodeAnswer(session: string, request: string, key: string, index: number): string {
  const full = `a:${session}:${request}:${key}`;
  if (Buffer.byteLength(full) <= CALLBACK_DATA_LIMIT && !key.startsWith('#')) return full;
  return encodeCallback({ type: 'answer', session, request, option: `#${index}` });
}

/** Returns null for data this version does not understand (a button from an older build, or garbage). */
export function decodeCallback(data: string): CallbackAction | null {
  const [kind, ...f] = data.split(':');
  switch (kind) {
    case 'a':
      if (f.length < 3 || !f[0] || !f[1]) return null;
      return { type: 'answer', session: f[0], request: f[1], option: f.slice(2).join(':') };
    case 'o':
      return f[0] ? { type: 'open', session: f[0] } : null;
    case 'k':
      return f[0] ? { type: 'kill', session: f[0] } : null;
    case 'x':
      return { type: 'cancel' };
    case 'p': {
      const choice = Number(f[0]);
      return Number.isInteger(choice) && f[1] ? { type: 'pick', choice, session: f[1] } : null;
    }
    case 't': {
      const mask = /^[0-9a-f]{1,4}$/.test(f[2] ?? '') ? parseInt(f[2]!, 16) : NaN;
      return f[0] && f[1] && Number.isInteger(mask) ? { type: 'toggle', session: f[0], request: f[1], mask } : null;
    }
    case 'K':
      return f[0] ? { type: 'keypad', session: f[0] } : null;
    case 'y':
      return f[0] && f[1] ? { type: 'key', session: f[0], key: f[1] } : null;
    case 'vs':
    case 'vc': {
      const note = /^\d{1,15}$/.test(f[0] ?? '') && f.length === 1 ? Number(f[0]) : NaN;
      if (!Number.isSafeInteger(note)) return null;
      return kind === 'vs' ? { type: 'voiceSend', note } : { type: 'voiceCancel', note };
    }
    case 'i':
      return f[0] ? { type: 'screenshot', session: f[0] } : null;
    default:
      return null;
  }
}
