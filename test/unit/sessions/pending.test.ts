import { describe, expect, it } from 'vitest';
import { alwaysPermissions, pickOption } from '../../../daemon/sessions/pending.js';
import { describeToolInput } from '../../../daemon/sessions/hook-intake.js';
import { promptLine } from '../../../daemon/sessions/input.js';

const bash = [
  { key: '1', label: 'Yes' },
  { key: '2', label: 'Yes, and always allow access to node_modules/ from this project' },
  { key: '3', label: 'No' },
];
const trust = [
  { key: '1', label: 'Yes, I trust this folder' },
  { key: '2', label: 'No, exit' },
];

describe('pickOption', () => {
  it.each([
    [bash, 'allow', 'permission', 0],
    [bash, 'allow_always', 'permission', 1],
    [bash, 'deny', 'permission', 2],
    [bash, '3', 'permission', 2],
    [trust, '1', 'other', 0],
    [trust, 'No, exit', 'other', 1],
    [trust, 'no, EXIT', 'other', 1],
    [trust, 'yes, i', 'other', 0],
  ] as const)('%#: %s', (options, choice, kind, index) => {
    expect(pickOption([...options], choice, kind)).toBe(index);
  });

  it('says what the options are when the choice is none of them', () => {
    expect(pickOption([...trust], 'maybe', 'other')).toMatch(/"maybe" is not one of the options: 1 \(Yes, I trust this folder\), 2 \(No, exit\)/);
    expect(pickOption([{ key: '1', label: 'Yes' }, { key: '2', label: 'No' }], 'allow_always', 'permission')).toMatch(/no "always allow"/);
  });
});

describe('alwaysPermissions', () => {
  it('echoes the rule suggestion, not the mode switch', () => {
    const dirs = { type: 'addDirectories', directories: ['/p/node_modules'], destination: 'session' };
    expect(alwaysPermissions([dirs, { type: 'setMode', mode: 'acceptEdits', destination: 'session' }])).toEqual([dirs]);
    expect(alwaysPermissions([{ type: 'setMode', mode: 'acceptEdits' }])).toEqual([{ type: 'setMode', mode: 'acceptEdits' }]);
  });
});

describe('describeToolInput', () => {
  it.each([
    ['Bash', { command: 'rm -rf node_modules', description: 'Remove node_modules' }, 'rm -rf node_modules\nRemove node_modules'],
    ['Edit', { file_path: '/p/a.ts', old_string: 'a', new_string: 'b' }, '/p/a.ts\n--- old\na\n+++ new\nb'],
    ['Write', { file_path: '/p/new.txt', content: 'hello' }, '/p/new.txt\nhello'],
    ['WebFetch', { url: 'https://x.test', prompt: 'read' }, 'https://x.test'],
  ])('%s', (tool, input, expected) => expect(describeToolInput(tool, input)).toBe(expected));
});

describe('promptLine', () => {
  const rule = '─'.repeat(40);
  it.each([
    [`output\n${rule}\n❯ hello there\n${rule}\n  ? for shortcuts`, 'hello there'],
    [`${rule}\n❯ \n${rule}`, ''],
    [`${rule}\n> line one\n  line two\n${rule}`, 'line one\nline two'],
    ['no prompt here', null],
  ])('%#', (screen, expected) => expect(promptLine(screen)).toBe(expected));
});
