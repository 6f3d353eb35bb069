import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Team } from '../../../daemon/channels/telegram/team.js';
import { Threads } from '../../../daemon/channels/telegram/threads.js';
import { Store } from '../../../daemon/store/store.js';

describe('Team', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'csm-team-')));
  const root = join(dir, 'projects');
  mkdirSync(join(root, 'app'), { recursive: true });
  mkdirSync(join(dir, 'secrets'));
  symlinkSync(join(dir, 'secrets'), join(root, 'escape'));
  symlinkSync(root, join(dir, 'link-to-projects'));
  const threads = new Threads(new Store(join(dir, 'db.sqlite')), 1);
  const team = new Team({ users: [{ id: 2, name: 'Bob', role: 'operator' }], allowed_user_ids: [1] }, [root], threads);
  const bob = { channel: 'telegram' as const, user: '2' };

  it.each([
    [join(root, 'app'), true],
    [join(root, 'not-yet-made', 'deeper'), true],
    [join(root, 'escape'), false],
    [join(root, 'escape', 'inner'), false],
    [join(dir, 'link-to-projects', 'app'), true],
    [join(dir, 'secrets'), false],
  ])('/new %s by an operator → %s (symbolic links followed)', (cwd, ok) => {
    expect(team.check(bob, 'new', { cwd }).ok).toBe(ok);
  });

  it('an operator may stop the session they started, not one with the same id started later or by someone else', () => {
    threads.setStarter('a1b2', '2', 1000);
    expect(team.check(bob, 'kill', { session: { id: 'a1b2', started_at: 1000 } }).ok).toBe(true);
    expect(team.check(bob, 'kill', { session: { id: 'a1b2', started_at: 2000 } }).ok).toBe(false);
    threads.setStarter('c3d4', '1', 1000);
    expect(team.check(bob, 'kill', { session: { id: 'c3d4', started_at: 1000 } }).ok).toBe(false);
    expect(team.check({ channel: 'telegram', user: '1' }, 'kill', { session: { id: 'c3d4', started_at: 1000 } }).ok).toBe(true);
  });

  it('roles and names come from the config; others are strangers', () => {
    expect(team.role({ channel: 'telegram', user: '1' })).toBe('owner');
    expect(team.role(bob)).toBe('operator');
    expect(team.role({ channel: 'telegram', user: '9' })).toBeNull();
    expect(team.name(2)).toBe('Bob');
    expect(team.name(1)).toBeNull();
  });
});
