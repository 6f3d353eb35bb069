import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerAskUser } from './tools/ask-user.js';
import type { ToolContext } from './tools/context.js';
import { registerNotify } from './tools/notify.js';
import { registerSendEmail } from './tools/send-email.js';

const instructions = `csm (claude-session-manager) connects this session to its owner while they are away from the terminal.
Use notify for a one-way heads-up, send_email for longer content, and ask_user when you need their decision and must wait for it.`;

/** The MCP server with csm's tools, not yet connected to a transport. */
export function createCsmServer(ctx: ToolContext, version: string): McpServer {
  const server = new McpServer({ name: 'csm', version }, { instructions });
  registerNotify(server, ctx);
  registerSendEmail(server, ctx);
  registerAskUser(server, ctx);
  return server;
}
