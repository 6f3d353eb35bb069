import { validateInputText } from './input-text.js';

/**
 * What the web dashboard's "take control" may send to a pane. Keystrokes are raw terminal input (control
 * keys and escape sequences are the point), so only their size and NUL are checked; a paste is text and
 * goes through the same rules as typed text, because tmux wraps it in bracketed-paste markers that an ESC
 * inside it could end early.
 */
export type TerminalInput = { keys: string } | { paste: string };

export const MAX_KEYSTROKE_CHARS = 4096;

export type TerminalInputCheck = { ok: true; input: TerminalInput } | { ok: false; reason: string };

export function validateTerminalInput(input: TerminalInput): TerminalInputCheck {
  if ('keys' in input) {
    if (input.keys.length === 0) return { ok: false, reason: 'No keys to send.' };
    if (input.keys.length > MAX_KEYSTROKE_CHARS) return { ok: false, reason: `${input.keys.length} characters of keystrokes at once; the limit is ${MAX_KEYSTROKE_CHARS}: paste long text instead.` };
    if (input.keys.includes('\u0000')) return { ok: false, reason: 'The keystrokes hold a NUL, which no terminal key sends; nothing was sent.' };
    return { ok: true, input };
  }
  const checked = validateInputText(input.paste);
  if (!checked.ok) return checked;
  return { ok: true, input: { paste: checked.text } };
}
