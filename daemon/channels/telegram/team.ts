import { realpathSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import type { TelegramConfig } from '../../config/schema.js';
import type { Origin } from '../../events/types.js';
import { allowed, type Action, type Role, type Verdict } from '../../conversation/roles.js';
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

  /** `kill` without a session is asked before the session is known: may they stop any session at all (one they started). */
  check(origin: Origin, action: Action, o: { cwd?: string; session?: { id: string; started_at: number } } = {}): Verdict {
    const role = this.role(origin);
    if (role === null) return { ok: false, reason: 'You are not on this bot’s list of users.' };
    const starter = o.session ? this.#threads.starter(o.session.id) : null;
    const startedByThem = o.session ? starter !== null && starter.user === origin.user && starter.started_at === o.session.started_at : action === 'kill' ? true : undefined;
    return allowed(role, action, {
      roots: this.#roots,
      ...(o.cwd !== undefined ? { cwd: real(o.cwd) } : {}),
      ...(startedByThem !== undefined ? { startedByThem } : {}),
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

/** A person's role: telegram.users, else allowed_user_ids (owners), else, with neither set, everyone in the chat is an owner. null: a stranger. */
export function roleOf(cfg: Pick<TelegramConfig, 'users' | 'allowed_user_ids'>, userId: number): Role | null {
  const listed = cfg.users.find((u) => u.id === userId);
  if (listed) return listed.role;
  if (cfg.allowed_user_ids.includes(userId)) return 'owner';
  return cfg.users.length === 0 && cfg.allowed_user_ids.length === 0 ? 'owner' : null;
}
