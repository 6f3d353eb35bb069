/**
 * What the chaos run sent, and the check of what arrived. Every reply and notification carries a marker of
 * fixed width (`tg-00012`, `N-00007`), so one never matches inside another.
 */

export type ReplyVia = 'telegram' | 'email' | 'perm';

export interface ReplyEntry {
  marker: string;
  session: string;
  via: ReplyVia;
  /** Exactly the line the stand-in must have recorded. */
  text: string;
}

export interface NotifyEntry {
  marker: string;
  channel: 'telegram' | 'email';
  /** The daemon answered 202: it must arrive exactly once. Otherwise the request died with the daemon: at most once. */
  accepted: boolean;
  /** The session whose thread it goes to, if any. */
  session?: string;
}

export interface PermEntry {
  marker: string;
  session: string;
  /** The buttons tapped (a request lost to a kill is asked again, and tapped again). */
  taps: ('allow' | 'deny')[];
}

/** What the harness saw at the end: every stand-in's record file, and everything the bot and the SMTP sink received. */
export interface Observed {
  /** session id → the lines its stand-in recorded. */
  records: Map<string, string[]>;
  /** The text of every bot message in the chat. */
  botTexts: string[];
  /** The text body of every mail the daemon sent. */
  mailBodies: string[];
}

export interface Verdict {
  duplicates: string[];
  lost: string[];
  misrouted: string[];
  /** Lines no one sent, or a sent text recorded altered. */
  unexpected: string[];
  /** Notifications whose request died with the daemon and that arrived (allowed, at most once). */
  ambiguousDelivered: number;
}

export class Ledger {
  readonly replies: ReplyEntry[] = [];
  readonly notifies: NotifyEntry[] = [];
  readonly perms: PermEntry[] = [];
  #seq = 0;

  marker(prefix: string): string {
    return `${prefix}-${String(++this.#seq).padStart(5, '0')}`;
  }

  reply(entry: ReplyEntry): void {
    this.replies.push(entry);
  }

  /** Replies to `session` not yet in its record file. */
  outstanding(session: string, records: Map<string, string[]>): ReplyEntry[] {
    const lines = new Set(records.get(session) ?? []);
    return this.replies.filter((r) => r.session === session && !lines.has(r.text));
  }
}

const count = (haystacks: readonly string[], needle: string): number =>
  haystacks.reduce((n, h) => n + (h.split(needle).length - 1), 0);

/** Every reply exactly once in its own session; every accepted notification exactly once; the rest at most once. */
export function verify(ledger: Ledger, seen: Observed): Verdict {
  const v: Verdict = { duplicates: [], lost: [], misrouted: [], unexpected: [], ambiguousDelivered: 0 };
  const expected = new Map<string, Set<string>>();
  const want = (session: string, line: string): void => {
    const set = expected.get(session) ?? new Set<string>();
    set.add(line);
    expected.set(session, set);
  };
  for (const r of ledger.replies) {
    want(r.session, r.text);
    const own = (seen.records.get(r.session) ?? []).filter((l) => l === r.text).length;
    if (own > 1) v.duplicates.push(`${r.marker} (${r.via}) typed ${own} times into ${r.session}`);
    if (own === 0) v.lost.push(`${r.marker} (${r.via}) never typed into ${r.session}: ${JSON.stringify(r.text)}`);
    for (const [other, lines] of seen.records) {
      if (other !== r.session && lines.some((l) => l.includes(r.marker))) v.misrouted.push(`${r.marker} (${r.via}) typed into ${other}, sent to ${r.session}`);
    }
  }
  for (const p of ledger.perms) {
    const decided = (seen.records.get(p.session) ?? []).filter((l) => l.startsWith(`PERM ${p.marker} `));
    for (const line of decided) want(p.session, line);
    if (decided.length > 1) v.duplicates.push(`permission ${p.marker} decided ${decided.length} times: ${decided.join(' | ')}`);
    if (decided.length === 0) v.lost.push(`permission ${p.marker} of ${p.session} never decided (taps: ${p.taps.join(',') || 'none'})`);
    const behavior = decided[0]?.split(' ')[2];
    if (behavior && !p.taps.includes(behavior as 'allow' | 'deny')) v.unexpected.push(`permission ${p.marker} decided ${behavior}, tapped ${p.taps.join(',')}`);
  }
  for (const [session, lines] of seen.records) {
    const ok = expected.get(session) ?? new Set<string>();
    for (const line of lines) if (!ok.has(line)) v.unexpected.push(`${session} recorded ${JSON.stringify(line)}`);
  }
  for (const n of ledger.notifies) {
    const got = count(n.channel === 'telegram' ? seen.botTexts : seen.mailBodies, n.marker);
    if (got > 1) v.duplicates.push(`notification ${n.marker} (${n.channel}) delivered ${got} times`);
    else if (got === 0 && n.accepted) v.lost.push(`notification ${n.marker} (${n.channel}) accepted with 202, never delivered`);
    else if (got === 1 && !n.accepted) v.ambiguousDelivered++;
  }
  return v;
}
