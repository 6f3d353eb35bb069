import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZod } from '../../../daemon/http/validate.js';

describe('describeZod', () => {
  const schema = z.strictObject({ text: z.string(), nested: z.strictObject({ a: z.number() }).optional() });
  it.each([
    [{ text: 'x', txet: 'y' }, 'body: unknown field "txet" (see the API table in the README for the fields)'],
    [{ text: 'x', a: 1, b: 2 }, 'body: unknown fields "a", "b" (see the API table in the README for the fields)'],
    [{ text: 'x', nested: { a: 1, c: 3 } }, '"nested": unknown field "c" (see the API table in the README for the fields)'],
    [{ text: 1 }, '"text": Invalid input: expected string, received number'],
  ])('%j → %s', (body, message) => {
    const r = schema.safeParse(body);
    expect(r.success).toBe(false);
    expect(describeZod(r.error!)).toBe(message);
  });
});
