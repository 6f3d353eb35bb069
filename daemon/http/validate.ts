import type { z } from 'zod';
import { CommandError } from '../errors.js';

/** "text: expected string" → one sentence naming the field. */
export function describeZod(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => {
      const where = i.path.length ? `"${i.path.join('.')}"` : 'body';
      if (i.code === 'unrecognized_keys') return `${where}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (see the API table in the README for the fields)`;
      return `${where}: ${i.message}`;
    })
    .join('; ');
}

/** Parses with zod and throws a 400 naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new CommandError('bad_request', describeZod(result.error));
  return result.data;
}
