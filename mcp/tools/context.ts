import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DaemonError, type DaemonClient } from '../daemon-client.js';
import { resolveSessionId, SessionNotFound, type SessionHints } from '../session.js';

/** What every tool gets from the composition root (server.ts). */
export interface ToolContext {
  client: DaemonClient;
  hints: SessionHints;
  /** Default and ceiling for ask_user's wait, in seconds. */
  askTimeout: { default: number; max: number };
}

export const textResult = (text: string): CallToolResult => ({ content: [{ type: 'text', text }] });
export const errorResult = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

/**
 * The edge where failures become results the model can read. Our own errors already say what to do; anything
 * else is a bug, reported as one instead of reaching the SDK as a bare message.
 */
export function safely<A, E>(handler: (args: A, extra: E) => Promise<CallToolResult>): (args: A, extra: E) => Promise<CallToolResult> {
  return async (args, extra) => {
    try {
      return await handler(args, extra);
    } catch (err) {
      if (err instanceof DaemonError || err instanceof SessionNotFound) return errorResult(err.message);
      const message = err instanceof Error ? err.message : String(err);
      return errorResult(`The csm MCP server failed unexpectedly (${message}); tell the owner, the message was probably not delivered.`);
    }
  };
}

/** The session to tag a message with, or null when this Claude Code session is not one csm knows. */
export async function sessionIdOrNull(ctx: ToolContext): Promise<string | null> {
  try {
    return await resolveSessionId(ctx.client, ctx.hints);
  } catch (err) {
    if (err instanceof SessionNotFound) return null;
    throw err;
  }
}

export function describeChannels(channels: readonly string[]): string {
  const names: Record<string, string> = { telegram: 'Telegram', email: 'email' };
  return channels.map((c) => names[c] ?? c).join(' and ') || 'no channel';
}
