import { randomBytes } from 'node:crypto';
import { permissionChoice } from '../events/choices.js';
import type { Origin, PendingRequest, RequestOption } from '../events/types.js';
import type { ScreenState } from '../screen/types.js';
import type { AskedQuestion } from './questions.js';

/** What the PermissionRequest hook prints for Claude Code; null = no decision (the terminal dialog stays). */
export type HookDecision =
  | { behavior: 'allow'; updatedPermissions?: unknown[]; updatedInput?: Record<string, unknown> }
  | { behavior: 'deny'; message: string };

/** How an MCP ask_user call ends: the answer and the channel it came from, or why there is none. */
export type AskResult =
  | { answered: true; answer: string; channel: Origin['channel'] }
  | { answered: false; reason: string };

/** An AskUserQuestion call answered through its hook, one question at a time. */
export interface QuestionFlow {
  questions: AskedQuestion[];
  /** The tool input as Claude sent it: echoed back with the answers. */
  input: Record<string, unknown>;
  /** question text → answer, for the questions answered so far. */
  answers: Record<string, string>;
}

/**
 * How a pending request gets answered:
 * - hook: a PermissionRequest hook call is waiting for our HTTP response (with `questions`: an AskUserQuestion).
 * - screen: a dialog on the screen; answering means pressing keys.
 * - ask: an MCP ask_user call is waiting.
 */
export type PendingSource =
  | { type: 'hook'; suggestions: unknown[]; respond: (decision: HookDecision | null) => void; questions?: QuestionFlow }
  | { type: 'screen'; screen: DialogScreen | null }
  | { type: 'ask'; respond: (result: AskResult) => void };

export interface PendingEntry {
  request: PendingRequest;
  source: PendingSource;
}

/** The screens that are answered by choosing an option with keys. */
export type DialogScreen = Extract<ScreenState, { kind: 'permission' | 'trust' | 'dialog' | 'question' }>;

export const newRequestId = (): string => randomBytes(4).toString('hex');

export const PERMISSION_OPTIONS = (alwaysOffered: boolean): RequestOption[] => [
  { key: 'allow', label: 'Allow' },
  ...(alwaysOffered ? [{ key: 'allow_always', label: 'Always allow' }] : []),
  { key: 'deny', label: 'Deny' },
];

/** Dialog options from the screen, keyed by their printed number (or position when unnumbered). */
export function screenOptions(screen: DialogScreen): RequestOption[] {
  return screen.options.map((o, i) => ({ key: String(o.number ?? i + 1), label: o.label }));
}

/** A stable fingerprint of a dialog, to tell "the same dialog still shown" from "a new one". */
export function screenSignature(screen: ScreenState): string {
  switch (screen.kind) {
    case 'permission':
      return `permission|${screen.title}|${screen.detail}|${screen.options.map((o) => o.label).join('|')}`;
    case 'trust':
      return `trust|${screen.path}`;
    case 'dialog':
      return `dialog|${screen.question}|${screen.options.map((o) => o.label).join('|')}`;
    case 'question':
      return `question|${screen.question}|${screen.options.map((o) => `${o.label}${o.checked ? '+' : ''}`).join('|')}`;
    default:
      return screen.kind;
  }
}

/**
 * Which screen option a channel's choice means. Permission words map onto the dialog's own options by
 * their wording; anything else is an option number or label. Returns the option's index or an error.
 */
export function pickOption(options: { label: string; key: string }[], choice: string, kind: 'permission' | 'other'): number | string {
  const c = choice.trim().toLowerCase();
  // A digit is the dialog's own option number, never a permission word.
  const word = /^\d+$/.test(c) ? null : permissionChoice(c);
  if (kind === 'permission' && word) {
    const find = (pred: (label: string) => boolean): number => options.findIndex((o) => pred(o.label.toLowerCase()));
    if (word === 'allow') {
      const i = find((l) => l === 'yes' || (l.startsWith('yes') && !l.includes('always') && !l.includes("don't ask") && !l.includes('allow all')));
      if (i >= 0) return i;
    }
    if (word === 'allow_always') {
      const i = find((l) => l.startsWith('yes,') && (l.includes('always') || l.includes("don't ask") || l.includes('allow all')));
      if (i >= 0) return i;
      return 'This dialog offers no "always allow" option: choose allow or deny.';
    }
    if (word === 'deny') {
      const i = find((l) => l.startsWith('no'));
      if (i >= 0) return i;
    }
  }
  const byKey = options.findIndex((o) => o.key.toLowerCase() === c);
  if (byKey >= 0) return byKey;
  const byLabel = options.findIndex((o) => o.label.toLowerCase() === c);
  if (byLabel >= 0) return byLabel;
  const byPrefix = options.filter((o) => o.label.toLowerCase().startsWith(c));
  if (c.length >= 2 && byPrefix.length === 1) return options.indexOf(byPrefix[0]!);
  const list = options.map((o) => `${o.key} (${o.label})`).join(', ');
  return `"${choice}" is not one of the options: ${list}.`;
}

/** The updatedPermissions to echo for "always allow": the rule-like suggestions, not a mode switch. */
export function alwaysPermissions(suggestions: unknown[]): unknown[] {
  const rules = suggestions.filter((s) => !(s && typeof s === 'object' && (s as { type?: unknown }).type === 'setMode'));
  return rules.length > 0 ? rules.slice(0, 1) : suggestions.slice(0, 1);
}
