import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireHomeLock, HomeLockedError, lockAddress } from '../../daemon/home-lock.js';

describe('lockAddress', () => {
  const long = `/Users/someone/Library/Application Support/${'x'.repeat(60)}/claude-session-manager`;
  it.each([
    ['linux: abstract, whatever the length', '/home/u/.local/share/claude-session-manager', 'linux', /^\0csm-daemon-[0-9a-f]{24}$/, false],
    ['linux, long home', long, 'linux', /^\0csm-daemon-[0-9a-f]{24}$/, false],
    ['macOS: a socket file in the home', '/Users/u/Library/Application Support/claude-session-manager', 'darwin', /^\/Users\/u\/Library\/Application Support\/claude-session-manager\/daemon\.sock$/, true],
    ['macOS, a home too long for sun_path: the temp dir', long, 'darwin', /^\/tmp\/csm-daemon-[0-9a-f]{24}\.sock$/, true],
  ] as const)('%s', (_name, home, platform, path, file) => {
    const a = lockAddress(home, platform, '/tmp');
    expect(a.path).toMatch(path);
    expect(a.file).toBe(file);
  });

  it('one home, one lock; two homes, two locks', () => {
    expect(lockAddress('/a', 'linux').path).toBe(lockAddress('/a', 'linux').path);
    expect(lockAddress('/a', 'linux').path).not.toBe(lockAddress('/b', 'linux').path);
  });
});

describe('acquireHomeLock (real sockets)', () => {
  it.each(['linux', 'darwin'] as const)('%s: the second taker is refused until the first releases; a stale socket file is taken over', async (platform) => {
    const home = mkdtempSync(join(tmpdir(), 'csm-lock-'));
    const first = await acquireHomeLock(home, platform);
    await expect(acquireHomeLock(home, platform)).rejects.toThrow(HomeLockedError);
    await expect(acquireHomeLock(home, platform)).rejects.toThrow(/already running on .*Stop it first/);
    await first.release();
    const second = await acquireHomeLock(home, platform);
    await second.release();
    if (platform === 'darwin') {
      // A daemon killed with SIGKILL leaves its socket file behind, with nobody listening.
      writeFileSync(lockAddress(home, platform).path, '');
      const third = await acquireHomeLock(home, platform);
      await third.release();
    }
  });
});
