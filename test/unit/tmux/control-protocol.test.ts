import { describe, expect, it } from 'vitest';
import { controlCommandLine, parseControlLine, unescapeOutput } from '../../../daemon/tmux/control-protocol.js';
import { terminalInputArgs } from '../../../daemon/tmux/commands.js';

describe('tmux control mode lines', () => {
  it.each([
    ['%output %3 hi\\015\\012', { type: 'output', pane: '%3', data: Buffer.from('hi\r\n') }],
    ['%output %12 \\033[1mbold\\033[0m', { type: 'output', pane: '%12', data: Buffer.from('\x1b[1mbold\x1b[0m') }],
    ['%output %0 back\\134slash', { type: 'output', pane: '%0', data: Buffer.from('back\\slash') }],
    ['%begin 1796122712 268 1', { type: 'begin', number: '268', ours: true }],
    ['%begin 1796122712 263 0', { type: 'begin', number: '263', ours: false }],
    ['%end 1796122712 268 1', { type: 'end', number: '268', error: false }],
    ['%error 1796122712 270 1', { type: 'end', number: '270', error: true }],
    ['%layout-change @0 b25d,80x24,0,0,0 b25d,80x24,0,0,0 *', { type: 'layout-change' }],
    ['%exit', { type: 'exit', reason: '' }],
    ['%exit server exited', { type: 'exit', reason: 'server exited' }],
    ['%session-changed $0 t', { type: 'other', line: '%session-changed $0 t' }],
  ])('%s', (line, want) => {
    expect(parseControlLine(Buffer.from(line, 'latin1'))).toEqual(want);
  });

  it('keeps UTF-8 bytes as they are (tmux escapes only bytes below 0x20 and the backslash)', () => {
    const raw = Buffer.concat([Buffer.from('%output %1 '), Buffer.from('é❯ ok\\012')]);
    const line = parseControlLine(raw);
    expect(line.type === 'output' && line.data.toString('utf8')).toBe('é❯ ok\n');
  });

  it('a backslash not followed by three octal digits is itself', () => {
    expect(unescapeOutput(Buffer.from('a\\9b\\01')).toString()).toBe('a\\9b\\01');
  });

  it('commands go on one line, each argument single-quoted; a quote or newline is refused', () => {
    expect(controlCommandLine([['capture-pane', '-p', '-t', '%3'], ['display-message', '-p', '#{cursor_x}']])).toBe("'capture-pane' '-p' '-t' '%3' ; 'display-message' '-p' '#{cursor_x}'\n");
    expect(() => controlCommandLine([['display', "it's"]])).toThrow(RangeError);
    expect(() => controlCommandLine([['display', 'a\nkill-server']])).toThrow(RangeError);
  });
});

describe('raw terminal input as send-keys', () => {
  it.each([
    ['text', [['send-keys', '-t', '%1', '-l', '--', 'text']]],
    ['\r', [['send-keys', '-t', '%1', '-H', '0d']]],
    ['\x1b[A', [['send-keys', '-t', '%1', '-H', '1b'], ['send-keys', '-t', '%1', '-l', '--', '[A']]],
    ['ls;\x7f\x03', [['send-keys', '-t', '%1', '-l', '--', 'ls;'], ['send-keys', '-t', '%1', '-H', '7f', '03']]],
    ['Enter', [['send-keys', '-t', '%1', '-l', '--', 'Enter']]],
    ['', []],
  ])('%j', (data, want) => {
    expect(terminalInputArgs('%1', data)).toEqual(want);
  });
});
