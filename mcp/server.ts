#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { packageVersion } from '../daemon/assets.js';
import { DEFAULT_URL, defaultCsmHome, tokenFile } from '../daemon/paths.js';
import { readToken } from '../daemon/token.js';
import { createCsmServer } from './app.js';
import { DaemonClient } from './daemon-client.js';
import { getSessionHints } from './session.js';

// The composition root: the only place that reads the environment. stdout belongs to JSON-RPC, so
// diagnostics go to stderr (Claude Code keeps it in its MCP logs).
const env = process.env;
const file = tokenFile(defaultCsmHome(env));
const client = new DaemonClient({ url: env.CSM_URL || DEFAULT_URL, token: () => env.CSM_TOKEN || readToken(file) });
const hints = getSessionHints(env, process.cwd());
const server = createCsmServer(
  { client, hints, askTimeout: { default: 600, max: 3600 } },
  packageVersion(),
);

const report = (what: string) => (err: unknown) => process.stderr.write(`csm mcp: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
// A stray rejection must not take the tools away from the session for the rest of its life.
process.on('uncaughtException', report('uncaught exception'));
process.on('unhandledRejection', report('unhandled rejection'));

server.server.onerror = report('protocol error');

// Claude Code closing our stdin means the session is over: stop, even with an ask_user still waiting.
process.stdin.on('end', () => process.exit(0));
process.stdout.on('error', () => process.exit(0));
const transport = new StdioServerTransport();
await server.connect(transport);

// Sessions the daemon starts hold their first prompt until our tools are there (see SessionManager.mcpReady).
// "There" means Claude Code has our tool list, not merely that it initialized us: a prompt typed between
// the two reached the model without the tools. So the daemon is told once the first tools/list answer is out.
if (hints.csmSessionId) {
  const sessionId = hints.csmSessionId;
  const listing = new Set<string | number>();
  let told = false;
  const receive = transport.onmessage!;
  transport.onmessage = (message) => {
    if ('method' in message && message.method === 'tools/list' && 'id' in message) listing.add(message.id);
    receive(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    await send(message);
    if (!told && 'id' in message && message.id !== undefined && listing.has(message.id)) {
      told = true;
      client.mcpReady(sessionId).catch(report('telling the daemon we are connected'));
    }
  };
}
