import { describe, expect, it } from 'vitest';
import { allowed, isAlwaysAllow, isUnder, keysMayAlwaysAllow, type Action, type ActionContext, type Role } from '../../../daemon/conversation/roles.js';
import { roleOf } from '../../../daemon/channels/telegram/team.js';

const roots = ['/work/projects'];

describe('allowed(role, action, context)', () => {
  // [role, action, context, allowed?, reason pattern when refused]
  const table: [Role, Action, ActionContext, boolean, RegExp?][] = [
    ['owner', 'new', { cwd: '/anywhere', roots: null }, true],
    ['owner', 'new', { cwd: '/work/projects/app', roots }, true],
    ['owner', 'new', { cwd: '/etc', roots }, false, /only under \/work\/projects/],
    ['owner', 'type', {}, true],
    ['owner', 'answer', {}, true],
    ['owner', 'always_allow', {}, true],
    ['owner', 'kill', { startedByThem: false }, true],
    ['owner', 'stream', {}, true],
    ['owner', 'screenshot', {}, true],
    ['operator', 'new', { cwd: '/work/projects/app', roots }, true],
    ['operator', 'new', { cwd: '/work/projects', roots }, true],
    ['operator', 'new', { cwd: '/work/projects-evil', roots }, false, /allowed_roots/],
    ['operator', 'new', { cwd: '/work/projects/../secrets', roots }, false, /allowed_roots/],
    ['operator', 'new', { cwd: '/anywhere', roots: null }, false, /none are set/],
    ['operator', 'type', {}, true],
    ['operator', 'answer', {}, true],
    ['operator', 'always_allow', {}, false, /Only an owner may choose "always allow"/],
    ['operator', 'clear', {}, true],
    ['operator', 'compact', {}, true],
    ['operator', 'kill', { startedByThem: true }, true],
    ['operator', 'kill', { startedByThem: false }, false, /only the sessions they started/],
    ['operator', 'kill', {}, false, /only the sessions they started/],
    ['operator', 'stream', {}, true],
    ['operator', 'screenshot', {}, true],
    ['viewer', 'new', { cwd: '/work/projects/app', roots }, false, /viewer.*starting sessions/],
    ['viewer', 'type', {}, false, /viewer.*typing into sessions/],
    ['viewer', 'answer', {}, false, /viewer.*answering requests/],
    ['viewer', 'always_allow', {}, false, /viewer/],
    ['viewer', 'clear', {}, false, /viewer/],
    ['viewer', 'compact', {}, false, /viewer/],
    ['viewer', 'kill', { startedByThem: true }, false, /viewer.*stopping sessions/],
    ['viewer', 'stream', {}, false, /viewer/],
    ['viewer', 'screenshot', {}, true],
  ];
  it.each(table)('%s %s %j → %s', (role, action, ctx, ok, reason) => {
    const v = allowed(role, action, ctx);
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.reason).toMatch(reason!);
    if (!v.ok) expect(v.reason).toMatch(/Nothing was/);
  });
});

describe('roleOf', () => {
  it.each([
    [{ users: [], allowed_user_ids: [] }, 7, 'owner'],
    [{ users: [], allowed_user_ids: [1] }, 1, 'owner'],
    [{ users: [], allowed_user_ids: [1] }, 7, null],
    [{ users: [{ id: 7, role: 'viewer' as const }], allowed_user_ids: [1] }, 7, 'viewer'],
    [{ users: [{ id: 7, role: 'viewer' as const }], allowed_user_ids: [1] }, 1, 'owner'],
    [{ users: [{ id: 7, role: 'operator' as const }], allowed_user_ids: [] }, 8, null],
    [{ users: [{ id: 7, role: 'operator' as const }], allowed_user_ids: [7] }, 7, 'operator'],
  ])('%j, user %i → %s', (cfg, id, role) => {
    expect(roleOf(cfg, id)).toBe(role);
  });
});

describe('isAlwaysAllow', () => {
  const dialog = [{ key: '1', label: 'Yes' }, { key: '2', label: "Yes, and don't ask again for npm commands" }, { key: '3', label: 'No' }];
  const perm = [{ key: 'allow', label: 'Allow' }, { key: 'allow_always', label: 'Always allow' }, { key: 'deny', label: 'Deny' }];
  it.each([
    ['allow_always', perm, true],
    ['always', perm, true],
    ['allow', perm, false],
    ['2', dialog, true],
    ['1', dialog, false],
    ["yes, and don't ask again for npm commands", dialog, true],
    ['Yes', dialog, false],
    ['some free text', dialog, false],
  ])('%j → %s', (choice, options, expected) => {
    expect(isAlwaysAllow(choice, options)).toBe(expected);
  });
});

describe('keysMayAlwaysAllow: a keypad on a screen that offers "always allow" is the owner\'s', () => {
  const trust = { kind: 'dialog' as const, detail: '', options: [{ key: '1', label: 'Yes' }, { key: '2', label: "Yes, and don't ask again for this folder" }, { key: '3', label: 'No' }] };
  const plain = { kind: 'dialog' as const, detail: '', options: [{ key: '1', label: 'Yes' }, { key: '2', label: 'No' }] };
  const unknown = (detail: string) => ({ kind: 'screen' as const, detail, options: [{ key: 'Enter', label: '⏎' }, { key: 'Down', label: '↓' }] });
  it.each([
    ['the plain yes of such a dialog', trust, ['1'], false],
    ['its "don\'t ask again"', trust, ['2'], true],
    ['its no', trust, ['3'], false],
    ['Escape', trust, ['Escape'], false],
    ['arrows and Enter: the cursor could land on it', trust, ['Down', 'Enter'], true],
    ['Enter alone: whatever is highlighted', trust, ['Enter'], true],
    ['any key on a dialog without such an option', plain, ['Down', 'Enter'], false],
    ['a screen nobody recognises that offers it in words', unknown("1. Allow once\n2. Always allow edits"), ['2'], true],
    ['Escape there', unknown('2. Always allow edits'), ['Escape'], false],
    ['a screen nobody recognises that does not', unknown('Where to deploy?\n> staging'), ['Enter'], false],
    ['no request at all', null, ['Enter'], false],
  ] as const)('%s', (_name, pending, keys, expected) => {
    expect(keysMayAlwaysAllow(pending, keys)).toBe(expected);
  });
});

describe('isUnder', () => {
  it.each([
    ['/a/b', '/a', true],
    ['/a', '/a', true],
    ['/a/', '/a', true],
    ['/ab', '/a', false],
    ['/a/../b', '/a', false],
    ['/', '/a', false],
  ])('%s under %s → %s', (path, root, expected) => {
    expect(isUnder(path, root)).toBe(expected);
  });
});
