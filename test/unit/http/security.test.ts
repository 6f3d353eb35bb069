import { describe, expect, it } from 'vitest';
import { authenticate, isLoopbackHost, sessionScopeRefusal, tokenMatches } from '../../../daemon/http/security.js';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1:8420', true],
    ['localhost:8420', true],
    ['LOCALHOST', true],
    ['[::1]:8420', true],
    ['evil.example:8420', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.evil.example:8420', false],
    [undefined, false],
  ])('%s → %s', (host, ok) => expect(isLoopbackHost(host)).toBe(ok));
});

describe('tokenMatches', () => {
  it.each([
    ['Bearer secret-token', true],
    ['Bearer secret-tokenX', false],
    ['bearer secret-token', false],
    ['secret-token', false],
    [undefined, false],
  ])('%s → %s', (header, ok) => expect(tokenMatches(header, 'secret-token')).toBe(ok));
});

describe('authenticate: the owner token, else a session credential', () => {
  const owner = 'o'.repeat(64);
  const sessionOf = (t: string): string | null => (t === 'c'.repeat(64) ? 'a1b2' : null);
  it.each([
    [`Bearer ${owner}`, { kind: 'owner' }],
    [`Bearer ${'c'.repeat(64)}`, { kind: 'session', id: 'a1b2' }],
    [`Bearer ${'x'.repeat(64)}`, null],
    ['Bearer ', null],
    [undefined, null],
    ['c'.repeat(64), null],
  ])('%s → %j', (header, want) => expect(authenticate(header, owner, sessionOf)).toEqual(want));
});

describe('sessionScopeRefusal: a session acts only on itself, and only through hooks, ask and notify', () => {
  const other = /^This token belongs to session a1b2 and may act only on it, not on session c3d4/;
  const owners = /^A session's own token \(this one is session a1b2's\) may only send its hooks, ask_user and notify; .* needs the owner's token from \$CSM_HOME\/token\.$/;
  it.each([
    [{ method: 'POST', url: '/hook' }, null],
    [{ method: 'POST', url: '/session/:id/ask', id: 'a1b2' }, null],
    [{ method: 'POST', url: '/session/:id/ask', id: 'A1B2' }, null],
    [{ method: 'POST', url: '/session/:id/mcp-ready', id: 'a1b2' }, null],
    [{ method: 'GET', url: '/session/:id', id: 'a1b2' }, null],
    [{ method: 'POST', url: '/notify' }, null],
    [{ method: 'POST', url: '/notify', notifySession: 'a1b2' }, null],
    [{ method: 'POST', url: '/notify', notifySession: 'c3d4' }, other],
    [{ method: 'POST', url: '/session/:id/ask', id: 'c3d4' }, other],
    [{ method: 'GET', url: '/session/:id/screenshot.png', id: 'a1b2' }, owners],
    [{ method: 'POST', url: '/session/:id/mcp-ready', id: 'c3d4' }, other],
    [{ method: 'GET', url: '/session/:id', id: 'c3d4' }, other],
    [{ method: 'POST', url: '/session/:id/answer', id: 'c3d4' }, owners],
    [{ method: 'POST', url: '/session/:id/answer', id: 'a1b2' }, owners],
    [{ method: 'POST', url: '/session/:id/input', id: 'a1b2' }, owners],
    [{ method: 'POST', url: '/session/:id/kill', id: 'c3d4' }, owners],
    [{ method: 'GET', url: '/session/:id/output', id: 'a1b2' }, owners],
    [{ method: 'POST', url: '/session/new' }, owners],
    [{ method: 'GET', url: '/sessions' }, owners],
    [{ method: 'GET', url: '/events' }, owners],
    [{ method: 'GET', url: '/channels' }, owners],
  ])('%j', (route, want) => {
    const got = sessionScopeRefusal('a1b2', route);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });
});
