import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Anthropic Messages API on loopback for the real Claude Code CLI. Main turns (requests that carry
 * `tools`) are answered from a script of turns queued by the test; other requests (session titles,
 * summaries) get a short plain text. Replies stream as SSE, as the real API does.
 */
/** `holdUntil`: the reply waits for it (a test that must do something while Claude waits on the model). */
export type Turn =
  | { text: string; delayMs?: number; holdUntil?: Promise<unknown> }
  | { toolUse: { name: string; input: Record<string, unknown>; id?: string }; text?: string; delayMs?: number; holdUntil?: Promise<unknown> };

export interface RecordedRequest {
  path: string;
  body: {
    model?: string;
    messages?: { role: string; content: unknown }[];
    tools?: { name: string }[];
    stream?: boolean;
    system?: unknown;
  };
  mainTurn: boolean;
  /** Wall-clock time (ms, sub-ms precision) the request arrived: for latency figures. */
  at: number;
  /** When the reply was written out in full (the tool_use left the API), or undefined while it is pending. */
  answeredAt?: number;
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
const wallNow = (): number => performance.timeOrigin + performance.now();

/** The conversation Claude Code sent, as JSON text: the person's prompts are in it (with the history). */
export const conversation = (r: RecordedRequest): string => JSON.stringify(r.body.messages ?? []);

/** How often `needle` occurs in `haystack`: "typed exactly once" checks. */
export const occurrences = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

export interface ToolResult {
  tool_use_id: string;
  content: unknown;
  is_error: boolean;
}

export interface FakeAnthropic {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Queues replies for the next main turns, in order. With none queued a main turn gets "Done." */
  reply(...turns: Turn[]): void;
  /** Drops queued turns that were never asked for (a turn the person interrupted). */
  clearQueue(): void;
  waitForRequest(pred: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Every tool_result seen in main-turn requests, oldest first, without repeats. */
  toolResults(): ToolResult[];
  close(): Promise<void>;
}

let counter = 0;

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const queue: Turn[] = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();

  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: RecordedRequest['body'] = {};
    try {
      body = raw ? (JSON.parse(raw) as RecordedRequest['body']) : {};
    } catch {
      // not JSON: recorded as empty
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && path === '/v1/messages') {
      const mainTurn = Array.isArray(body.tools) && body.tools.length > 0;
      const record: RecordedRequest = { path, body, mainTurn, at: wallNow() };
      requests.push(record);
      for (const wake of waiters) wake();
      const turn: Turn = mainTurn ? (queue.shift() ?? { text: 'Done.' }) : { text: 'Test session' };
      if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
      if (turn.holdUntil) await turn.holdUntil;
      if (body.stream === false) sendJson(res, message(body.model, turn));
      else streamTurn(res, body.model, turn);
      record.answeredAt = wallNow();
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') return sendJson(res, { input_tokens: 100 });
    if (req.method === 'GET' && path.startsWith('/v1/models')) {
      return sendJson(res, { data: [{ id: 'claude-sonnet-4-5', type: 'model', display_name: 'Claude Sonnet 4.5' }], has_more: false });
    }
    requests.push({ path, body, mainTurn: false, at: wallNow() });
    return sendJson(res, {});
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    reply: (...turns) => void queue.push(...turns),
    clearQueue: () => void queue.splice(0),
    waitForRequest(pred, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = requests.find(pred);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake Anthropic API: no matching request within ${timeoutMs} ms (${requests.length} seen)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    toolResults() {
      const seen = new Map<string, ToolResult>();
      for (const r of requests.filter((x) => x.mainTurn)) {
        for (const m of r.body.messages ?? []) {
          if (!Array.isArray(m.content)) continue;
          for (const block of m.content as { type?: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[]) {
            if (block.type === 'tool_result' && block.tool_use_id && !seen.has(block.tool_use_id)) {
              seen.set(block.tool_use_id, { tool_use_id: block.tool_use_id, content: block.content, is_error: block.is_error ?? false });
            }
          }
        }
      }
      return [...seen.values()];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function blocks(turn: Turn): ({ type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> })[] {
  if ('toolUse' in turn) {
    const id = turn.toolUse.id ?? `toolu_fake${++counter}`;
    return [...(turn.text ? [{ type: 'text' as const, text: turn.text }] : []), { type: 'tool_use' as const, id, name: turn.toolUse.name, input: turn.toolUse.input }];
  }
  return [{ type: 'text', text: turn.text }];
}

function message(model: string | undefined, turn: Turn): Record<string, unknown> {
  const content = blocks(turn);
  return {
    id: `msg_fake${++counter}`, type: 'message', role: 'assistant', model: model ?? 'claude-sonnet-4-5', content,
    stop_reason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn', stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

function streamTurn(res: ServerResponse, model: string | undefined, turn: Turn): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (event: string, data: unknown): void => void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const full = message(model, turn);
  send('message_start', { type: 'message_start', message: { ...full, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } });
  blocks(turn).forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    send('content_block_stop', { type: 'content_block_stop', index });
  });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: full.stop_reason, stop_sequence: null }, usage: { output_tokens: 10 } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}
