import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CommandError } from '../errors.js';
import { inboxFileName, localDate, nextInboxSeq } from '../inbox-name.js';

export const INBOX_DIR = join('.csm', 'inbox');

export interface InboxFile {
  /** The sender's file name (sanitised here), or null for a photo, which has none. */
  name: string | null;
  bytes: Uint8Array;
  /** The extension when the name gives none (`jpg` for photos). */
  ext?: string;
}

/**
 * Writes a file a person sent into `<cwd>/.csm/inbox/` under a new name, and returns its path relative to
 * `cwd` (`./.csm/inbox/2026-12-01-1.jpg`). The folder must be the session's own: `.csm` or `inbox` being
 * a symlink (which could point anywhere) is refused, and the file is created exclusively, never following
 * a link, so nothing outside the inbox is ever written or overwritten.
 */
export async function saveToInbox(cwd: string, file: InboxFile, now: number): Promise<string> {
  const root = await realpath(cwd).catch(() => {
    throw new CommandError('conflict', `The session's folder ${cwd} is gone, so the file was not saved.`);
  });
  const csm = join(root, '.csm');
  const inbox = join(root, INBOX_DIR);
  await ownDir(csm);
  // Keeps received files out of the project's commits.
  await writeFile(join(csm, '.gitignore'), '*\n', { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await ownDir(inbox);
  const date = localDate(now);
  let seq = nextInboxSeq(date, await readdir(inbox));
  for (let attempt = 0; attempt < 1000; attempt++, seq++) {
    const name = inboxFileName(date, seq, file.name, file.ext);
    const path = join(inbox, name);
    // The name is one path component by construction; this guards the construction.
    if (relative(inbox, path).includes(sep)) throw new Error(`inbox name escapes its folder: ${name}`);
    let handle;
    try {
      handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      await handle.writeFile(file.bytes);
    } finally {
      await handle.close();
    }
    return `./${INBOX_DIR}/${name}`.split(sep).join('/');
  }
  throw new CommandError('unavailable', `Could not find a free name in ${inbox}: clean it up and send the file again.`);
}

/** Creates `dir` if needed; refuses a symlink or a non-directory in its place. */
async function ownDir(dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const st = await lstat(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new CommandError('conflict', `${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}, so csm does not save files there: remove it and send the file again.`);
  }
}
