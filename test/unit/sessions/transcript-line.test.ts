import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTranscriptLine, summarizeResult, summarizeToolCall, type TranscriptEntry } from '../../../daemon/sessions/transcript-line.js';

// Transcripts written by the real CLI against the fake API (test/fixtures/capture-transcripts.ts): a prompt
// answered with text, Bash, Read, Edit and a failing Bash, then a second prompt.
const FIXTURES = join(import.meta.dirname, '../../fixtures/transcripts');
const lines = (version: string): string[] => readFileSync(join(FIXTURES, `${version}.jsonl`), 'utf8').split('\n').filter((l) => l !== '');

/** What a follower makes of a whole file: each entry with the turn it belongs to. */
function fold(all: string[]): { turn: number; e: Omit<TranscriptEntry, 'entry_id' | 'tool_use_id'> }[] {
  const turns: string[] = [];
  const out: { turn: number; e: Omit<TranscriptEntry, 'entry_id' | 'tool_use_id'> }[] = [];
  for (const line of all) {
    const p = parseTranscriptLine(line);
    if (p.turn_id && !turns.includes(p.turn_id)) turns.push(p.turn_id);
    for (const e of p.entries) {
      const { entry_id: _e, ...rest } = e;
      const { tool_use_id: _t, ...shown } = rest as typeof rest & { tool_use_id?: string };
      out.push({ turn: turns.length, e: shown });
    }
  }
  return out;
}

const EXPECTED = [
  { turn: 1, e: { type: 'assistant_text', text: 'Let me run the tests first.' } },
  { turn: 1, e: { type: 'tool_call', tool: 'Bash', summary: 'echo tests passed' } },
  { turn: 1, e: { type: 'tool_result', summary: 'tests passed', is_error: false } },
  { turn: 1, e: { type: 'tool_call', tool: 'Read', summary: 'notes.txt' } },
  { turn: 1, e: { type: 'tool_result', summary: expect.stringMatching(/^1\tfirst line \(\+\d+ lines?\)$/), is_error: false } },
  { turn: 1, e: { type: 'tool_call', tool: 'Edit', summary: 'notes.txt' } },
  { turn: 1, e: { type: 'tool_result', summary: expect.stringMatching(/^The file .*notes\.txt has been updated/), is_error: false } },
  { turn: 1, e: { type: 'tool_call', tool: 'Bash', summary: 'exit 3' } },
  { turn: 1, e: { type: 'tool_result', summary: 'Exit code 3', is_error: true } },
  { turn: 1, e: { type: 'assistant_text', text: 'All done: the tests pass and notes.txt is edited.\n\nSecond paragraph with `code`.' } },
  { turn: 2, e: { type: 'assistant_text', text: 'A short second answer.' } },
];

describe('parseTranscriptLine over transcripts written by the real CLI', () => {
  it.each(['2.1.197', 'latest'])('%s: text, tool calls and results, in two turns', (version) => {
    expect(fold(lines(version))).toEqual(EXPECTED);
  });

  it.each(['2.1.197', 'latest'])('%s: entry ids are the lines\' uuids, unique and stable', (version) => {
    const ids = lines(version).flatMap((l) => parseTranscriptLine(l).entries.map((e) => e.entry_id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
    expect(lines(version).flatMap((l) => parseTranscriptLine(l).entries.map((e) => e.entry_id))).toEqual(ids);
  });

  it.each(['2.1.197', 'latest'])('%s: a tool result carries the id of its call', (version) => {
    const entries = lines(version).flatMap((l) => parseTranscriptLine(l).entries);
    const calls = entries.filter((e) => e.type === 'tool_call').map((e) => e.tool_use_id);
    const results = entries.filter((e) => e.type === 'tool_result').map((e) => e.tool_use_id);
    expect(results).toEqual(calls);
  });

  const real = lines('2.1.197');
  const assistantLine = real.find((l) => (JSON.parse(l) as { type: string }).type === 'assistant')!;
  const promptLine = real.find((l) => (JSON.parse(l) as { type: string; promptId?: string }).type === 'user')!;
  const edited = (line: string, patch: Record<string, unknown>): string => JSON.stringify({ ...(JSON.parse(line) as object), ...patch });
  it.each([
    ['not JSON', 'not json at all', { turn_id: null, entries: [] }],
    ['half a line (still being written)', assistantLine.slice(0, 80), { turn_id: null, entries: [] }],
    ['JSON of another shape', '[1,2,3]', { turn_id: null, entries: [] }],
    ['a subagent line (sidechain)', edited(assistantLine, { isSidechain: true }), { turn_id: null, entries: [] }],
    ['a meta user line without promptId', edited(promptLine, { isMeta: true, promptId: undefined }), { turn_id: null, entries: [] }],
    ['a prompt without promptId counts by its uuid', edited(promptLine, { promptId: undefined }), { turn_id: (JSON.parse(promptLine) as { uuid: string }).uuid, entries: [] }],
    ['an assistant line with only whitespace text', edited(assistantLine, { message: { role: 'assistant', content: [{ type: 'text', text: '  \n' }] } }), { turn_id: null, entries: [] }],
    ['a thinking block', edited(assistantLine, { message: { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm' }] } }), { turn_id: null, entries: [] }],
  ])('%s', (_name, line, expected) => expect(parseTranscriptLine(line)).toEqual(expected));

  it('two blocks in one assistant line get ids of their own', () => {
    const two = edited(assistantLine, { message: { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'tool_use', id: 'toolu_x', name: 'Bash', input: { command: 'ls' } }] } });
    const uuid = (JSON.parse(assistantLine) as { uuid: string }).uuid;
    expect(parseTranscriptLine(two).entries.map((e) => e.entry_id)).toEqual([`${uuid}:0`, `${uuid}:1`]);
  });
});

describe('summarizeToolCall', () => {
  it.each([
    ['Bash', { command: 'npm test', description: 'Run tests' }, 'npm test'],
    ['Bash', { command: 'set -e\nnpm ci\nnpm test' }, 'set -e …'],
    ['Edit', { file_path: '/p/src/auth.ts', old_string: 'a', new_string: 'b' }, 'src/auth.ts'],
    ['Write', { file_path: '/elsewhere/x.ts', content: '' }, '/elsewhere/x.ts'],
    ['Grep', { pattern: 'TODO', path: '/p/src' }, 'TODO in src'],
    ['Glob', { pattern: '**/*.ts' }, '**/*.ts'],
    ['WebFetch', { url: 'https://example.com', prompt: 'x' }, 'https://example.com'],
    ['WebSearch', { query: 'grammy edit limits' }, 'grammy edit limits'],
    ['Task', { description: 'Find the bug', prompt: 'long' }, 'Find the bug'],
    ['TodoWrite', { todos: [{}, {}, {}] }, '3 items'],
    ['Bash', { command: 'x'.repeat(300) }, `${'x'.repeat(199)}…`],
    ['mcp__csm__notify', { message: 'hi' }, ''],
  ])('%s %j → %j', (tool, input, expected) => expect(summarizeToolCall(tool, input, '/p')).toBe(expected));
});

describe('summarizeResult', () => {
  it.each([
    ['tests passed', 'tests passed'],
    ['one\ntwo\nthree', 'one (+2 lines)'],
    ['\n\nfirst\n', 'first'],
    ['', '(no output)'],
    [[{ type: 'text', text: 'from blocks' }], 'from blocks'],
    [null, '(no output)'],
  ])('%j → %j', (content, expected) => expect(summarizeResult(content)).toBe(expected));
});
