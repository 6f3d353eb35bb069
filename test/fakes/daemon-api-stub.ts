import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionInfo } from '../../daemon/events/types.js';

/**
 * A stand-in for the daemon's local HTTP API, just the part the MCP server uses, with the same status codes
 * and error sentences. Tests script `sessions`, `channels` and `onAsk`, and read `requests`.
 */
export type AskReply = { answered: true; answer: string; channel: string } | { answered: false; reason: string };

export interface StubRequest {
  method: string;
  path: string;
  auth: string | undefined;
  body: Record<string, unknown> | null;
}

export interface DaemonApiStub {
  url: string;
  token: string;
  sessions: SessionInfo[];
  channels: string[];
  onAsk: (id: string, body: Record<string, unknown>) => AskReply | Promise<AskReply>;
  /** Added before every answer, for timeout tests. */
  delayMs: number;
  requests: StubRequest[];
  /** Sessions whose MCP server said it is connected (POST /session/:id/mcp-ready), kept apart from `requests`. */
  ready: string[];
  close(): Promise<void>;
}

export function stubSession(over: Partial<SessionInfo> & { id: string }): SessionInfo {
  return {
    tmux_session: `csm-${over.id}`, cwd: '/tmp', log_file: '/dev/null', status: 'running', started_at: 1, last_output_at: 1,
    claude_session_id: null, pending: null, last_message: null, exit_code: null, ...over,
  };
}

export async function startDaemonApiStub(token = 'stub-token-0123456789abcdef0123456789'): Promise<DaemonApiStub> {
  const stub: Omit<DaemonApiStub, 'url' | 'close'> = {
    token,
    sessions: [],
    channels: ['telegram'],
    onAsk: () => ({ answered: false, reason: 'No answer within 1 s.' }),
    delayMs: 0,
    requests: [],
    ready: [],
  };
  const server = createServer((req, res) => {
    void handle(stub, req, res).catch((err: Error) => send(res, 500, { error: err.message, code: 'internal' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(stub, { url, close: () => closeServer(server) });
}

async function handle(stub: Omit<DaemonApiStub, 'url' | 'close'>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const text = await readBody(req);
  let body: Record<string, unknown> | null = null;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    return send(res, 400, { error: 'The body is not JSON.', code: 'bad_request' });
  }
  const ready = /^\/session\/([^/]+)\/mcp-ready$/.exec(path);
  if (req.method === 'POST' && ready) {
    stub.ready.push(ready[1]!);
    return send(res, 200, { ok: true });
  }
  stub.requests.push({ method: req.method ?? '', path, auth: req.headers.authorization, body });
  if (stub.delayMs > 0) await new Promise((r) => setTimeout(r, stub.delayMs));
  if (path === '/health') return send(res, 200, { ok: true, version: 'stub' });
  if (req.headers.authorization !== `Bearer ${stub.token}`) {
    return send(res, 401, { error: 'Missing or wrong token: send "Authorization: Bearer <token>" with the token from $CSM_HOME/token.', code: 'unauthorized' });
  }
  const session = (id: string) => stub.sessions.find((s) => s.id === id);
  const notFound = (id: string) => send(res, 404, { error: `There is no session ${id}: see the list with \`csm list\`.`, code: 'not_found' });

  if (req.method === 'GET' && path === '/sessions') return send(res, 200, { sessions: stub.sessions });
  if (req.method === 'POST' && path === '/notify') {
    const b = body ?? {};
    const channel = (b.channel as string | undefined) ?? 'auto';
    if (typeof b.session_id === 'string' && !session(b.session_id)) return notFound(b.session_id);
    if (channel !== 'auto' && !stub.channels.includes(channel)) {
      return send(res, 503, { error: `The ${channel} channel is not configured: add a "${channel}:" section to the config (see config.example.yaml) and restart the daemon.`, code: 'unavailable' });
    }
    if (stub.channels.length === 0) return send(res, 503, { error: 'No channel is configured, so nobody would see this.', code: 'unavailable' });
    return send(res, 202, { queued: true, notify_id: 'n1', channels: channel === 'auto' ? stub.channels.slice(0, 1) : [channel] });
  }
  const ask = /^\/session\/([^/]+)\/ask$/.exec(path);
  if (req.method === 'POST' && ask) {
    const s = session(ask[1]!);
    if (!s) return notFound(ask[1]!);
    if (s.status === 'dead') return send(res, 409, { error: `Session ${s.id} has ended.`, code: 'conflict' });
    return send(res, 200, await stub.onAsk(s.id, body ?? {}));
  }
  send(res, 404, { error: `No route ${req.method} ${path}.`, code: 'not_found' });
}

function send(res: ServerResponse, status: number, json: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port with nothing listening on it: for "the daemon is not running". */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await closeServer(server);
  return `http://127.0.0.1:${port}`;
}
