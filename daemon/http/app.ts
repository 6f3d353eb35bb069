import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Commands } from '../commands/types.js';
import { CommandError, httpStatusOf } from '../errors.js';
import { describeZod, parseBody } from './validate.js';
import type { HookIntake } from '../sessions/hook-intake.js';
import { authenticate, isLoopbackHost, sessionScopeRefusal, type Principal } from './security.js';
import type { Logger } from '../logger.js';
import { registerHookRoute } from './routes/hook.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerNotifyRoutes } from './routes/notify.js';
import { registerEventRoutes } from './routes/events.js';
import { registerPruneRoute } from './routes/prune.js';
import type { SweepReport } from '../sessions/retention.js';
import { registerAuditRoutes } from './routes/audit.js';
import type { AuditEntry, AuditQuery } from '../store/audit.js';
import type { EventLog } from '../events/event-log.js';
import type { ChannelHealth } from '../channels/channel.js';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import type { WebAuth } from '../web/auth.js';
import type { DashboardSite } from '../web/origin.js';
import { isDashboardPath, registerWebRoutes } from '../web/routes.js';
import { loginLink } from '../web/origin.js';

export interface AppDeps {
  commands: Commands;
  hooks: HookIntake;
  events: EventLog;
  /** The owner's token, and the file it is in (named in the warning about refused hooks). */
  token: string;
  tokenFile: string;
  /** The session whose own credential a token is, or null. */
  sessionOfCredential: (token: string) => string | null;
  version: string;
  /** Channels that deliver notifications, for /health. */
  channels: () => string[];
  /** Each channel's state, for GET /channels. */
  channelHealth: () => (ChannelHealth & { name: string })[];
  logger?: boolean | object;
  /** server.allow_remote: other machines may call (with the token), so a non-loopback Host is no longer refused. */
  allowRemote?: boolean;
  /** Where unexpected errors are reported (fastify's own logger is usually off). */
  log: Logger;
  /** The audit log behind GET /audit. */
  audit?: (q: AuditQuery) => AuditEntry[];
  /** The web dashboard (web.enabled): its logins, its site, and the address its links start with. */
  web?: { auth: WebAuth; site: DashboardSite; baseUrl: string };
  /** A retention sweep now (POST /prune); absent: no such endpoint. */
  prune?: (olderThanDays?: number) => Promise<SweepReport>;
}

/** Builds the fastify app; main.ts listens. Errors leave as `{error, code}` with a sentence saying what to do. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: 1024 * 1024, forceCloseConnections: true });
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (req, reply) => {
    // The dashboard has its own guard (cookie, Origin, CSRF: daemon/web/routes.ts); the API keeps its rules.
    if (deps.web && isDashboardPath(req.url.split('?')[0]!)) return;
    if (!deps.allowRemote && !isLoopbackHost(req.headers.host)) {
      return reply.code(403).send({ error: 'Only local programs may use this API (the Host header is not loopback).', code: 'forbidden' });
    }
    if (req.headers.origin !== undefined) {
      return reply.code(403).send({ error: 'Requests from web pages are refused (an Origin header was sent).', code: 'forbidden' });
    }
    // The path, not the url: "/health?x=1" is still the open health check.
    if (req.url.split('?')[0] === '/health') return;
    const principal = authenticate(req.headers.authorization, deps.token, deps.sessionOfCredential);
    if (!principal) {
      if (req.url.split('?')[0] === '/hook') refusedHook(req);
      return reply.code(401).send({ error: 'Missing or wrong token: send "Authorization: Bearer <token>" with the token from $CSM_HOME/token.', code: 'unauthorized' });
    }
    req.principal = principal;
  });

  // After body parsing: a session's credential is checked against the session the request names.
  app.addHook('preHandler', async (req, reply) => {
    const p = req.principal;
    if (!p || p.kind === 'owner') return;
    const params = req.params as { id?: unknown } | undefined;
    const body = req.body as { session_id?: unknown } | undefined;
    const refusal = sessionScopeRefusal(p.id, {
      method: req.method,
      url: req.routeOptions.url ?? req.url.split('?')[0]!,
      id: typeof params?.id === 'string' ? params.id : undefined,
      notifySession: typeof body?.session_id === 'string' ? body.session_id : undefined,
    });
    if (refusal) return reply.code(403).send({ error: refusal, code: 'forbidden' });
  });

  // A hook refused for its token means a session whose permission requests never reach the owner. The hook
  // script stays silent (it must never fail Claude), so the daemon says it, once per session.
  const refusedLogged = new Set<string>();
  const refusedHook = (req: FastifyRequest): void => {
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return (Array.isArray(v) ? v[0] : v) || undefined;
    };
    const session = header('x-csm-session');
    const pane = header('x-csm-pane');
    const key = session ?? pane ?? 'unknown';
    // Bounded: a local program sending made-up headers must not grow this forever.
    if (refusedLogged.has(key) || refusedLogged.size >= 100) return;
    refusedLogged.add(key);
    deps.log.warn(
      { session, pane, token_file: deps.tokenFile },
      `refused a Claude Code hook with a wrong token${session ? ` from session ${session}` : pane ? ` from tmux pane ${pane}` : ''}: its permission requests and events do not reach you. It was probably started before ${deps.tokenFile} was replaced; restart that Claude Code session (\`csm new <folder>\`), or put the old token back in ${deps.tokenFile} and restart the daemon. Hand-started sessions read the file on every hook: check that CSM_TOKEN is not set in their environment.`,
    );
  };

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof CommandError) return reply.code(httpStatusOf[err.code]).send({ error: err.message, code: err.code });
    if (err instanceof z.ZodError) return reply.code(400).send({ error: describeZod(err), code: 'bad_request' });
    const e = err as { statusCode?: number; message?: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ error: e.message ?? 'Bad request.', code: 'bad_request' });
    }
    deps.log.error({ err, url: _req.url }, 'request failed');
    return reply.code(500).send({ error: 'Internal error in the csm daemon; see its log.', code: 'internal' });
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `No endpoint ${req.method} ${req.url.split('?')[0]}.`, code: 'not_found' }));

  app.get('/health', async () => ({ ok: true, version: deps.version, channels: deps.channels() }));
  app.get('/channels', async () => ({ channels: deps.channelHealth() }));
  registerSessionRoutes(app, deps.commands);
  registerHookRoute(app, deps.hooks);
  registerNotifyRoutes(app, deps.commands, deps.channels);
  registerEventRoutes(app, deps.events);
  if (deps.audit) registerAuditRoutes(app, deps.audit);
  const web = deps.web;
  if (web) {
    // Owner-only API calls behind `csm web` (a session's token is refused: sessionScopeRefusal lists neither).
    app.post('/dashboard/login-link', async (req) => {
      parseBody(z.strictObject({}), req.body);
      const { token, expiresAt } = web.auth.issueLink();
      return { url: loginLink(web.baseUrl, token), expires_at: expiresAt };
    });
    app.post('/dashboard/revoke', async (req) => {
      parseBody(z.strictObject({}), req.body);
      return { revoked: web.auth.revokeAll() };
    });
    app.register(async (scope) => {
      await scope.register(fastifyCookie);
      await scope.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });
      registerWebRoutes(scope, { commands: deps.commands, events: deps.events, auth: web.auth, site: web.site, log: deps.log });
    });
  } else {
    const off = async (): Promise<never> => {
      throw new CommandError('unavailable', 'The web dashboard is off (web.enabled: false in the config): set it to true and restart the daemon.');
    };
    app.post('/dashboard/login-link', off);
    app.post('/dashboard/revoke', off);
  }
  if (deps.prune) registerPruneRoute(app, deps.prune);
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every request but /health (null there). */
    principal: Principal | null;
  }
}

export type Req = FastifyRequest;
export type Rep = FastifyReply;
