import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Commands } from '../../commands/types.js';
import { parseBody } from '../validate.js';
import { SESSION_ID_HINT, SESSION_ID_RE } from '../../session-id.js';

const notifySchema = z
  .strictObject({
    session_id: z.string().regex(SESSION_ID_RE, SESSION_ID_HINT).optional(),
    channel: z.enum(['telegram', 'email', 'auto']).optional(),
    subject: z.string().max(200).optional(),
    message: z.string().optional(),
    /** The seed's email call names the content `body`. */
    body: z.string().optional(),
  })
  .refine((b) => (b.message ?? b.body ?? '').trim() !== '', { message: 'give "message" (or "body") with the text to send', path: ['message'] });

export function registerNotifyRoutes(app: FastifyInstance, commands: Commands, channels: () => string[]): void {
  app.post('/notify', async (req, reply) => {
    const b = parseBody(notifySchema, req.body);
    // A session's credential notifies in its own thread (the auth hook refused any other session_id).
    const session = req.principal?.kind === 'session' ? req.principal.id : b.session_id?.toLowerCase();
    const result = commands.notify(
      {
        message: (b.message ?? b.body)!,
        ...(session ? { session_id: session } : {}),
        ...(b.channel ? { channel: b.channel } : {}),
        ...(b.subject ? { subject: b.subject } : {}),
      },
      { channel: 'api' },
    );
    void channels;
    return reply.code(202).send({ queued: true, ...result });
  });
}
