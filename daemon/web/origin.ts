import { isLoopbackHost } from '../http/security.js';

/**
 * Pure: which browser origins the dashboard belongs to, and which Host headers reach it. A page from any
 * other origin must change nothing: its requests carry its own Origin (browsers always send one on a POST
 * and on a WebSocket upgrade), and a DNS-rebound page carries a Host that is neither loopback nor ours.
 */
export interface DashboardSite {
  port: number;
  /** web.public_url, without a trailing slash. */
  publicUrl?: string | undefined;
  /** server.allow_remote: any Host is let through (the cookie and Origin still guard). */
  allowRemote?: boolean;
}

export function dashboardOrigins(site: DashboardSite): Set<string> {
  const origins = new Set(['127.0.0.1', 'localhost', '[::1]'].map((h) => `http://${h}:${site.port}`));
  if (site.publicUrl) origins.add(new URL(site.publicUrl).origin);
  return origins;
}

export function hostAllowed(hostHeader: string | undefined, site: DashboardSite): boolean {
  if (site.allowRemote || isLoopbackHost(hostHeader)) return true;
  if (!site.publicUrl || !hostHeader) return false;
  return hostHeader.toLowerCase() === new URL(site.publicUrl).host.toLowerCase();
}

/** `required`: a POST or an upgrade, where a missing Origin is refused too (every browser sends one there). */
export function originAllowed(origin: string | undefined, site: DashboardSite, required: boolean): boolean {
  if (origin === undefined) return !required;
  return dashboardOrigins(site).has(origin.toLowerCase());
}

/** The login link printed by `csm web`: the secret sits in the fragment, so it never reaches a log. */
export function loginLink(base: string, token: string): string {
  return `${base}/web/#login=${token}`;
}
