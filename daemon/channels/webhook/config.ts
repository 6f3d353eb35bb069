import { z } from 'zod';

/** `webhook:` in the config: every event as an HTTP POST, formatted for a generic receiver or a known service. */
export const webhookSchema = z.strictObject({
  url: z.url(),
  /** json: the event as it is, with a one-line `text`; slack / discord: their incoming-webhook bodies; ntfy: a push. */
  format: z.enum(['json', 'slack', 'discord', 'ntfy']).default('json'),
  /** Extra request headers, such as `Authorization` for a receiver that wants a token. */
  headers: z.record(z.string(), z.string()).default({}),
});

export type WebhookConfig = z.infer<typeof webhookSchema>;
