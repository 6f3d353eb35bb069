import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EventLog } from '../../events/event-log.js';
import { parseBody } from '../validate.js';
import { SESSION_ID_HINT, SESSION_ID_RE } from '../../session-id.js';

/** GET /events?after=SEQ&wait=SECONDS&session=ID: the event stream as a long poll. */
export function registerEventRoutes(app: FastifyInstance, events: EventLog): void {
  app.get('/events', async (req, reply) => {
    const q = parseBody(
      z.strictObject({
        after: z.coerce.number().int().min(0).default(0),
        wait: z.coerce.number().min(0).max(120).default(0),
        session: z.string().regex(SESSION_ID_RE, SESSION_ID_HINT).optional(),
      }),
      req.query,
    );
    const aborted = new AbortController();
    reply.raw.once('close', () => aborted.abort());
    const list = await events.wait(q.after, q.wait * 1000, q.session?.toLowerCase(), aborted.signal);
    return { events: list, last_seq: events.lastSeq };
  });
}
