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
