import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../daemon/commands/parse.js';

describe('parseCommand', () => {
  const cases: [string, unknown][] = [
    ['please clean up', null],
    ['/unknowncmd', null],
    ['/new ~/projects/my app', { ok: true, command: { name: 'new', path: '~/projects/my app' } }],
    ['/new', { ok: false, error: expect.stringMatching(/Say which folder/) }],
    ['/list', { ok: true, command: { name: 'list' } }],
    ['/list@csm_bot', { ok: true, command: { name: 'list' } }],
    ['/start', { ok: true, command: { name: 'help' } }],
    ['/kill a1B2', { ok: true, command: { name: 'kill', session: 'a1b2' } }],
    ['/kill', { ok: true, command: { name: 'kill' } }],
    ['/kill a1b2c', { ok: true, command: { name: 'kill', session: 'a1b2c' } }],
    ['/status a1b', { ok: false, error: expect.stringMatching(/4 to 8 hex digits/) }],
    ['/output a1b2c3 30', { ok: true, command: { name: 'output', session: 'a1b2c3', lines: 30 } }],
    ['/kill everything', { ok: false, error: expect.stringMatching(/optional session id/) }],
    ['/status a1b2', { ok: true, command: { name: 'status', session: 'a1b2' } }],
    ['/clear', { ok: true, command: { name: 'clear' } }],
    ['/compact beef', { ok: true, command: { name: 'compact', session: 'beef' } }],
    ['/output', { ok: true, command: { name: 'output' } }],
    ['/output 30', { ok: true, command: { name: 'output', lines: 30 } }],
    ['/output a1b2 30', { ok: true, command: { name: 'output', session: 'a1b2', lines: 30 } }],
    ['/output 99999', { ok: true, command: { name: 'output', lines: 1000 } }],
    ['/output x y', { ok: false, error: expect.stringMatching(/neither/) }],
    ['/screenshot', { ok: true, command: { name: 'screenshot' } }],
    ['/screenshot A1B2', { ok: true, command: { name: 'screenshot', session: 'a1b2' } }],
    ['/screenshot all of them', { ok: false, error: expect.stringMatching(/optional session id/) }],
    ['  /help  ', { ok: true, command: { name: 'help' } }],
    ['/stream', { ok: true, command: { name: 'stream' } }],
    ['/stream off', { ok: true, command: { name: 'stream', mode: 'off' } }],
    ['/stream ON a1b2', { ok: true, command: { name: 'stream', session: 'a1b2', mode: 'on' } }],
    ['/stream a1b2 tools', { ok: true, command: { name: 'stream', session: 'a1b2', mode: 'tools' } }],
    ['/stream all', { ok: true, command: { name: 'stream', mode: 'all' } }],
    ['/stream beef', { ok: true, command: { name: 'stream', session: 'beef' } }],
    ['/stream loud', { ok: false, error: expect.stringMatching(/on, off, messages, tools or all/) }],
    ['/stream off on', { ok: false, error: expect.stringMatching(/"on" is neither/) }],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });
});
