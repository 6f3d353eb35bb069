import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseSince, SINCE_HINT } from '../../commands/audit-since.js';
import type { AuditEntry, AuditQuery } from '../../store/audit.js';
import { SESSION_ID_HINT, SESSION_ID_RE } from '../../session-id.js';
import { parseBody } from '../validate.js';

export const AUDIT_LIMIT_DEFAULT = 100;

/** The query string of GET /audit, strict: a misspelt field is refused by name. */
export function auditQuerySchema(now: () => number): z.ZodType<AuditQuery> {
  return z
    .strictObject({
      session: z.string().regex(SESSION_ID_RE, SESSION_ID_HINT).optional(),
      since: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(AUDIT_LIMIT_DEFAULT),
    })
    .transform((q, ctx): AuditQuery => {
      const since = q.since === undefined ? undefined : parseSince(q.since, now());
      if (since === null) {
        ctx.addIssue({ code: 'custom', path: ['since'], message: `"${q.since}" is not a time: ${SINCE_HINT}` });
        return z.NEVER;
      }
      return { limit: q.limit, ...(q.session ? { session: q.session } : {}), ...(since !== undefined ? { since } : {}) };
    });
}

/** Owner only: a session's own token is refused by the auth hook (sessionScopeRefusal lists no /audit). */
export function registerAuditRoutes(app: FastifyInstance, audit: (q: AuditQuery) => AuditEntry[], now: () => number = Date.now): void {
  const schema = auditQuerySchema(now);
  app.get('/audit', async (req) => {
    const q = parseBody(schema, req.query);
    return { entries: audit(q).map((e) => ({ ...e, at: new Date(e.at).toISOString() })) };
  });
}
