import { describe, expect, it } from 'vitest';
import { answeredInput, answerFromChoice, parseAskUserQuestion, questionRequest } from '../../../daemon/sessions/questions.js';
import { COLOUR, FEATURES } from '../../fixtures/questions.js';

const single = questionRequest([COLOUR], 0, 'r1', 0);
const multi = questionRequest([FEATURES], 0, 'r2', 0);

describe('answerFromChoice', () => {
  it.each([
    ['number', single, '2', { answer: 'Teal' }],
    ['label, any case', single, ' crimson ', { answer: 'Crimson' }],
    ['own words', single, 'Magenta, please', { answer: 'Magenta, please' }],
    ['a number that is no option', single, '5', { error: expect.stringMatching(/"5" is not one of the options: 1 \(Crimson\), 2 \(Teal\)/) }],
    ['several numbers on a single-select question', single, '1,2', { error: expect.stringMatching(/not one of the options/) }],
    ['multi: numbers with commas, listed order', multi, '3,1', { answer: 'Login, Export' }],
    ['multi: numbers with spaces', multi, '2 3', { answer: 'Search, Export' }],
    ['multi: labels', multi, 'export, login', { answer: 'Login, Export' }],
    ['multi: a repeat counts once', multi, '1,1', { answer: 'Login' }],
    ['multi: one number', multi, '2', { answer: 'Search' }],
    ['multi: one unknown number', multi, '1,9', { error: expect.stringMatching(/several: "1,3"/) }],
    ['multi: words that are no labels are own words', multi, 'Login, and dark mode', { answer: 'Login, and dark mode' }],
  ])('%s', (_name, request, choice, expected) => {
    const { labels: _labels, ...got } = answerFromChoice(request, choice) as { labels?: string[] };
    expect(got).toEqual(expected);
  });

  it('names the options it picked, so they can be chosen on screen', () => {
    expect(answerFromChoice(multi, '3,1')).toEqual({ answer: 'Login, Export', labels: ['Login', 'Export'] });
    expect(answerFromChoice(single, 'Magenta')).toEqual({ answer: 'Magenta' });
  });

  it('a request without free text refuses words', () => {
    expect(answerFromChoice({ ...single, allows_text: false }, 'Magenta')).toEqual({ error: expect.stringMatching(/not one of the options/) });
  });
});

describe('parseAskUserQuestion', () => {
  it.each([
    ['the tool input', { questions: [COLOUR] }, 1],
    ['no questions', { questions: [] }, null],
    ['not the shape we know', { question: 'x' }, null],
    ['an option without a label', { questions: [{ question: 'q', options: [{ description: 'd' }] }] }, null],
  ])('%s', (_name, input, count) => {
    expect(parseAskUserQuestion(input)?.length ?? null).toBe(count);
  });
});

describe('questionRequest and answeredInput', () => {
  it('says which question of how many, and keeps the descriptions', () => {
    const r = questionRequest([COLOUR, FEATURES], 1, 'r3', 5);
    expect(r).toMatchObject({ kind: 'question', title: FEATURES.question, multi_select: true, allows_text: true, step: { header: 'Features', index: 1, count: 2 } });
    expect(r.options[2]).toEqual({ key: '3', label: 'Export', description: 'CSV and JSON' });
  });
  it('echoes the input with the answers keyed by question text', () => {
    expect(answeredInput({ questions: [COLOUR] }, { [COLOUR.question]: 'Teal' })).toEqual({ questions: [COLOUR], answers: { [COLOUR.question]: 'Teal' } });
  });
});
