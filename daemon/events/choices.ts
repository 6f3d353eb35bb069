/**
 * The one vocabulary for answering a permission request, whatever the channel: a tap sends the canonical
 * word, a person may type any of its synonyms. Pure.
 */
export type PermissionChoice = 'allow' | 'allow_always' | 'deny';

const WORDS: Record<string, PermissionChoice> = {
  allow: 'allow', yes: 'allow', y: 'allow', ok: 'allow', '1': 'allow',
  allow_always: 'allow_always', always: 'allow_always', 'always allow': 'allow_always',
  deny: 'deny', no: 'deny', n: 'deny',
};

/** The choice a word means ("Yes!", "always", "deny"), or null. Case and trailing punctuation do not matter. */
export function permissionChoice(word: string): PermissionChoice | null {
  return WORDS[word.trim().toLowerCase().replace(/[.!,:]+$/, '')] ?? null;
}

/** For error messages: what a person may answer. */
export const PERMISSION_WORDS = 'allow, always or deny';
