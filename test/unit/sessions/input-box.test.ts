import { describe, expect, it } from 'vitest';
import { boxHolds, inputBoxText } from '../../../daemon/sessions/input-box.js';

// Input box lines as `tmux capture-pane -p -e` shows them (captured from Claude Code 2.1.197 and 2.1.332).
const RULE = `\u001b[38;5;244m${'─'.repeat(60)}\u001b[39m`;
const screen = (...box: string[]): string => ['  some output above', RULE, ...box, RULE, '  ⏸ manual mode on'].join('\n');
const QUEUED_HINT_197 = '\u001b[38;5;246m❯\u00a0\u001b[7m\u001b[39mP\u001b[0;2m\u001b[39m\u001b[49mress up to edit queued messages\u001b[0m\u001b[39m\u001b[49m';
const QUEUED_HINT_LATEST = '\u001b[38;5;246m❯\u00a0\u001b[7m\u001b[39mP\u001b[0;2m\u001b[39m\u001b[49mress up to edit queued messages';
const TYPED = '\u001b[38;5;246m❯\u00a0\u001b[39mmine\u001b[7m \u001b[0m\u001b[39m\u001b[49m';
const EMPTY = '\u001b[38;5;246m❯\u00a0\u001b[7m \u001b[0m';

describe('inputBoxText: what sits in the box, hints left out', () => {
  it.each([
    ['empty box', screen(EMPTY), ''],
    ['typed text, cursor after it', screen(TYPED), 'mine'],
    ['dim queued-messages hint (2.1.197)', screen(QUEUED_HINT_197), ''],
    ['dim queued-messages hint (latest)', screen(QUEUED_HINT_LATEST), ''],
    ['multi-line text', screen('\u001b[38;5;246m❯\u00a0\u001b[39mline one', '  line two\u001b[7m \u001b[0m'), 'line one\nline two'],
    ['a 256-colour "2" is a colour, not dim', screen('\u001b[38;5;2m❯ \u001b[38;2;2;2;2mgreen text\u001b[0m'), 'green text'],
    ['no input box (a dialog)', ' Do you want to proceed?\n ❯ 1. Yes\n   2. No', null],
    ['not Claude Code at all', 'ready\n$ ', null],
  ])('%s', (_name, input, expected) => expect(inputBoxText(input)).toBe(expected));
});

describe('boxHolds: the box shows our text', () => {
  it.each([
    ['hello world', 'hello world', true],
    ['word word\nword word', 'word word word word', true],
    ['line one\nline two', 'line one\nline two', true],
    ['[Pasted text #1 +39 lines]', '1\n2\n3', true],
    ['[Pasted text #2]', 'x'.repeat(5000), true],
    ['[Pasted text #1 +39 lines]', 'short', false],
    ['FIRST-TEXT', 'SECOND-TEXT', false],
    ['FIRST-TEXTSECOND', 'SECOND', false],
    ['', 'anything', false],
  ])('%j holds %j: %s', (box, text, expected) => expect(boxHolds(box, text)).toBe(expected));
});
