import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Commands } from '../../commands/types.js';
import { MAX_KEYS } from '../../events/keys.js';
import { parseBody } from '../validate.js';
import { SESSION_ID_HINT, SESSION_ID_RE } from '../../session-id.js';

const API: { channel: 'api' } = { channel: 'api' };
/** Bodies and query strings are strict: a misspelt field is refused by name instead of silently ignored. */
export const noFields = z.strictObject({});
export const idParams = z.object({ id: z.string().regex(SESSION_ID_RE, SESSION_ID_HINT) });

export function registerSessionRoutes(app: FastifyInstance, commands: Commands): void {
  app.post('/session/new', async (req) => {
    const body = parseBody(z.strictObject({ cwd: z.string().min(1), args: z.array(z.string()).optional() }), req.body);
    const s = await commands.newSession({ cwd: body.cwd, ...(body.args ? { args: body.args } : {}) }, API);
    return { session_id: s.id, session: s };
  });

  app.get('/sessions', async (req) => {
    parseBody(noFields, req.query);
    return { sessions: commands.list() };
  });

  app.get('/session/:id', async (req) => {
    parseBody(noFields, req.query);
    return commands.get(parseBody(idParams, req.params).id);
  });

  app.get('/session/:id/output', async (req) => {
    const { id } = parseBody(idParams, req.params);
    const q = parseBody(z.strictObject({ lines: z.coerce.number().int().min(1).max(2000).optional() }), req.query);
    return { session_id: id, output: await commands.output(id, q.lines ?? 50) };
  });

  app.get('/session/:id/screenshot.png', async (req, reply) => {
    const { id } = parseBody(idParams, req.params);
    parseBody(noFields, req.query);
    const image = await commands.screenshot(id, API);
    return reply.type('image/png').header('cache-control', 'no-store').send(image.png);
  });

  app.post('/session/:id/input', async (req) => {
    const { id } = parseBody(idParams, req.params);
    const body = parseBody(z.strictObject({ text: z.string() }), req.body);
    return commands.sendInput(id, body.text, API);
  });

  app.post('/session/:id/answer', async (req) => {
    const { id } = parseBody(idParams, req.params);
    const body = parseBody(z.strictObject({ request_id: z.string().optional(), choice: z.string(), message: z.string().optional() }), req.body);
    return commands.answer(id, body, API);
  });

  // Key names, never tmux syntax: the command layer checks them against its allow-list and names a bad one.
  app.post('/session/:id/keys', async (req) => {
    const { id } = parseBody(idParams, req.params);
    const body = parseBody(z.strictObject({ keys: z.array(z.string().max(20)).min(1).max(MAX_KEYS) }), req.body);
    return commands.keys(id, body.keys, API);
  });

  app.post('/session/:id/kill', async (req) => {
    const { id } = parseBody(idParams, req.params);
    parseBody(noFields, req.body);
    await commands.kill(id, API);
    return { killed: id };
  });

  app.post('/session/:id/ask', async (req, reply) => {
    const { id } = parseBody(idParams, req.params);
    const body = parseBody(
      z.strictObject({ question: z.string().min(1), options: z.array(z.string().min(1)).max(10).optional(), timeout_seconds: z.number().int().min(1).max(86_400).optional(), channel: z.enum(['telegram', 'email']).optional() }),
      req.body,
    );
    // The MCP server hangs up when Claude Code cancels the tool call: the question is withdrawn.
    const asker = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableEnded) asker.abort();
    });
    return commands.ask(id, body, { channel: 'mcp' }, asker.signal);
  });
}
