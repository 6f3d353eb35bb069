import { describe, expect, it } from 'vitest';
import { WebAuth } from '../../../daemon/web/auth.js';
import { clientMessage } from '../../../daemon/web/messages.js';
import { hostAllowed, loginLink, originAllowed } from '../../../daemon/web/origin.js';
import { describeZod } from '../../../daemon/http/validate.js';
import { Store } from '../../../daemon/store/store.js';

describe('dashboard origin and host', () => {
  const site = { port: 8420 };
  const remote = { port: 8420, publicUrl: 'https://box.tail1234.ts.net' };
  it.each([
    [undefined, site, false, true],
    [undefined, site, true, false],
    ['http://127.0.0.1:8420', site, true, true],
    ['http://localhost:8420', site, true, true],
    ['http://[::1]:8420', site, true, true],
    ['http://127.0.0.1:8421', site, true, false],
    ['https://127.0.0.1:8420', site, true, false],
    ['https://evil.example', site, false, false],
    ['null', site, true, false],
    ['https://box.tail1234.ts.net', remote, true, true],
    ['https://box.tail1234.ts.net', site, true, false],
  ])('Origin %s (required: %s)', (origin, s, required, ok) => {
    expect(originAllowed(origin, s, required)).toBe(ok);
  });
  it.each([
    ['127.0.0.1:8420', site, true],
    ['localhost:8420', site, true],
    ['evil.example:8420', site, false],
    [undefined, site, false],
    ['box.tail1234.ts.net', remote, true],
    ['evil.example', { ...site, allowRemote: true }, true],
  ])('Host %s', (host, s, ok) => {
    expect(hostAllowed(host, s)).toBe(ok);
  });
  it('the login secret travels in the fragment', () => {
    expect(loginLink('http://127.0.0.1:8420', 'abc')).toBe('http://127.0.0.1:8420/web/#login=abc');
  });
});

describe('dashboard logins', () => {
  const make = (): { auth: WebAuth; clock: { t: number } } => {
    const clock = { t: 1_000_000 };
    return { auth: new WebAuth(new Store(':memory:'), { sessionMs: 60_000, linkMs: 10_000, now: () => clock.t }), clock };
  };

  it('a link works once; its session holds until it expires', () => {
    const { auth, clock } = make();
    const { token } = auth.issueLink();
    const login = auth.exchange(token)!;
    expect(login.expiresAt).toBe(clock.t + 60_000);
    expect(auth.exchange(token)).toBeNull();
    expect(auth.session(login.cookie)?.csrf).toBe(login.csrf);
    clock.t += 60_000;
    expect(auth.session(login.cookie)).toBeNull();
  });

  it('an expired link is refused; unknown cookies are no session', () => {
    const { auth, clock } = make();
    const { token } = auth.issueLink();
    clock.t += 10_000;
    expect(auth.exchange(token)).toBeNull();
    expect(auth.session('forged')).toBeNull();
    expect(auth.session(undefined)).toBeNull();
  });

  it('revoking ends every session and unused link, and tells the listeners', () => {
    const { auth } = make();
    const a = auth.exchange(auth.issueLink().token)!;
    const b = auth.exchange(auth.issueLink().token)!;
    const unused = auth.issueLink().token;
    let told = 0;
    auth.onRevoke(() => told++);
    expect(auth.revokeAll()).toBe(2);
    expect(told).toBe(1);
    expect(auth.session(a.cookie)).toBeNull();
    expect(auth.session(b.cookie)).toBeNull();
    expect(auth.exchange(unused)).toBeNull();
  });

  it('CSRF tokens compare exactly', () => {
    const s = { csrf: 'abc', expiresAt: 0 };
    expect(WebAuth.csrfMatches(s, 'abc')).toBe(true);
    expect(WebAuth.csrfMatches(s, 'abd')).toBe(false);
    expect(WebAuth.csrfMatches(s, 'ab')).toBe(false);
    expect(WebAuth.csrfMatches(s, undefined)).toBe(false);
  });

  it('keeps at most 20 unused links', () => {
    const { auth } = make();
    const first = auth.issueLink().token;
    for (let i = 0; i < 20; i++) auth.issueLink();
    expect(auth.exchange(first)).toBeNull();
  });
});

describe('dashboard socket messages', () => {
  it.each([
    [{ type: 'events', after: 3 }, null],
    [{ type: 'watch', session_id: 'a1b2', after: { epoch: 'e1', seq: 5 } }, null],
    [{ type: 'keys', session_id: 'a1b2', data: '\x1b[A' }, null],
    [{ type: 'control', session_id: 'a1b2', on: true, extra: 1 }, 'unknown field "extra"'],
    [{ type: 'keys', session_id: 'A1B2;', data: 'x' }, 'session_id'],
    [{ type: 'keys', session_id: 'a1b2', data: '' }, 'data'],
    [{ type: 'shell', cmd: 'rm -rf /' }, 'type'],
  ])('%j', (m, error) => {
    const r = clientMessage.safeParse(m);
    if (error === null) expect(r.success).toBe(true);
    else expect(r.success ? 'parsed' : describeZod(r.error)).toContain(error);
  });
});
