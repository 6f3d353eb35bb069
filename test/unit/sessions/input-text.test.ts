import { describe, expect, it } from 'vitest';
import { MAX_INPUT_CHARS, validateInputText } from '../../../daemon/sessions/input-text.js';
import { typingMethod } from '../../../daemon/sessions/input.js';

describe('validateInputText: typed exactly as sent, or refused saying why', () => {
  it.each([
    ['plain', 'plain', false],
    ['two\nlines', 'two\nlines', false],
    ['windows\r\nline ends\r\n', 'windows\nline ends\n', true],
    ['old mac\rline end', 'old mac\nline end', true],
    ['a\ttab', 'a\ttab', false],
    ['quotes \'" $(x) `y` ; \\; ☃ 𝄞', 'quotes \'" $(x) `y` ; \\; ☃ 𝄞', false],
  ])('%j is typed as %j', (raw, text, normalized) => {
    expect(validateInputText(raw)).toEqual({ ok: true, text, normalized });
  });

  it.each([
    ['nul\u0000here', /U\+0000 \(NUL\) at position 3 \(line 1\)/],
    ['end paste\n\u001b[201~rm -rf', /U\+001B \(ESC.*at position 10 \(line 2\)/],
    ['crlf\r\nthen \u0007bell', /U\+0007 at position 11 \(line 2\)/],
    ['bs\u0008', /U\+0008 \(backspace\)/],
    ['del\u007f', /U\+007F \(DEL\)/],
    ['c1 csi \u009b', /U\+009B/],
    ['vt\u000b', /U\+000B/],
    ['   \n\t ', /empty/],
    ['x'.repeat(MAX_INPUT_CHARS + 1), /100001 characters; the limit is 100000/],
  ])('%j is refused', (raw, reason) => {
    const r = validateInputText(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('a text of exactly the limit is accepted', () => {
    expect(validateInputText('y'.repeat(MAX_INPUT_CHARS)).ok).toBe(true);
  });
});

describe('typingMethod', () => {
  it.each([
    ['short line', 'keys'],
    ['two\nlines', 'paste'],
    ['a\ttab', 'paste'],
    ['x'.repeat(1000), 'keys'],
    ['x'.repeat(1001), 'paste'],
  ])('%j → %s', (text, method) => expect(typingMethod(text)).toBe(method));
});
