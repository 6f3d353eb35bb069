import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { describeChannels, errorResult, safely, sessionIdOrNull, textResult, type ToolContext } from './context.js';

const description = `Send a one-way message to the owner (the person running this Claude Code session) on their phone, through csm: Telegram or email.
Use it when the owner is likely away from the terminal and should know something now: a long task finished, you are blocked, or something needs their attention. Keep it short and self-contained.
It does not wait for a reply. To ask a question and wait for the answer, use ask_user instead.
Leave out "channel" to use the owner's usual channel. Returns which channel carried the message.`;

export function registerNotify(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'notify',
    {
      title: 'Notify the owner',
      description,
      inputSchema: {
        message: z.string().trim().min(1).max(20_000).describe('The text to send, plain text.'),
        channel: z.enum(['telegram', 'email']).optional().describe('Force one channel; leave out for the owner\'s usual one.'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    safely(async ({ message, channel }, extra) => {
      const sessionId = await sessionIdOrNull(ctx);
      const r = await ctx.client.notify(
        { message, channel: channel ?? 'auto', ...(sessionId ? { session_id: sessionId } : {}) },
        extra.signal,
      );
      if (r.channels.length === 0) return errorResult('The csm daemon accepted the message but has no channel to send it on: the owner must configure Telegram or email.');
      return textResult(`Sent to the owner via ${describeChannels(r.channels)}.`);
    }),
  );
}
