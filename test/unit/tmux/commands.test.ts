import { describe, expect, it } from 'vitest';
import { asData, attachArgs, formatLiteral, newSessionArgs, pipePaneArgs, tmuxArgv } from '../../../daemon/tmux/commands.js';

describe('asData: an argument ending in ";" reaches tmux as data, not as a command separator', () => {
  // What tmux 3.3a does with the escaped argument: strips the final ";" and turns a "\" before it into ";".
  const tmuxReads = (arg: string): string => (arg.endsWith('\\;') ? `${arg.slice(0, -2)};` : arg);
  it.each([
    ['run ls;', 'run ls\\;'],
    [';', '\\;'],
    ['x\\;', 'x\\\\;'],
    ['\\;', '\\\\;'],
    [';;', ';\\;'],
    ['mid;dle', 'mid;dle'],
    ['no semicolon', 'no semicolon'],
    ['', ''],
    ['ends with \\', 'ends with \\'],
  ])('%j is sent as %j', (arg, sent) => {
    expect(asData(arg)).toBe(sent);
    expect(tmuxReads(asData(arg))).toBe(arg);
  });
});

describe('tmuxArgv', () => {
  it('joins commands with bare ";" separators and escapes every argument', () => {
    expect(tmuxArgv([['send-keys', '-t', '%1', '-l', '--', 'a;'], ['send-keys', '-t', '%1', 'Enter']])).toEqual([
      'send-keys', '-t', '%1', '-l', '--', 'a\\;', ';', 'send-keys', '-t', '%1', 'Enter',
    ]);
  });

  it('a command line from the API cannot start a tmux command of its own', () => {
    const argv = tmuxArgv(newSessionArgs({ name: 'claude-abcd', cwd: '/tmp/x;', command: ['claude', 'x;', 'run-shell', 'touch pwned'], env: { A: 'v;' } }));
    // Exactly the deliberate separators: before set-option and before respawn-pane.
    expect(argv.filter((a) => a === ';' || (a.endsWith(';') && !a.endsWith('\\;')))).toEqual([';', ';']);
    expect(argv).toContain('x\\;');
    expect(argv).toContain('A=v\\;');
    expect(argv).toContain('/tmp/x\\;');
  });
});

describe('formatLiteral: arguments tmux expands as formats', () => {
  it.each([
    ['/tmp/#(touch pwned)', '/tmp/##(touch pwned)'],
    ['/a/#{pane_id}/##', '/a/##{pane_id}/####'],
    ['/plain', '/plain'],
  ])('%j → %j', (input, out) => expect(formatLiteral(input)).toBe(out));

  it('new-session -c and the pipe-pane command are escaped', () => {
    expect(newSessionArgs({ name: 'n', cwd: '/p/#(x)', command: ['c'], env: {} })[0]).toContain('/p/##(x)');
    expect(pipePaneArgs('%1', '/logs/#{x}.log')[4]).toBe("cat >> '/logs/##{x}.log'");
  });
});

describe('attachArgs', () => {
  it('an adopted session named with a trailing ";" is attached by its name', () => {
    expect(attachArgs('work;')).toEqual(['attach-session', '-t', '=work\\;']);
    expect(attachArgs('claude-ab12')).toEqual(['attach-session', '-t', '=claude-ab12']);
  });
});
