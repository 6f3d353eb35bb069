import { describe, expect, it } from 'vitest';
import { KEY_NAMES, keyName, parseKeys, tmuxKey } from '../../../daemon/events/keys.js';

describe('key names', () => {
  it.each([
    ['Enter', 'Enter'], ['esc', 'Escape'], ['↑', 'Up'], ['return', 'Enter'], ['shift-tab', 'BTab'], ['Y', 'y'], ['3', '3'], ['PageDown', 'PageDown'],
    ['C-c', null], ['Enter;', null], ['run-shell', null], ['', null], ['q', null], ['M-x', null],
  ])('%j → %j', (name, key) => {
    expect(keyName(name)).toBe(key);
  });

  it('every allowed name maps to a plain tmux key name, never a chord or a separator', () => {
    for (const k of KEY_NAMES) expect(tmuxKey(k)).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(KEY_NAMES).size).toBe(KEY_NAMES.length);
  });

  it('parseKeys names the first unknown key and lists the allowed ones, in order', () => {
    expect(parseKeys(['Down', 'Enter'])).toEqual({ keys: ['Down', 'Enter'] });
    const bad = parseKeys(['Down', 'C-d']);
    expect(bad).toEqual({ error: expect.stringMatching(/^"C-d" is not a key csm can press\. Keys: Enter, Escape, Up, Down/) });
    expect(parseKeys([])).toEqual({ error: expect.stringMatching(/No keys given/) });
    expect(parseKeys(Array(33).fill('Down'))).toEqual({ error: expect.stringMatching(/33 keys at once; the limit is 32/) });
  });
});
