import { describe, expect, it } from 'vitest';
import { parseGeometry, snapshotBytes } from '../../../daemon/sessions/pane-snapshot.js';
import { validateTerminalInput } from '../../../daemon/sessions/terminal-input.js';

describe('pane geometry', () => {
  it.each([
    ['10 0 100 30 1 0', { cursorX: 10, cursorY: 0, cols: 100, rows: 30, cursorVisible: true, alternate: false }],
    ['0 5 80 24 0 1\n', { cursorX: 0, cursorY: 5, cols: 80, rows: 24, cursorVisible: false, alternate: true }],
    ['', null],
    ['1 2 0 24 1 0', null],
    ['a b c d e f', null],
    ['1 2 3', null],
  ])('%j', (line, want) => {
    expect(parseGeometry(line)).toEqual(want);
  });
});

describe('snapshot bytes', () => {
  const g = { cursorX: 2, cursorY: 1, cols: 10, rows: 3, cursorVisible: true, alternate: false };
  it('clears, draws each line at the start of its row, then puts the cursor back', () => {
    expect(snapshotBytes('\x1b[31mred\x1b[39m\n> x\n\n', g)).toBe(
      '\x1b[?25l\x1b[0m\x1b[H\x1b[2J\x1b[1;1H\x1b[31mred\x1b[39m\x1b[0m\x1b[2;1H> x\x1b[0m\x1b[3;1H\x1b[0m\x1b[2;3H\x1b[?25h',
    );
  });
  it('enters the alternate screen first when the program is in it, and keeps a hidden cursor hidden', () => {
    const s = snapshotBytes('a\n', { ...g, alternate: true, cursorVisible: false });
    expect(s.startsWith('\x1b[?1049h')).toBe(true);
    expect(s.endsWith('\x1b[2;3H')).toBe(true);
  });
  it('never draws more rows than the pane has', () => {
    expect(snapshotBytes('1\n2\n3\n4\n5\n', g)).not.toContain('\x1b[4;1H');
  });
});

describe('terminal input checks', () => {
  it.each([
    [{ keys: '\x1b[A' }, true],
    [{ keys: '\x03' }, true],
    [{ keys: '' }, false],
    [{ keys: 'a\u0000b' }, false],
    [{ keys: 'x'.repeat(5000) }, false],
    [{ paste: 'line one\nline two' }, true],
    [{ paste: 'ends the paste \x1b[201~ early' }, false],
    [{ paste: '   ' }, false],
  ])('%j → %s', (input, ok) => {
    expect(validateTerminalInput(input).ok).toBe(ok);
  });
  it('a paste gets CRLF as LF', () => {
    expect(validateTerminalInput({ paste: 'a\r\nb' })).toEqual({ ok: true, input: { paste: 'a\nb' } });
  });
});
