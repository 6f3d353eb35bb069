import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitScreen, RULE_WIDTH, tidyLine, tidyScreen } from '../../../daemon/channels/telegram/phone-screen.js';
import { renderOutput } from '../../../daemon/channels/telegram/render.js';
import { htmlToText, MESSAGE_LIMIT } from '../../../daemon/channels/telegram/format.js';

const SCREENS = join(import.meta.dirname, '../../fixtures/screens');
const screen = (version: string, name: string): string => readFileSync(join(SCREENS, version, `${name}.txt`), 'utf8');

describe('tidyLine', () => {
  it.each([
    { line: '─'.repeat(120), want: '─'.repeat(RULE_WIDTH) },
    { line: '╌'.repeat(200), want: '╌'.repeat(RULE_WIDTH) },
    { line: '  ? for shortcuts                                        ● high · /effort   ', want: '  ? for shortcuts   ● high · /effort' },
    { line: '    indented code', want: '    indented code' },
    { line: '-----', want: '-----' },
    { line: 'a ─── b', want: 'a ─── b' },
  ])('$line', ({ line, want }) => expect(tidyLine(line)).toBe(want));
});

describe('tidyScreen', () => {
  it('drops blank runs: none at either end, never two in a row', () => {
    expect(tidyScreen('\n\none\n\n\n\ntwo\n\n')).toEqual(['one', '', 'two']);
  });
});

describe('fitScreen', () => {
  it('keeps the bottom when it does not all fit, and counts what it left out', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const fit = fitScreen(lines.join('\n'), 100);
    expect(fit.text.length).toBeLessThanOrEqual(100);
    expect(fit.text.split('\n').at(-1)).toBe('line 99');
    expect(fit.dropped + fit.text.split('\n').length).toBe(100);
  });
});

describe.each(['2.1.197', 'latest'])('/output of Claude Code %s screens, fit for a phone', (version) => {
  it.each(['idle', 'finished', 'permission-bash', 'permission-write', 'question-two', 'trust'])('%s', (name) => {
    const raw = screen(version, name);
    const { text } = fitScreen(raw, MESSAGE_LIMIT - 200);
    const lines = text.split('\n');
    // No full-width rule, no long gap, no blank run; the last line of the screen is still there.
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThan(Math.max(...raw.split('\n').map((l) => [...l.trimEnd()].length)) + 1);
    expect(lines.every((l) => !/[─╌]{25,}/.test(l))).toBe(true);
    expect(text).not.toMatch(/\n\n\n/);
    expect(lines[0]).not.toBe('');
    expect(lines.at(-1)).toBe(tidyLine(raw.trimEnd().split('\n').at(-1)!));
    // One message, with the image offered.
    const out = renderOutput('a1b2', raw, 50);
    expect(htmlToText(out.html).length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(out.keyboard.flat().map((b) => b.data)).toEqual(['i:a1b2']);
  });

  it('the 120-column rules of the idle screen become short ones', () => {
    const { text } = fitScreen(screen(version, 'idle'), 4000);
    expect(text).toContain('─'.repeat(RULE_WIDTH));
    expect(text).not.toContain('─'.repeat(RULE_WIDTH + 1));
  });
});

describe('renderOutput', () => {
  it('says how many lines did not fit, and offers the image', () => {
    const long = Array.from({ length: 800 }, (_, i) => `output line number ${i}`).join('\n');
    const out = renderOutput('a1b2', long, 800);
    expect(htmlToText(out.html).length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(htmlToText(out.html)).toMatch(/\d+ lines above did not fit: 🖼 shows the whole screen\./);
    expect(htmlToText(out.html)).toContain('output line number 799');
  });

  it('an empty screen says so', () => {
    expect(renderOutput('a1b2', '\n\n', 30).html).toContain('(empty screen)');
  });
});
