import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/types.js';
import type { EventLog } from '../events/event-log.js';
import { parseBody } from '../http/validate.js';
import { idParams } from '../http/routes/sessions.js';
import { loadAssets } from './assets.js';
import { WebAuth, type WebSession } from './auth.js';
import { answerBody, commandBody, emptyBody, loginBody, newSessionBody } from './messages.js';
import { hostAllowed, originAllowed, type DashboardSite } from './origin.js';
import { handleSocket } from './hub.js';
import type { Logger } from '../logger.js';

export const COOKIE = 'csm_web';
const WEB: { channel: 'web' } = { channel: 'web' };

export interface WebDeps {
  commands: Commands;
  events: EventLog;
  auth: WebAuth;
  site: DashboardSite;
  log: Logger;
}

/** Security headers of every dashboard answer: nothing may frame it (a framed "take control" is a clickjack). */
const HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session of the request's cookie (set by the dashboard's guard). */
    webSession: WebSession | null;
  }
}

/** Paths the dashboard answers itself (its own guard), not the bearer-token API. */
export const isDashboardPath = (path: string): boolean => path === '/' || path === '/favicon.ico' || path === '/web' || path.startsWith('/web/');

/**
 * The dashboard: its page and assets, its JSON routes and its WebSocket, all under /web/. The API's rules
 * (bearer token, no Origin) do not apply here; instead every route checks the Host, an Origin that is the
 * dashboard's own, the session cookie, and on state changes and the upgrade the CSRF token as well.
 */
export function registerWebRoutes(app: FastifyInstance, d: WebDeps): void {
  const assets = loadAssets();
  app.decorateRequest('webSession', null);

  type Need = { state: boolean; login?: boolean };
  const guard = (need: Need) => async (req: FastifyRequest, reply: FastifyReply) => {
    for (const [k, v] of Object.entries(HEADERS)) reply.header(k, v);
    if (!hostAllowed(req.headers.host, d.site)) return refuse(reply, 403, 'The dashboard answers only on loopback or web.public_url (the Host header is neither).');
    if (!originAllowed(req.headers.origin, d.site, need.state)) return refuse(reply, 403, 'This request comes from a page that is not the dashboard (its Origin is not the dashboard\'s own); nothing was changed.');
    if (need.login) return;
    const session = d.auth.session(req.cookies[COOKIE]);
    if (!session) return refuse(reply, 401, 'Not logged in, or the login expired or was revoked: run `csm web` and open the link it prints.', 'unauthorized');
    const csrf = req.headers['x-csrf-token'] ?? (req.query as { csrf?: unknown } | undefined)?.csrf;
    if (need.state && !WebAuth.csrfMatches(session, typeof csrf === 'string' ? csrf : undefined)) {
      return refuse(reply, 403, 'Missing or wrong CSRF token (reload the page); nothing was changed.');
    }
    req.webSession = session;
  };
  const page = { onRequest: guard({ state: false, login: true }) };
  const read = { onRequest: guard({ state: false }) };
  const write = { onRequest: guard({ state: true }) };

  app.get('/', async (_req, reply) => reply.redirect('/web/'));
  app.get('/web', async (_req, reply) => reply.redirect('/web/'));
  app.get('/favicon.ico', page, async (_req, reply) => reply.code(204).send());
  for (const [path, asset] of assets) {
    app.get(path, page, async (_req, reply) => reply.type(asset.type).send(asset.body));
  }

  app.post('/web/api/login', page, async (req, reply) => {
    if (req.headers.origin === undefined) return refuse(reply, 403, 'A login must come from the dashboard page.');
    const { token } = parseBody(loginBody, req.body);
    const login = d.auth.exchange(token);
    if (!login) return refuse(reply, 401, 'This login link was used already or has expired: run `csm web` for a new one.', 'unauthorized');
    const secure = req.headers.origin.startsWith('https://');
    reply.setCookie(COOKIE, login.cookie, { path: '/web', httpOnly: true, sameSite: 'strict', secure, expires: new Date(login.expiresAt) });
    return { csrf: login.csrf, expires_at: login.expiresAt };
  });

  app.get('/web/api/me', read, async (req) => ({ csrf: req.webSession!.csrf, expires_at: req.webSession!.expiresAt, public_url: d.site.publicUrl ?? null }));

  app.post('/web/api/logout', write, async (req, reply) => {
    d.auth.logout(req.cookies[COOKIE]!);
    reply.clearCookie(COOKIE, { path: '/web' });
    return { logged_out: true };
  });

  app.get('/web/api/sessions', read, async () => ({ sessions: d.commands.list(), last_seq: d.events.lastSeq }));

  app.post('/web/api/session/new', write, async (req) => {
    const { cwd } = parseBody(newSessionBody, req.body);
    const s = await d.commands.newSession({ cwd }, WEB);
    return { session_id: s.id, session: s };
  });

  app.post('/web/api/session/:id/answer', write, async (req) => {
    const { id } = parseBody(idParams, req.params);
    return d.commands.answer(id, parseBody(answerBody, req.body), WEB);
  });

  app.post('/web/api/session/:id/command', write, async (req) => {
    const { id } = parseBody(idParams, req.params);
    const { command } = parseBody(commandBody, req.body);
    return d.commands.sendInput(id, `/${command}`, WEB);
  });

  app.post('/web/api/session/:id/kill', write, async (req) => {
    const { id } = parseBody(idParams, req.params);
    parseBody(emptyBody, req.body);
    await d.commands.kill(id, WEB);
    return { killed: id };
  });

  app.get('/web/api/session/:id/events', read, async (req) => {
    const { id } = parseBody(idParams, req.params);
    d.commands.get(id);
    return { events: d.events.after(0, id) };
  });

  // The upgrade itself is checked (Origin, cookie, CSRF in the query: a browser cannot set headers on it).
  app.get('/web/ws', { ...write, websocket: true }, (socket, req) => {
    handleSocket(socket, { commands: d.commands, events: d.events, auth: d.auth, log: d.log, origin: WEB, cookie: req.cookies[COOKIE]! });
  });
}

function refuse(reply: FastifyReply, status: number, error: string, code = 'forbidden'): FastifyReply {
  return reply.code(status).send({ error, code });
}
