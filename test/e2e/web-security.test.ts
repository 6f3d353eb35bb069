import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import { linkToken, loginLink, openSocket, webLogin, webRequest, type WebLogin } from '../helpers/web.js';

const RECORDER = join(import.meta.dirname, '../fixtures/bin/record-input');
const EVIL = 'https://evil.example';

/**
 * The dashboard's guard, over plain HTTP and WebSocket against the real daemon and real tmux, with a recorder
 * standing in for Claude Code: every refused request leaves the pane untouched (the recorder's file), and a
 * request with everything right reaches it (so the refusals are not just a broken route).
 */
describe('web dashboard security', () => {
  let d: DaemonHandle;
  let out: string;
  let id: string;
  let login: WebLogin;

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'csm-websec-'));
    out = join(work, 'typed.txt');
    d = await startDaemon({ claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: out } });
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
    id = r.body.session_id;
    login = await webLogin(d);
  });
  afterAll(async () => d?.cleanup());

  const typed = (): string => (existsSync(out) ? readFileSync(out, 'utf8') : '');

  it('the page and its assets load without a login; the data needs the cookie', async () => {
    const page = await fetch(`${d.url}/web/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('/web/vendor/xterm.js');
    expect((await fetch(`${d.url}/web/vendor/xterm.js`)).status).toBe(200);
    expect((await webRequest(d, 'GET', '/web/api/sessions')).status).toBe(401);
    const ok = await webRequest(d, 'GET', '/web/api/sessions', { cookie: login.cookie });
    expect(ok.status).toBe(200);
    expect((ok.body.sessions as { id: string }[]).map((s) => s.id)).toContain(id);
  });

  it('the cookie is HttpOnly, SameSite=Strict and expiring; a link works once', async () => {
    const url = await loginLink(d);
    expect(url).toMatch(new RegExp(`^${d.url}/web/#login=`));
    const first = await fetch(`${d.url}/web/api/login`, { method: 'POST', headers: { origin: d.url, 'content-type': 'application/json' }, body: JSON.stringify({ token: linkToken(url) }) });
    expect(first.status).toBe(200);
    const cookie = first.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Expires=/);
    const again = await webRequest(d, 'POST', '/web/api/login', { origin: d.url, body: { token: linkToken(url) } });
    expect(again.status).toBe(401);
    expect(again.body.error).toMatch(/used already or has expired/);
    // A login from a foreign page, with a fresh link, is refused too (and uses nothing up).
    const fresh = linkToken(await loginLink(d));
    expect((await webRequest(d, 'POST', '/web/api/login', { origin: EVIL, body: { token: fresh } })).status).toBe(403);
  });

  it('refuses state changes from a foreign Origin, without Origin, without the cookie or the CSRF token; nothing reaches the pane', async () => {
    const body = { command: 'clear' };
    const path = `/web/api/session/${id}/command`;
    const tries = [
      { name: 'foreign origin', o: { cookie: login.cookie, csrf: login.csrf, origin: EVIL }, status: 403 },
      { name: 'no origin', o: { cookie: login.cookie, csrf: login.csrf }, status: 403 },
      { name: 'no cookie', o: { csrf: login.csrf, origin: login.origin }, status: 401 },
      { name: 'wrong cookie', o: { cookie: 'csm_web=forged', csrf: login.csrf, origin: login.origin }, status: 401 },
      { name: 'no csrf', o: { cookie: login.cookie, origin: login.origin }, status: 403 },
      { name: 'wrong csrf', o: { cookie: login.cookie, csrf: 'x'.repeat(43), origin: login.origin }, status: 403 },
      { name: 'bearer token instead', o: { origin: login.origin }, status: 401 },
    ];
    for (const t of tries) {
      const r = await webRequest(d, 'POST', path, { ...t.o, body });
      expect(r.status, t.name).toBe(t.status);
    }
    const kill = await webRequest(d, 'POST', `/web/api/session/${id}/kill`, { cookie: login.cookie, origin: EVIL, csrf: login.csrf, body: {} });
    expect(kill.status).toBe(403);
    // A DNS-rebound page: the browser sends the attacker's name as Host (fetch may not set Host, so raw HTTP).
    const rebound = await new Promise<number>((resolve, reject) => {
      const port = Number(new URL(d.url).port);
      const req = request({ host: '127.0.0.1', port, path: `/web/api/session/${id}/command`, method: 'POST', headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, cookie: login.cookie, 'x-csrf-token': login.csrf, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
    expect(rebound).toBe(403);
    await delay(300);
    expect(typed()).toBe('');
    expect((await d.api<{ status: string }>('GET', `/session/${id}`)).body.status).not.toBe('dead');
  });

  it('bodies and socket messages are strict: an unknown field is refused by name', async () => {
    const r = await webRequest(d, 'POST', `/web/api/session/${id}/command`, { ...login, body: { command: 'clear', extra: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/unknown field "extra"/);
    const s = await openSocket(d, login);
    if ('refused' in s) throw new Error(`socket refused: ${s.refused}`);
    s.ws.send(JSON.stringify({ type: 'control', session_id: id, on: true, sneaky: 1 }));
    await waitFor(() => s.messages.find((m) => m.type === 'error'), { message: 'an error message' });
    expect(s.messages.find((m) => m.type === 'error')!.message).toMatch(/unknown field "sneaky"/);
    s.ws.close();
  });

  it('refuses the WebSocket upgrade from a foreign Origin, without the cookie or the CSRF token', async () => {
    expect(await openSocket(d, { ...login, origin: EVIL })).toEqual({ refused: 403 });
    expect(await openSocket(d, { cookie: login.cookie, origin: login.origin })).toEqual({ refused: 403 });
    expect(await openSocket(d, { csrf: login.csrf, origin: login.origin })).toEqual({ refused: 401 });
    expect(await openSocket(d, { cookie: login.cookie, csrf: login.csrf })).toEqual({ refused: 403 });
  });

  it('keys reach the pane only after "take control"; then they do, exactly', async () => {
    const s = await openSocket(d, login);
    if ('refused' in s) throw new Error(`socket refused: ${s.refused}`);
    s.ws.send(JSON.stringify({ type: 'keys', session_id: id, data: 'sneaky\r' }));
    await waitFor(() => s.messages.find((m) => m.type === 'error'), { message: 'a refusal' });
    expect(s.messages.find((m) => m.type === 'error')!.message).toMatch(/Take control/);
    s.ws.send(JSON.stringify({ type: 'control', session_id: id, on: true }));
    s.ws.send(JSON.stringify({ type: 'keys', session_id: id, data: 'hello; $(x)\r' }));
    await waitFor(() => typed() === 'hello; $(x)\n', { message: 'the keys in the pane' });
    s.ws.close();
  });

  it('the bearer-token API is unchanged: Origin still refused there, the token still works', async () => {
    expect((await fetch(`${d.url}/sessions`, { headers: { authorization: `Bearer ${d.token}`, origin: d.url } })).status).toBe(403);
    expect((await fetch(`${d.url}/sessions`, { headers: { cookie: login.cookie } })).status).toBe(401);
    expect((await d.api('GET', '/sessions')).status).toBe(200);
    // The login link is the owner's: the dashboard's cookie does not get one.
    expect((await webRequest(d, 'POST', '/dashboard/login-link', { ...login, body: {} })).status).toBe(403);
    expect((await webRequest(d, 'POST', '/dashboard/login-link', { cookie: login.cookie, body: {} })).status).toBe(401);
  });

  it('csm web --revoke logs out every browser and closes their sockets', async () => {
    const other = await webLogin(d);
    const s = await openSocket(d, other);
    if ('refused' in s) throw new Error(`socket refused: ${s.refused}`);
    const closed = new Promise<number>((resolve) => s.ws.once('close', (code) => resolve(code)));
    const r = await d.cli(['web', '--revoke']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Logged out \d+ browsers/);
    expect(await closed).toBe(4001);
    for (const l of [login, other]) {
      expect((await webRequest(d, 'GET', '/web/api/sessions', { cookie: l.cookie })).status).toBe(401);
      expect((await webRequest(d, 'POST', `/web/api/session/${id}/command`, { ...l, body: { command: 'clear' } })).status).toBe(401);
    }
    expect(await openSocket(d, login)).toEqual({ refused: 401 });
  });
});

describe('web dashboard: an expired login', () => {
  let d: DaemonHandle;
  let out: string;
  afterAll(async () => d?.cleanup());

  it('changes nothing once the cookie has expired', async () => {
    const work = mkdtempSync(join(tmpdir(), 'csm-webexp-'));
    out = join(work, 'typed.txt');
    // 0.0005 h = 1.8 s.
    d = await startDaemon({ claudeBin: RECORDER, claudeEnv: { CSM_TEST_OUT: out }, config: { web: { session_hours: 0.0005 } } });
    const id = (await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work })).body.session_id;
    const login = await webLogin(d);
    expect((await webRequest(d, 'GET', '/web/api/me', { cookie: login.cookie })).status).toBe(200);
    await waitFor(async () => (await webRequest(d, 'GET', '/web/api/me', { cookie: login.cookie })).status === 401, { timeoutMs: 10_000, message: 'the login to expire' });
    expect((await webRequest(d, 'POST', `/web/api/session/${id}/command`, { ...login, body: { command: 'clear' } })).status).toBe(401);
    expect(await openSocket(d, login)).toEqual({ refused: 401 });
    await delay(300);
    expect(existsSync(out) ? readFileSync(out, 'utf8') : '').toBe('');
  });
});
