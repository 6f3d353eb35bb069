import type { FastifyInstance } from 'fastify';
import { hookOriginFromHeaders, hookPayloadSchema } from '../../hook-endpoint/payloads.js';
import type { HookIntake } from '../../sessions/hook-intake.js';
import { parseBody } from '../validate.js';
import { idParams, noFields } from './sessions.js';

/**
 * POST /hook: one Claude Code hook event, forwarded by hooks/csm-hook.sh. Answers 204 (the script prints
 * nothing) except for a PermissionRequest that got a decision, which is printed for Claude Code as-is.
 */
export function registerHookRoute(app: FastifyInstance, hooks: HookIntake): void {
  app.post('/hook', async (req, reply) => {
    const payload = parseBody(hookPayloadSchema, req.body);
    const claimed = hookOriginFromHeaders(req.headers);
    const p = req.principal;
    // A session's own credential says which session it is; the headers cannot make it another one, and it
    // adopts no pane. The owner's token (hooks installed by `csm setup`) is trusted with its headers.
    if (p?.kind === 'session' && claimed.sessionId !== null && claimed.sessionId !== p.id) {
      return reply.code(403).send({ error: `This token belongs to session ${p.id}, not ${claimed.sessionId}: a session's hooks may only report for itself.`, code: 'forbidden' });
    }
    const origin = p?.kind === 'session' ? { sessionId: p.id, paneId: null, tmuxSocket: null, bound: true } : claimed;
    // curl gives up (timeout) or Claude kills the hook: stop waiting for a decision nobody will read.
    const aborted = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) aborted.abort();
    });
    const answer = await hooks.handle(payload, origin, aborted.signal);
    if (!answer) return reply.code(204).send();
    return reply.code(200).send(answer);
  });

  // The MCP server in a session we started says Claude Code initialized it: its tools are there now.
  app.post('/session/:id/mcp-ready', async (req, reply) => {
    const { id } = parseBody(idParams, req.params);
    parseBody(noFields, req.body);
    hooks.mcpReady(id.toLowerCase());
    return reply.code(200).send({ ok: true });
  });
}
