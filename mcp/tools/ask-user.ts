import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveSessionId } from '../session.js';
import { safely, textResult, type ToolContext } from './context.js';

/** Often enough for clients that reset their request timeout on progress. */
const PROGRESS_EVERY_MS = 20_000;

const channelNames: Record<string, string> = { telegram: 'on Telegram', email: 'by email', terminal: 'in the terminal', cli: 'with the csm CLI', api: 'through the csm API' };

export function registerAskUser(server: McpServer, ctx: ToolContext): void {
  const { default: byDefault, max } = ctx.askTimeout;
  server.registerTool(
    'ask_user',
    {
      title: 'Ask the owner and wait',
      description: `Ask the owner (the person running this Claude Code session) a question on their phone through csm, and wait for the answer.
Use it when you cannot continue well without their decision and they may be away from the terminal: a choice between approaches, a missing credential or fact, approval for something risky. Do not use it for things you can decide or look up yourself.
Blocks until they answer (on Telegram, by email, or by typing into this session's terminal) or until timeout_seconds pass (default ${byDefault}, at most ${max}).
Returns their answer and where it came from. When nobody answers in time the result says so (not an error): then continue with your best judgement or ask again.`,
      inputSchema: {
        question: z.string().trim().min(1).max(4000).describe('The question, self-contained: the owner sees only this, not your conversation.'),
        options: z.array(z.string().trim().min(1).max(200)).min(1).max(10).optional().describe('Choices shown as buttons; the owner may still answer in free text.'),
        timeout_seconds: z.number().int().min(1).max(max).optional().describe(`How long to wait for an answer, in seconds (default ${byDefault}).`),
        channel: z.enum(['telegram', 'email']).optional().describe("Ask on this channel; leave out for the owner's usual one. An answer from any channel counts."),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    safely(async ({ question, options, timeout_seconds, channel }, extra) => {
      const seconds = timeout_seconds ?? byDefault;
      const sessionId = await resolveSessionId(ctx.client, ctx.hints);
      const token = extra._meta?.progressToken;
      const started = Date.now();
      const timer =
        token === undefined
          ? undefined
          : setInterval(() => {
              const elapsed = Math.round((Date.now() - started) / 1000);
              extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: elapsed, total: seconds, message: 'Waiting for the owner to answer' } }).catch(() => {});
            }, PROGRESS_EVERY_MS);
      try {
        const r = await ctx.client.ask(sessionId, { question, ...(options ? { options } : {}), ...(channel ? { channel } : {}), timeout_seconds: seconds }, extra.signal);
        if (r.answered) return textResult(`The owner answered ${channelNames[r.channel] ?? `via ${r.channel}`}:\n${r.answer}`);
        const reason = /^no answer/i.test(r.reason) ? '' : ` (${r.reason.replace(/\.$/, '')})`;
        return textResult(`No answer within ${seconds} s${reason}; continue with your best judgement or ask again.`);
      } finally {
        clearInterval(timer);
      }
    }),
  );
}
