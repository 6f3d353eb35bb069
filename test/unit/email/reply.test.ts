import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { judgeReply, messageIds, type Lookups } from '../../../daemon/channels/email/accept.js';
import { replyText } from '../../../daemon/channels/email/reply-text.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/mail', name));

describe('replyText: what the owner wrote, without quotes or signature', () => {
  it.each([
    ['gmail.eml', 'Use SQLite, and keep the "$(schema)" file as it is.'],
    ['apple-mail-iphone.eml', 'Yes, run the migration now — then the tests.'],
    ['outlook.eml', 'Please retry with --verbose\nand paste the log.'],
    ['html-only.eml', 'deny use git clean instead'],
  ])('%s', async (file, expected) => {
    const mail = await simpleParser(fixture(file));
    expect(replyText(mail.text ?? '')).toBe(expected);
  });

  it.each([
    ['plain text stays whole, multi-line', 'line one\n\nline three with > inside', 'line one\n\nline three with > inside'],
    ['">" quoted history goes', 'ok\n\n> old\n> older', 'ok'],
    ['our footer quoted without ">" goes, with its rule', 'go on\n\n---\nReply to this email to send input to session a1b2.\n(csm.a1b2.x)', 'go on'],
    // email-reply-parser's rule (mail clients' "-- " convention): what follows a dash line is a signature.
    ['a dash line starts a signature', 'first\n---\nJane Doe\nACME Corp', 'first'],
    ['a text that is only quotes is empty', '> quoted only', ''],
    ['CRLF line ends', 'a\r\nb\r\n\r\n> q', 'a\nb'],
  ])('%s', (_name, input, expected) => {
    expect(replyText(input)).toBe(expected);
  });
});

describe('judgeReply: only the owner, only answers to our mails', () => {
  const ours = new Map([
    ['<csm.a1b2.0123456789abcdef01234567.aaaaaa@example.com>', 'a1b2'],
    ['<csm.c3d4.fedcba9876543210fedcba98.bbbbbb@example.com>', 'c3d4'],
  ]);
  const lookups: Lookups = {
    sessionsOfMessageIds: (ids) => [...new Set(ids.map((i) => ours.get(i)).filter((s): s is string => !!s))].reverse(),
    sessionOfToken: (t) => ({ '0123456789abcdef01234567': 'a1b2', fedcba9876543210fedcba98: 'c3d4', '00112233445566778899aabb': 'a1b2c' })[t] ?? null,
  };
  const owner = 'owner@example.com';
  const base = { from: [owner], inReplyTo: null, references: [], subject: 'Re: hello', text: 'yes' };
  const A = '<csm.a1b2.0123456789abcdef01234567.aaaaaa@example.com>';
  const C = '<csm.c3d4.fedcba9876543210fedcba98.bbbbbb@example.com>';

  it.each([
    ['In-Reply-To one of ours', { inReplyTo: A }, { ok: true, session: 'a1b2', via: 'headers' }],
    ['References only, address in other case', { from: ['Owner@Example.COM'], references: [A] }, { ok: true, session: 'a1b2' }],
    ['both sessions referenced: the subject tag decides', { references: [A, C], subject: 'Re: [claude-a1b2] x' }, { ok: true, session: 'a1b2' }],
    ['both sessions referenced, no tag: the one sent last', { references: [A, C] }, { ok: true, session: 'c3d4' }],
    ['headers lost, subject tag + quoted token', { subject: 'Re: [claude-a1b2] Idle', text: 'yes\n> (csm.a1b2.0123456789abcdef01234567)' }, { ok: true, session: 'a1b2', via: 'subject+token' }],
    ['a longer id (ids lengthen as they are used up): subject tag + token', { subject: 'Re: [claude-a1b2c] Idle', text: 'yes\n> (csm.a1b2c.00112233445566778899aabb)' }, { ok: true, session: 'a1b2c', via: 'subject+token' }],
  ])('accepts: %s', (_n, over, expected) => {
    expect(judgeReply({ ...base, ...over }, owner, lookups)).toMatchObject(expected);
  });

  it.each([
    ['another sender', { from: ['mallory@example.com'], inReplyTo: A }, /not from the owner/],
    ['the owner address as a substring', { from: ['owner@example.com.evil.test'], inReplyTo: A }, /not from the owner/],
    ['the owner address as a display-name trick', { from: ['evil@attacker.test'], inReplyTo: A }, /not from the owner/],
    ['two senders', { from: [owner, 'mallory@example.com'], inReplyTo: A }, /not from the owner/],
    ['no sender', { from: [], inReplyTo: A }, /not from the owner/],
    ['answers nothing of ours', { inReplyTo: '<someone-else@example.com>' }, /answers none/],
    ['subject tag without a token', { subject: '[claude-a1b2] hi' }, /no token/],
    ['subject tag with another session\'s token', { subject: '[claude-a1b2] hi', text: 'csm.c3d4.fedcba9876543210fedcba98' }, /no token/],
    ['subject tag with a made-up token', { subject: '[claude-a1b2] hi', text: 'csm.a1b2.aaaaaaaaaaaaaaaaaaaaaaaa' }, /no token/],
  ])('refuses: %s', (_n, over, reason) => {
    const v = judgeReply({ ...base, ...over }, owner, lookups);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(reason);
  });

  it('the configured owner may carry a display name', () => {
    expect(judgeReply({ ...base, inReplyTo: A }, 'The Owner <Owner@example.com>', lookups)).toMatchObject({ ok: true, session: 'a1b2' });
  });

  it('messageIds reads every <id> of header values', () => {
    expect(messageIds(['<a@x> <b@y>', null, '<c@z>'])).toEqual(['<a@x>', '<b@y>', '<c@z>']);
  });
});
