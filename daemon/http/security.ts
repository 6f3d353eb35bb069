import { timingSafeEqual } from 'node:crypto';

/**
 * The local API types into terminals, so it must be reachable by nothing but local programs holding the
 * token. A browser page can reach 127.0.0.1 too (DNS rebinding, form posts): it always sends Origin, or a
 * Host that is not loopback, so both are refused.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.split(':')[0]!;
  return LOOPBACK_HOSTS.has(host.toLowerCase());
}

export function tokenMatches(authorization: string | undefined, token: string): boolean {
  if (!authorization?.startsWith('Bearer ')) return false;
  const given = Buffer.from(authorization.slice(7).trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Who a request acts for: the owner (the token file: CLI, scripts, hand-started sessions) or one session. */
export type Principal = { kind: 'owner' } | { kind: 'session'; id: string };

/**
 * The owner's token, else a session's own credential (`sessionOf` looks it up), else null (401).
 * The owner's token wins: a session adopted through `csm setup` sends it and is trusted as before.
 */
export function authenticate(authorization: string | undefined, ownerToken: string, sessionOf: (token: string) => string | null): Principal | null {
  if (tokenMatches(authorization, ownerToken)) return { kind: 'owner' };
  if (!authorization?.startsWith('Bearer ')) return null;
  const id = sessionOf(authorization.slice(7).trim());
  return id === null ? null : { kind: 'session', id };
}

/**
 * What a session's credential may do: send its own hooks, say its MCP server is connected, ask the owner and
 * notify them, and read its own state: all for itself only. Everything else (other sessions, new sessions,
 * the list, input, answers, kill, the event stream) needs the owner's token. Answers and input are refused
 * for its own session too: a session approving its own permission requests would defeat asking.
 * Returns null when allowed, else the sentence of the 403.
 */
export function sessionScopeRefusal(own: string, route: { method: string; url: string; id?: string | undefined; notifySession?: string | undefined }): string | null {
  const key = `${route.method} ${route.url}`;
  const perSession = ['POST /session/:id/mcp-ready', 'POST /session/:id/ask', 'GET /session/:id'];
  if (key === 'POST /hook') return null;
  if (key === 'POST /notify') {
    if (route.notifySession === undefined || route.notifySession.toLowerCase() === own) return null;
    return otherSession(own, route.notifySession);
  }
  if (perSession.includes(key)) {
    if (route.id?.toLowerCase() === own) return null;
    return otherSession(own, route.id ?? '?');
  }
  return `A session's own token (this one is session ${own}'s) may only send its hooks, ask_user and notify; ${route.method} ${route.url} needs the owner's token from $CSM_HOME/token.`;
}

function otherSession(own: string, other: string): string {
  return `This token belongs to session ${own} and may act only on it, not on session ${other}: use the owner's token from $CSM_HOME/token for other sessions.`;
}
