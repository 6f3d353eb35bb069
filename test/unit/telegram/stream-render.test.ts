import { describe, expect, it } from 'vitest';
import type { EventOf } from '../../../daemon/events/types.js';
import { appendPiece, renderPiece, splitText, streamText, wants, type StreamEvent, type StreamMode } from '../../../daemon/channels/telegram/stream-render.js';

const base = { session_id: 'a1b2', at: 0, turn_id: 't1', entry_id: 'e1' };
const text: EventOf<'assistant_text'> = { ...base, kind: 'assistant_text', text: '  Let me look.\n' };
const bash: EventOf<'tool_call'> = { ...base, kind: 'tool_call', tool_use_id: 'tu1', tool: 'Bash', summary: 'npm test' };
const edit: EventOf<'tool_call'> = { ...base, kind: 'tool_call', tool_use_id: 'tu2', tool: 'Edit', summary: 'src/auth.ts' };
const mcp: EventOf<'tool_call'> = { ...base, kind: 'tool_call', tool_use_id: 'tu3', tool: 'mcp__csm__notify', summary: '' };
const ok: EventOf<'tool_result'> = { ...base, kind: 'tool_result', tool_use_id: 'tu1', summary: '12 passed (+3 lines)', is_error: false };
const failed: EventOf<'tool_result'> = { ...base, kind: 'tool_result', tool_use_id: 'tu1', summary: 'Exit code 3', is_error: true };

describe('wants: what each telegram.stream level shows', () => {
  const rows: [StreamMode, StreamEvent, boolean][] = [
    ['off', text, false], ['off', bash, false], ['off', ok, false],
    ['messages', text, true], ['messages', bash, false], ['messages', ok, false],
    ['tools', text, true], ['tools', bash, true], ['tools', ok, false],
    ['all', text, true], ['all', bash, true], ['all', ok, true],
  ];
  it.each(rows)('%s, %o → %s', (mode, e, expected) => expect(wants(mode, e)).toBe(expected));
});

describe('renderPiece', () => {
  it.each([
    [text, { kind: 'text', text: 'Let me look.' }],
    [bash, { kind: 'line', text: '⚙ Bash npm test' }],
    [edit, { kind: 'line', text: '✏ Edit src/auth.ts' }],
    [mcp, { kind: 'line', text: '🔌 mcp__csm__notify' }],
    [ok, { kind: 'line', text: '   ↳ 12 passed (+3 lines)' }],
    [failed, { kind: 'line', text: '   ✗ Exit code 3' }],
  ])('%o', (e, expected) => expect(renderPiece(e as StreamEvent)).toEqual(expected));
});

describe('appendPiece: text paragraphs apart, tool lines one under the other, a new part past the limit', () => {
  it.each([
    ['first piece of a turn', null, { kind: 'text', text: 'Hello' }, 100, { updated: null, added: ['Hello'] }],
    ['text after text', { body: 'Hello', lastKind: 'text' }, { kind: 'text', text: 'World' }, 100, { updated: 'Hello\n\nWorld', added: [] }],
    ['a tool line after text', { body: 'Hello', lastKind: 'text' }, { kind: 'line', text: '⚙ Bash ls' }, 100, { updated: 'Hello\n\n⚙ Bash ls', added: [] }],
    ['a tool line after a tool line', { body: '⚙ Bash ls', lastKind: 'line' }, { kind: 'line', text: '📖 Read a' }, 100, { updated: '⚙ Bash ls\n📖 Read a', added: [] }],
    ['past the limit: the next part', { body: 'x'.repeat(95), lastKind: 'text' }, { kind: 'text', text: 'more text' }, 100, { updated: null, added: ['more text'] }],
    ['exactly at the limit still fits', { body: 'x'.repeat(91), lastKind: 'text' }, { kind: 'text', text: 'y'.repeat(7) }, 100, { updated: `${'x'.repeat(91)}\n\n${'y'.repeat(7)}`, added: [] }],
    ['an empty piece changes nothing', { body: 'a', lastKind: 'text' }, { kind: 'text', text: '' }, 100, { updated: null, added: [] }],
  ] as const)('%s', (_name, last, piece, limit, expected) => expect(appendPiece(last, piece, limit)).toEqual(expected));

  it('a piece longer than a part is split into several, nothing lost', () => {
    const long = Array.from({ length: 30 }, (_, i) => `line ${i} ${'z'.repeat(20)}`).join('\n');
    const { added } = appendPiece(null, { kind: 'text', text: long }, 100);
    expect(added.length).toBeGreaterThan(1);
    expect(added.every((p) => p.length <= 100)).toBe(true);
    expect(added.join('\n')).toBe(long);
  });
});

describe('splitText', () => {
  it.each([
    ['short', 'abc', 10, ['abc']],
    ['at a newline', 'aaaa\nbbbb\ncccc', 10, ['aaaa\nbbbb', 'cccc']],
    ['at a space when there is no newline', 'aaaa bbbb cccc', 10, ['aaaa bbbb', 'cccc']],
    ['anywhere in one long word', 'abcdefghijkl', 5, ['abcde', 'fghij', 'kl']],
    ['never between the halves of an emoji', 'abcd😀x', 5, ['abcd', '😀x']],
  ])('%s', (_name, input, limit, expected) => expect(splitText(input, limit)).toEqual(expected));
});

describe('streamText', () => {
  it('names the session, and the part after the first', () => {
    expect(streamText('a1b2', 0, 'hi')).toBe('💬 a1b2\nhi');
    expect(streamText('a1b2', 2, 'hi')).toBe('💬 a1b2 (3)\nhi');
    expect(streamText('a1b2', 1, 'x'.repeat(4000)).length).toBeLessThanOrEqual(4096);
  });
});
