import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localDate } from '../../daemon/inbox-name.js';
import { saveToInbox } from '../../daemon/sessions/inbox.js';

/** The session side of a received file, on a real file system: whatever the name, it lands in .csm/inbox/. */
const project = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'csm-inbox-'));
  const dir = join(root, 'a', 'project');
  mkdirSync(dir, { recursive: true });
  return dir;
};
const now = Date.now();
const day = localDate(now);

describe('saveToInbox', () => {
  it('hostile names all land inside .csm/inbox/, each under a new name, the bytes intact', async () => {
    const cwd = project();
    const hostile = ['../../x', '/etc/passwd', '..', '.bashrc', `${'long-name-'.repeat(60)}.txt`, 'Ünïcødé 日本語 🎉.pdf', 'a\u0000b', 'x/../../../y', '..\\..\\win.ini', '-rf'];
    const paths: string[] = [];
    for (const [i, name] of hostile.entries()) paths.push(await saveToInbox(cwd, { name, bytes: Buffer.from(`file ${i}`) }, now));
    const inbox = join(realpathSync(cwd), '.csm', 'inbox');
    for (const [i, p] of paths.entries()) {
      expect(p.startsWith('./.csm/inbox/')).toBe(true);
      const abs = resolve(cwd, p);
      expect(dirname(abs)).toBe(inbox);
      expect(readFileSync(abs, 'utf8')).toBe(`file ${i}`);
    }
    expect(new Set(paths).size).toBe(paths.length);
    expect(readdirSync(inbox).sort()).toHaveLength(hostile.length);
    expect(readdirSync(inbox).every((n) => n.startsWith(`${day}-`))).toBe(true);
    expect(paths[0]).toBe(`./.csm/inbox/${day}-1-x`);
    expect(paths[5]).toBe(`./.csm/inbox/${day}-6-Ünïcødé_日本語.pdf`);
    // Nothing was written next to the project or above it.
    expect(readdirSync(dirname(cwd))).toEqual(['project']);
    expect(readFileSync(join(cwd, '.csm', '.gitignore'), 'utf8')).toBe('*\n');
  });

  it('photos are numbered on from what the inbox holds; an existing file is never overwritten', async () => {
    const cwd = project();
    mkdirSync(join(cwd, '.csm', 'inbox'), { recursive: true });
    writeFileSync(join(cwd, '.csm', 'inbox', `${day}-1.jpg`), 'old');
    writeFileSync(join(cwd, '.csm', 'inbox', `${day}-4-notes.txt`), 'old');
    const p = await saveToInbox(cwd, { name: null, bytes: Buffer.from('new'), ext: 'jpg' }, now);
    expect(p).toBe(`./.csm/inbox/${day}-5.jpg`);
    expect(readFileSync(join(cwd, '.csm', 'inbox', `${day}-1.jpg`), 'utf8')).toBe('old');
  });

  it('refuses a .csm or inbox that is a symbolic link (it could point anywhere)', async () => {
    const cwd = project();
    const elsewhere = mkdtempSync(join(tmpdir(), 'csm-elsewhere-'));
    symlinkSync(elsewhere, join(cwd, '.csm'));
    await expect(saveToInbox(cwd, { name: 'a.txt', bytes: Buffer.from('x') }, now)).rejects.toThrow(/is a symbolic link, so csm does not save files there/);
    expect(readdirSync(elsewhere)).toEqual([]);

    const cwd2 = project();
    mkdirSync(join(cwd2, '.csm'));
    symlinkSync(elsewhere, join(cwd2, '.csm', 'inbox'));
    await expect(saveToInbox(cwd2, { name: 'a.txt', bytes: Buffer.from('x') }, now)).rejects.toThrow(/symbolic link/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a link planted under the next name is not followed', async () => {
    const cwd = project();
    mkdirSync(join(cwd, '.csm', 'inbox'), { recursive: true });
    const target = join(mkdtempSync(join(tmpdir(), 'csm-target-')), 'victim');
    symlinkSync(target, join(cwd, '.csm', 'inbox', `${day}-1.jpg`));
    const p = await saveToInbox(cwd, { name: null, bytes: Buffer.from('photo'), ext: 'jpg' }, now);
    expect(p).toBe(`./.csm/inbox/${day}-2.jpg`);
    expect(existsSync(target)).toBe(false);
    expect(lstatSync(join(cwd, '.csm', 'inbox', `${day}-1.jpg`)).isSymbolicLink()).toBe(true);
  });

  it('a folder that is gone is a clear error', async () => {
    await expect(saveToInbox('/nonexistent/csm/project', { name: 'a', bytes: Buffer.from('x') }, now)).rejects.toThrow(/folder \/nonexistent\/csm\/project is gone/);
  });
});
