import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { safely, sessionIdOrNull, textResult, type ToolContext } from './context.js';

const description = `Email the owner (the person running this Claude Code session) through csm, with a subject line.
Use it for longer content that reads better as an email than as a chat message: a report, a summary of finished work, a plan to review. For a short heads-up use notify; to ask and wait for an answer use ask_user.
Does not wait. If the owner replies to the email, the reply arrives later in this session as a new message from the user.`;

export function registerSendEmail(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'send_email',
    {
      title: 'Email the owner',
      description,
      inputSchema: {
        subject: z.string().trim().min(1).max(200).describe('The subject line.'),
        body: z.string().trim().min(1).max(100_000).describe('The email text, plain text.'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    safely(async ({ subject, body }, extra) => {
      const sessionId = await sessionIdOrNull(ctx);
      await ctx.client.notify({ channel: 'email', subject, message: body, ...(sessionId ? { session_id: sessionId } : {}) }, extra.signal);
      return textResult(
        sessionId
          ? `Email sent to the owner (subject "${subject}"). A reply, if they send one, will arrive in this session as a new user message.`
          : `Email sent to the owner (subject "${subject}"). This session is not managed by csm, so a reply cannot come back here.`,
      );
    }),
  );
}
