/**
 * What text may be typed into a session, decided before the first keystroke so that nothing is ever
 * half-typed. A terminal reads control characters as keys, not as text: a CR submits the prompt, ESC
 * starts a key sequence (and `ESC[201~` ends a bracketed paste early, so the rest would be typed as keys),
 * NUL cannot pass through tmux at all. Line ends are normalised, every other control is refused.
 */

export const MAX_INPUT_CHARS = 100_000;

export type InputTextCheck = { ok: true; text: string; normalized: boolean } | { ok: false; reason: string };

const NAMES: Record<number, string> = { 0x00: 'NUL', 0x08: 'backspace', 0x1b: 'ESC, the start of an escape sequence', 0x7f: 'DEL' };

/** CRLF and lone CR become LF; NUL, ESC and every other C0/C1 control except LF and tab are refused. */
export function validateInputText(raw: string): InputTextCheck {
  if (raw.trim() === '') return { ok: false, reason: 'The text is empty: nothing to type.' };
  if (raw.length > MAX_INPUT_CHARS) {
    return { ok: false, reason: `The text is ${raw.length} characters; the limit is ${MAX_INPUT_CHARS}. Write it to a file and send its path instead.` };
  }
  const text = raw.replace(/\r\n?/g, '\n');
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0);
    const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    const line = text.slice(0, bad.index).split('\n').length;
    return {
      ok: false,
      reason: `The text holds the control character ${hex}${NAMES[code] ? ` (${NAMES[code]})` : ''} at position ${rawIndex(raw, bad.index)} (line ${line}), which a terminal would take as a key: remove it and send again. Nothing was typed.`,
    };
  }
  return { ok: true, text, normalized: text !== raw };
}

/** The position in what the caller sent, before CRLF became LF, so the error points at their text. */
function rawIndex(raw: string, normalizedIndex: number): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    if (n === normalizedIndex) return i;
    if (raw[i] === '\r' && raw[i + 1] === '\n') i++;
    n++;
  }
  return raw.length;
}
