import WebSocket from 'ws';
import type { DaemonHandle } from './daemon.js';

export interface WebLogin {
  cookie: string;
  csrf: string;
  origin: string;
}

/** The login link `csm web --json` prints, as the owner would get it. */
export async function loginLink(d: DaemonHandle): Promise<string> {
  const r = await d.cli(['web', '--json']);
  if (r.exitCode !== 0) throw new Error(`csm web failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { url: string }).url;
}

export const linkToken = (url: string): string => new URL(url).hash.replace(/^#login=/, '');

/** Logs in the way the page does: the link's secret, POSTed from the dashboard's own origin. */
export async function webLogin(d: DaemonHandle): Promise<WebLogin> {
  const token = linkToken(await loginLink(d));
  const origin = d.url;
  const res = await fetch(`${d.url}/web/api/login`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  const { csrf } = (await res.json()) as { csrf: string };
  return { cookie, csrf, origin };
}

/** A dashboard request with whatever credentials a test wants to try. */
export async function webRequest(
  d: DaemonHandle,
  method: 'GET' | 'POST',
  path: string,
  o: { cookie?: string; csrf?: string; origin?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${d.url}${path}`, {
    method,
    headers: {
      ...(o.cookie ? { cookie: o.cookie } : {}),
      ...(o.csrf ? { 'x-csrf-token': o.csrf } : {}),
      ...(o.origin ? { origin: o.origin } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

/** Opens the dashboard's WebSocket; resolves with the socket once open, or with the HTTP status that refused it. */
export function openSocket(d: DaemonHandle, o: { cookie?: string; csrf?: string; origin?: string }): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] } | { refused: number }> {
  const url = `${d.url.replace('http', 'ws')}/web/ws${o.csrf ? `?csrf=${encodeURIComponent(o.csrf)}` : ''}`;
  const ws = new WebSocket(url, { headers: { ...(o.cookie ? { cookie: o.cookie } : {}) }, ...(o.origin ? { origin: o.origin } : {}) });
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (raw) => messages.push(JSON.parse(String(raw)) as Record<string, unknown>));
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ refused: -1 }));
  });
}
