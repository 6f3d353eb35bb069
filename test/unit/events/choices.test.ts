import { describe, expect, it } from 'vitest';
import { permissionChoice } from '../../../daemon/events/choices.js';

describe('permissionChoice: one vocabulary for every channel', () => {
  it.each([
    ['allow', 'allow'], ['Yes!', 'allow'], ['y', 'allow'], ['OK', 'allow'], ['1', 'allow'],
    ['always', 'allow_always'], ['allow_always', 'allow_always'], ['Always allow.', 'allow_always'],
    ['deny', 'deny'], ['No,', 'deny'], ['n', 'deny'],
    ['maybe', null], ['', null], ['2', null], ['allow me', null],
  ] as const)('%j → %j', (word, choice) => {
    expect(permissionChoice(word)).toBe(choice);
  });
});
