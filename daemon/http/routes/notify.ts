import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Commands } from '../../commands/types.js';
import { parseBody } from '../app.js';

const notifySchema = z
  .strictObject({
    session_id: z.string().regex(/^[0-9a-fA-F]{4}$/).optional(),
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
    const result = commands.notify(
      {
        message: (b.message ?? b.body)!,
        ...(b.session_id ? { session_id: b.session_id.toLowerCase() } : {}),
        ...(b.channel ? { channel: b.channel } : {}),
        ...(b.subject ? { subject: b.subject } : {}),
      },
      { channel: 'api' },
    );
    void channels;
    return reply.code(202).send({ queued: true, ...result });
  });
}
