import { SESSION_ID_SOURCE } from '../../session-id.js';
/**
 * Whether an incoming mail is a reply from the owner to one of our mails, and to which session. Pure: the
 * lookups into what we sent are passed in. A mail is typed into a session only when it passes both checks:
 * the sender is exactly the owner's address, and it carries a token we issued for that session.
 */

export interface IncomingMeta {
  /** Every address in From (parsed, not the raw header). */
  from: readonly string[];
  inReplyTo: string | null;
  references: readonly string[];
  subject: string;
  /** The whole text of the mail, quotes included: the footer we sent may be quoted there. */
  text: string;
}

export interface Lookups {
  /** Sessions of the given Message-IDs that we issued, most recently sent first. */
  sessionsOfMessageIds(ids: readonly string[]): string[];
  sessionOfToken(token: string): string | null;
}

export type Verdict = { ok: true; session: string; via: 'headers' | 'subject+token' } | { ok: false; reason: string };

export const SUBJECT_TAG = new RegExp(`\\[claude-(${SESSION_ID_SOURCE})\\]`, 'i');
/** How our Message-IDs and footer reference name a session and its token: csm.<session>.<token> */
const REF = new RegExp(`csm\\.(${SESSION_ID_SOURCE})\\.([0-9a-f]{24})`, 'gi');

export function footerRef(session: string, token: string): string {
  return `csm.${session}.${token}`;
}

/** All <...> message ids in header values, in order. */
export function messageIds(values: readonly (string | null | undefined)[]): string[] {
  return values.flatMap((v) => (v ?? '').match(/<[^<>\s]+>/g) ?? []);
}

/** The bare address of `Name <a@b>` or `a@b`, lower-cased: config values may carry a display name. */
export function bareAddress(a: string): string {
  return (/<([^<>]+)>\s*$/.exec(a)?.[1] ?? a).trim().toLowerCase();
}

export function sameAddress(a: string, b: string): boolean {
  return bareAddress(a) === bareAddress(b);
}

export function judgeReply(mail: IncomingMeta, owner: string, lookups: Lookups): Verdict {
  if (mail.from.length !== 1 || !sameAddress(mail.from[0]!, owner)) {
    return { ok: false, reason: `not from the owner (From: ${mail.from.join(', ') || 'none'})` };
  }
  const tagged = SUBJECT_TAG.exec(mail.subject)?.[1]?.toLowerCase() ?? null;

  const bySent = lookups.sessionsOfMessageIds(messageIds([mail.inReplyTo, ...mail.references]));
  if (bySent.length > 0) {
    // A reply can quote a thread that spans sessions (forwarded, merged): the subject tag decides, else the
    // mail of ours sent last.
    const session = tagged && bySent.includes(tagged) ? tagged : bySent[0]!;
    return { ok: true, session, via: 'headers' };
  }

  if (tagged) {
    for (const [, session, token] of mail.text.matchAll(REF)) {
      if (session!.toLowerCase() === tagged && lookups.sessionOfToken(token!) === tagged) return { ok: true, session: tagged, via: 'subject+token' };
    }
    return { ok: false, reason: `subject names session ${tagged} but the mail carries no token of that session` };
  }
  return { ok: false, reason: 'answers none of our mails (no known Message-ID in In-Reply-To/References, no subject tag)' };
}
