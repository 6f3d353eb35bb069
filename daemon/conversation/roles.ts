import { isAbsolute, relative, resolve } from 'node:path';
import { permissionChoice } from '../events/choices.js';
import type { PendingRequest } from '../events/types.js';

/**
 * Team mode: who may do what, whatever the channel. Pure: the incoming router asks before calling a command,
 * and a refusal is a sentence that says why and who can help. Which person has which role is the channel's
 * (telegram.users: see telegram/team.ts).
 */
export type Role = 'owner' | 'operator' | 'viewer';

/** What a person can ask for. Reading (/list, /status, /output, /screenshot, the screen) is never refused. */
export type Action =
  | 'new' // /new <folder>
  | 'type' // text typed into a session (also photos, files and voice notes)
  | 'answer' // a request's buttons, a reply to it, the keypad
  | 'always_allow' // "always allow" on a permission request
  | 'clear' // /clear
  | 'compact' // /compact
  | 'kill' // /kill, the Stop button
  | 'stream' // /stream on|off|… for a session
  | 'screenshot';

export interface ActionContext {
  /** For new: the folder, resolved (symlinks followed where it exists). */
  cwd?: string;
  /** sessions.allowed_roots, resolved; null = unset. */
  roots?: readonly string[] | null;
  /** For kill: whether this person started the session (from this chat). */
  startedByThem?: boolean;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };
const no = (reason: string): Verdict => ({ ok: false, reason });

export function allowed(role: Role, action: Action, ctx: ActionContext = {}): Verdict {
  if (action === 'screenshot') return OK;
  if (role === 'viewer') return no(`You are a viewer here: you see everything, but ${VERB[action]} is for operators and owners. Nothing was done; ask an owner if you need more.`);
  if (action === 'new') {
    const roots = ctx.roots ?? null;
    if (roots === null) return role === 'owner' ? OK : no('Operators may start sessions only under sessions.allowed_roots, and none are set: ask an owner to start it or to set them. Nothing was started.');
    if (ctx.cwd !== undefined && roots.some((r) => isUnder(ctx.cwd!, r))) return OK;
    return no(`Sessions may be started only under ${roots.join(', ')} (sessions.allowed_roots). Nothing was started.`);
  }
  if (role === 'owner') return OK;
  if (action === 'always_allow') return no('Only an owner may choose "always allow" (it lasts beyond this one request): choose Allow, or ask an owner. Nothing was answered.');
  if (action === 'kill' && ctx.startedByThem !== true) return no('Operators may stop only the sessions they started from here: ask an owner to stop this one. Nothing was stopped.');
  return OK;
}

const VERB: Record<Exclude<Action, 'screenshot'>, string> = {
  new: 'starting sessions',
  type: 'typing into sessions',
  answer: 'answering requests',
  always_allow: 'answering requests',
  clear: 'clearing a conversation',
  compact: 'compacting a conversation',
  kill: 'stopping sessions',
  stream: 'changing live output',
};

/** Whether `path` is `root` or inside it (both absolute; `..` cannot leave it). */
export function isUnder(path: string, root: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}


/** Whether a choice on a request means "always allow": the word, or a dialog option worded so ("Yes, and don't ask again"). */
export function isAlwaysAllow(choice: string, options: readonly { key: string; label: string }[]): boolean {
  if (!/^\d+$/.test(choice.trim()) && permissionChoice(choice) === 'allow_always') return true;
  const c = choice.trim().toLowerCase();
  const option = options.find((o) => o.key.toLowerCase() === c || o.label.toLowerCase() === c);
  const l = option?.label.toLowerCase() ?? '';
  return option !== undefined && (option.key === 'allow_always' || (l.startsWith('yes') && (l.includes('always') || l.includes("don't ask") || l.includes('allow all'))));
}

const ALWAYS_WORDS = /don[’']t ask again|always allow|allow all/i;

/**
 * Whether pressing `keys` in a session could choose "always allow" for it: its waiting dialog offers such an
 * option (or a screen nobody recognises says so), and the keys are not plainly another option. On such a
 * screen the keypad is the owner's, except Escape and `n` and the digits of the other options: a cursor
 * moved with the arrows and Enter could land anywhere. An operator answers with the buttons instead.
 */
export function keysMayAlwaysAllow(pending: Pick<PendingRequest, 'kind' | 'options' | 'detail'> | null, keys: readonly string[]): boolean {
  if (!pending) return false;
  const known = pending.kind === 'screen' ? [] : pending.options;
  const always = known.filter((o) => isAlwaysAllow(o.key, known));
  if (always.length === 0 && !(pending.kind === 'screen' && ALWAYS_WORDS.test(pending.detail))) return false;
  const harmless = (k: string): boolean => k === 'Escape' || k === 'n' || (/^\d$/.test(k) && known.some((o) => o.key === k) && !always.some((o) => o.key === k));
  return !keys.every(harmless);
}
