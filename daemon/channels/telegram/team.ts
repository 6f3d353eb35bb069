import { realpathSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import type { TelegramConfig } from '../../config/schema.js';
import type { Origin } from '../../events/types.js';
import { allowed, roleOf, type Action, type Role, type Verdict } from './roles.js';
import type { Threads } from './threads.js';

/** The roles of the people in the chat, applied to their origins; the only I/O is resolving folders. */
export class Team {
  readonly #cfg: Pick<TelegramConfig, 'users' | 'allowed_user_ids'>;
  readonly #roots: string[] | null;
  readonly #threads: Threads;

  constructor(cfg: Pick<TelegramConfig, 'users' | 'allowed_user_ids'>, roots: readonly string[] | undefined, threads: Threads) {
    this.#cfg = cfg;
    this.#roots = roots ? roots.map(real) : null;
    this.#threads = threads;
  }

  role(origin: Origin): Role | null {
    const id = Number(origin.user);
    return Number.isInteger(id) ? roleOf(this.#cfg, id) : null;
  }

  /** The configured name of a user, if any. */
  name(userId: number): string | null {
    return this.#cfg.users.find((u) => u.id === userId)?.name ?? null;
  }

  check(origin: Origin, action: Action, o: { cwd?: string; session?: { id: string; started_at: number } } = {}): Verdict {
    const role = this.role(origin);
    if (role === null) return { ok: false, reason: 'You are not on this bot’s list of users.' };
    const starter = o.session ? this.#threads.starter(o.session.id) : null;
    return allowed(role, action, {
      roots: this.#roots,
      ...(o.cwd !== undefined ? { cwd: real(o.cwd) } : {}),
      ...(o.session ? { startedByThem: starter !== null && starter.user === origin.user && starter.started_at === o.session.started_at } : {}),
    });
  }
}

/** The folder with symlinks followed, so a link under an allowed root cannot point outside it; a folder not yet there by its parent's. */
function real(path: string): string {
  const p = resolve(path);
  try {
    return realpathSync(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(real(parent), basename(p));
  }
}
