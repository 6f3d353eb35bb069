import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyScreen, keysToChoose, nextQuestionStep } from '../../../daemon/screen/classify.js';
import { COLOUR, FEATURES, SIZE } from '../../fixtures/questions.js';

const SCREENS = join(import.meta.dirname, '../../fixtures/screens');
const screen = (version: string, name: string): string => readFileSync(join(SCREENS, version, `${name}.txt`), 'utf8');

/** Every screen captured from the real CLI (test/fixtures/capture-screens.ts), both versions, two widths. */
const cases: [string, Record<string, unknown>][] = [
  ['idle', { kind: 'idle' }],
  ['busy', { kind: 'busy', queued: [] }],
  ['finished', { kind: 'idle' }],
  ['output-lookalike-dialog', { kind: 'idle' }],
  ['permission-bash', { kind: 'permission', title: 'Bash command', question: 'Do you want to proceed?' }],
  ['permission-write', { kind: 'permission', title: 'Create file', question: 'Do you want to create hello.txt?' }],
  ['trust', { kind: 'trust', path: '/tmp/csm-capture/untrusted' }],
];

describe.each(['2.1.197', 'latest'])('classifyScreen on Claude Code %s', (version) => {
  describe.each(['', '-w80'])('width %s', (width) => {
    it.each(cases)('%s', (name, expected) => {
      expect(classifyScreen(screen(version, `${name}${width}`))).toMatchObject(expected);
    });
  });

  it('messages typed while Claude works (here: during ask_user) are read from above the input box', () => {
    expect(classifyScreen(screen(version, 'busy-queued'))).toEqual({ kind: 'busy', queued: ['terminal answer', 'and a second note'] });
  });

  it('permission dialog: the command, and the options with the cursor on the first', () => {
    const s = classifyScreen(screen(version, 'permission-bash'));
    if (s.kind !== 'permission') throw new Error(`expected permission, got ${s.kind}`);
    expect(s.detail).toContain('rm -rf node_modules');
    expect(s.detail).toContain('Remove node_modules directory');
    expect(s.options[0]).toEqual({ number: 1, label: 'Yes', selected: true });
    expect(s.options.at(-1)).toMatchObject({ label: 'No', selected: false });
    expect(s.options[1]!.label).toMatch(/^Yes, and always allow access to .*project/);
  });

  it('wrapped option labels at 80 columns are joined', () => {
    const s = classifyScreen(screen(version, 'permission-bash-w80'));
    if (s.kind !== 'permission') throw new Error(`expected permission, got ${s.kind}`);
    expect(s.options.map((o) => o.number)).toEqual(version === 'latest' ? [1, 2, 3, 4] : [1, 2, 3]);
    expect(s.options[1]!.label).toMatch(/from this project$/);
  });

  it('write permission: the file and its content', () => {
    const s = classifyScreen(screen(version, 'permission-write'));
    if (s.kind !== 'permission') throw new Error(`expected permission, got ${s.kind}`);
    expect(s.detail).toContain('hello.txt');
    expect(s.detail).toContain('1 hello');
  });
});

/** Claude Code's question dialog (AskUserQuestion), captured by test/fixtures/capture-question-screens.ts. */
const colour = { question: COLOUR.question, header: 'Colour', multi_select: false, allows_text: true };
const opt = (number: number, label: string, selected: boolean, description: string, checked?: boolean) => ({ number, label, selected, description, ...(checked === undefined ? {} : { checked }) });
const crimson = (selected: boolean) => opt(1, 'Crimson', selected, 'a deep red');
const teal = (selected: boolean) => opt(2, 'Teal', selected, COLOUR.options[1]!.description);
const questionCases: [string, Record<string, unknown>][] = [
  ['question-single', { kind: 'question', ...colour, options: [crimson(true), teal(false)] }],
  ['question-single-moved', { kind: 'question', ...colour, options: [crimson(false), teal(true)] }],
  ['question-two', { kind: 'question', ...colour, options: [crimson(true), teal(false)] }],
  ['question-two-second', { kind: 'question', question: SIZE.question, header: 'Size', options: [opt(1, 'Small', true, '48 px high'), opt(2, 'Large', false, '96 px high')] }],
  [
    'question-multi',
    { kind: 'question', question: FEATURES.question, header: 'Features', multi_select: true, options: [opt(1, 'Login', true, 'email and password', false), opt(2, 'Search', false, 'full-text search over projects', false), opt(3, 'Export', false, 'CSV and JSON', false)] },
  ],
  ['question-multi-toggled', { kind: 'question', multi_select: true, options: [opt(1, 'Login', true, 'email and password', true), opt(2, 'Search', false, 'full-text search over projects', false), opt(3, 'Export', false, 'CSV and JSON', false)] }],
  ['question-two-review', { kind: 'dialog', question: 'Review your answers: submit them?', options: [{ number: 1, label: 'Submit answers', selected: true }, { number: 2, label: 'Cancel', selected: false }] }],
];

describe.each(['2.1.197', 'latest'])('the question dialog on Claude Code %s', (version) => {
  describe.each(['', '-w80', '-w200'])('width %s', (width) => {
    it.each(questionCases)('%s', (name, expected) => {
      expect(classifyScreen(screen(version, `${name}${width}`))).toMatchObject(expected);
    });
  });

  it('every row the cursor can stop on, in order, for choosing with keys', () => {
    const single = classifyScreen(screen(version, 'question-single'));
    if (single.kind !== 'question') throw new Error(`expected question, got ${single.kind}`);
    expect(single.rows.map((r) => r.label)).toEqual(['Crimson', 'Teal', 'Type something.', 'Chat about this']);
    const multi = classifyScreen(screen(version, 'question-multi'));
    if (multi.kind !== 'question') throw new Error(`expected question, got ${multi.kind}`);
    expect(multi.rows.map((r) => r.label)).toEqual(['Login', 'Search', 'Export', 'Type something', 'Submit', 'Chat about this']);
  });
});

describe.each(['2.1.197', 'latest'])('nextQuestionStep on Claude Code %s', (version) => {
  const q = (name: string) => {
    const s = classifyScreen(screen(version, name));
    if (s.kind !== 'question') throw new Error(`expected question, got ${s.kind}`);
    return s;
  };
  it.each([
    ['question-single', { labels: ['Teal'] }, false, { key: 'Down' }],
    ['question-single-moved', { labels: ['Teal'] }, false, { key: 'Enter' }],
    ['question-single-moved', { labels: ['Crimson'] }, false, { key: 'Up' }],
    ['question-single', { text: 'Magenta' }, false, { key: 'Down' }],
    ['question-single', { text: 'Magenta' }, true, { key: 'Enter' }],
    ['question-multi', { labels: ['Login', 'Export'] }, false, { key: 'Enter' }],
    ['question-multi-toggled', { labels: ['Login', 'Export'] }, false, { key: 'Down' }],
    ['question-multi-toggled', { labels: ['Export'] }, false, { key: 'Enter' }],
    ['question-multi-toggled', { labels: ['Login'] }, false, { key: 'Down' }],
  ] as const)('%s toward %j (typed: %s) → %j', (name, target, typed, step) => {
    expect(nextQuestionStep(q(name), target, typed)).toEqual(step);
  });
  it('the text once the cursor is on "Type something"', () => {
    const s = q('question-single');
    const onText = { ...s, rows: s.rows.map((r) => ({ ...r, selected: r.label.startsWith('Type something') })) };
    expect(nextQuestionStep(onText, { text: 'Magenta' }, false)).toEqual({ literal: 'Magenta' });
  });
  it('an option the dialog does not have is an error, not a guess', () => {
    expect(() => nextQuestionStep(q('question-single'), { labels: ['Mauve'] }, false)).toThrow(RangeError);
  });
});

describe('trust dialog option order differs between versions', () => {
  it('2.1.197 lists Yes first, numbered', () => {
    const s = classifyScreen(screen('2.1.197', 'trust'));
    expect(s).toMatchObject({ kind: 'trust', options: [{ number: 1, label: 'Yes, I trust this folder', selected: true }, { number: 2, label: 'No, exit' }] });
  });
  it('the latest lists "No, exit" first, unnumbered', () => {
    const s = classifyScreen(screen('latest', 'trust'));
    expect(s).toMatchObject({ kind: 'trust', options: [{ number: null, label: 'No, exit', selected: true }, { number: null, label: 'Yes, I trust this folder' }] });
  });
});

describe('classifyScreen edge cases', () => {
  const rule = '─'.repeat(60);
  it.each([
    ['empty pane', '', 'unknown'],
    ['a shell', '$ ls\nfile.txt\n$', 'unknown'],
    ['an unknown selection dialog', `output\n${rule}\n Try the new renderer?\n\n ❯ 1. Yes, try it\n   2. Not now\n\n Enter to confirm`, 'dialog'],
    ['a rule with nothing under it', `text\n${rule}\n`, 'unknown'],
    ['a spinner above the box, footer without the hint', `✻ Cogitating… (3s)\n\n${rule}\n❯ \n${rule}\n  ? for shortcuts`, 'busy'],
  ])('%s', (_name, text, kind) => {
    expect(classifyScreen(text).kind).toBe(kind);
  });

  it('an unknown dialog keeps its question and options', () => {
    const s = classifyScreen(`${rule}\n Try the new renderer?\n\n ❯ 1. Yes, try it\n   2. Not now\n\n Enter to confirm`);
    expect(s).toEqual({
      kind: 'dialog',
      question: 'Try the new renderer?',
      options: [{ number: 1, label: 'Yes, try it', selected: true }, { number: 2, label: 'Not now', selected: false }],
      text: 'Try the new renderer?\n\n❯ 1. Yes, try it\n2. Not now\n\nEnter to confirm',
    });
  });
});

describe('keysToChoose', () => {
  const opts = (selected: number, n = 3) => Array.from({ length: n }, (_, i) => ({ number: i + 1, label: `o${i}`, selected: i === selected }));
  it.each([
    [0, 0, ['Enter']],
    [0, 2, ['Down', 'Down', 'Enter']],
    [2, 0, ['Up', 'Up', 'Enter']],
    [1, 2, ['Down', 'Enter']],
  ])('from %i to %i', (from, to, keys) => expect(keysToChoose(opts(from), to)).toEqual(keys));
  it('refuses an option that does not exist', () => expect(() => keysToChoose(opts(0), 5)).toThrow(RangeError));
});
