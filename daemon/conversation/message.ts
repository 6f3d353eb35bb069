import type { PendingRequest } from '../events/types.js';

/**
 * The neutral message: what the core says to a person about a session, before any channel decides how it
 * looks. Composed once from the events (compose.ts); Telegram renders it as HTML with buttons, email as a
 * mail, each in its own module. Plain JSON, so a channel may persist it.
 */

/** Inline text: plain, or marked. */
export type Span = string | { strong: string } | { code: string } | { em: string } | { link: string; href: string };

/** A piece of a message's body, in order. */
export type Part =
  /** Prose (Claude's words, a note): may be split between lines and reflowed. */
  | { text: string }
  /** A short rich line that stays in one piece (one line of a summary). */
  | { line: Span[] }
  /** Monospaced and never reflowed: a command, the lines of a dialog. */
  | { code: string }
  /** What changes in a file: shown as `- old` / `+ new`, at most `maxLines` a side (conversation/text.ts). */
  | { diff: { before: string; after: string; maxLines?: number } }
  /** The last lines of the session's screen; a channel with little room shows the end of them. */
  | { screen: string };

/** What a message is about: a channel may treat some apart (a session's first message opens its thread). */
export type MessageKind = 'started' | 'request' | 'decision' | 'finished' | 'error' | 'notify' | 'idle' | 'ended' | 'burst' | 'reminder';

export interface Message {
  kind: MessageKind;
  /** The session it belongs to (its thread), or null: a message about several sessions or none. */
  session: string | null;
  /** What it is in one line of plain text: a mail's subject, a notification's title. */
  title: string;
  /** The first line as shown: an icon, the session, what happened. */
  headline: Span[];
  body: Part[];
  /** The request it asks a person to answer: its options are buttons, or a list to reply to. */
  request?: PendingRequest;
  /** The session whose screen goes with it: attached as an image, or a button that shows it. */
  screen?: string;
  /** A session waits on it: it overtakes what is queued. */
  urgent: boolean;
  /** Where the body is too long to read as messages, it goes as a file of this name. */
  file?: string;
  /** Names the message for a later edit in place; the channel keeps the ref it got for it. */
  key?: string;
  /** A decision: the request it decided (its message, named by `key`, is edited to say so). */
  decides?: string;
  /** A session's first message: it opens the session's thread (`adopted`: a session found running, whose thread may exist). */
  opens?: { cwd: string; adopted: boolean };
}

/** The text of spans, unmarked: for a subject, a caption, a channel without formatting. */
export function plain(spans: readonly Span[]): string {
  return spans.map((s) => (typeof s === 'string' ? s : 'strong' in s ? s.strong : 'code' in s ? s.code : 'em' in s ? s.em : s.link)).join('');
}

export const strong = (s: string): Span => ({ strong: s });
export const code = (s: string): Span => ({ code: s });
