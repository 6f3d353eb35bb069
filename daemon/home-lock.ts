import { createHash } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Another daemon already runs on this CSM_HOME (its database, token and sessions). */
export class HomeLockedError extends Error {
  override readonly name = 'HomeLockedError';
}

export interface HomeLock {
  /** Where the lock lives, for messages. */
  readonly where: string;
  release(): Promise<void>;
}

/**
 * Where the lock of `home` lives. On Linux an abstract socket: the kernel frees it when the process dies,
 * so a crash never leaves a stale lock and no file is involved. Elsewhere a socket file, in `home` when
 * the path fits in sun_path (about 104 bytes on macOS), else in the temp dir under a hash of `home`.
 */
export function lockAddress(home: string, platform: NodeJS.Platform, tmp = tmpdir()): { path: string; file: boolean } {
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 24);
  if (platform === 'linux') return { path: `\0csm-daemon-${hash}`, file: false };
  const inHome = join(home, 'daemon.sock');
  return { path: Buffer.byteLength(inHome) < 100 ? inHome : join(tmp, `csm-daemon-${hash}.sock`), file: true };
}

/**
 * One daemon per CSM_HOME: taken before the database is opened, so a second `csm serve` touches nothing
 * (no liveness check, no outbox, no Telegram polling) before it gives up. The lock is a listening socket,
 * held as long as the process lives.
 */
export async function acquireHomeLock(home: string, platform: NodeJS.Platform): Promise<HomeLock> {
  const { path, file } = lockAddress(home, platform);
  const where = file ? path : `an abstract socket for ${home}`;
  const locked = (): HomeLockedError =>
    new HomeLockedError(`Another csm daemon is already running on ${home}${file ? ` (it holds ${path})` : ''}. Stop it first (\`csm doctor\` shows it), or give this one its own CSM_HOME.`);
  for (let attempt = 0; attempt < 2; attempt++) {
    const server = createServer((socket) => socket.end());
    const err = await listen(server, path);
    if (!err) {
      server.unref();
      return { where, release: () => close(server, file ? path : null) };
    }
    if (err.code !== 'EADDRINUSE' || !file) throw err.code === 'EADDRINUSE' ? locked() : err;
    if (await answers(path)) throw locked();
    // A socket file left by a daemon that died: nobody listens on it any more.
    try {
      unlinkSync(path);
    } catch {
      // already gone: fine
    }
  }
  throw locked();
}

function listen(server: Server, path: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(path, () => resolve(null));
  });
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function close(server: Server, file: string | null): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      if (file) {
        try {
          unlinkSync(file);
        } catch {
          // Node may have removed it already
        }
      }
      resolve();
    });
  });
}
