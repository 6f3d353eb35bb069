import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SweepReport } from '../../sessions/retention.js';
import { parseBody } from '../validate.js';

/** POST /prune {older_than_days?}: a retention sweep now (`csm prune`); the default is retention_days. Owner only. */
export function registerPruneRoute(app: FastifyInstance, prune: (olderThanDays?: number) => Promise<SweepReport>): void {
  app.post('/prune', async (req) => {
    const body = parseBody(z.strictObject({ older_than_days: z.number().min(0).max(36_500).optional() }), req.body);
    return prune(body.older_than_days);
  });
}
