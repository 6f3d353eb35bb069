import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the Anthropic Messages API that plays one fixed conversation, so `csm doctor --claude` can
 * run the installed Claude Code with no account and no network. It answers from the request alone (what the
 * last user turn holds), so a retried or repeated request gets the same answer.
 */

/** The conversation the self-test plays. The ids let the checks find the tool results in later requests. */
export const SCRIPT = {
  prompt: 'csm self-test: run one command, ask me one question, then finish.',
  // Not a read-only command: Claude Code runs those (echo, ls) without asking.
  bash: { id: 'toolu_csmselftest_bash', marker: 'csm-selftest-ran', input: { command: 'touch csm-selftest-ran', description: 'Create a marker file for the csm self-test' } },
  question: {
    id: 'toolu_csmselftest_question',
    input: {
      questions: [
        {
          question: 'Which colour should the csm self-test banner be?',
          header: 'Colour',
          options: [
            { label: 'Crimson', description: 'a deep red' },
            { label: 'Teal', description: 'a blue-green' },
            { label: 'Amber', description: 'a warm yellow' },
          ],
          multiSelect: false,
        },
      ],
    },
  },
  finalText: 'csm self-test finished: command run, question answered.',
} as const;

export type ContentBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface MessagesRequest {
  model?: string;
  stream?: boolean;
  tools?: unknown[];
  messages?: { role: string; content: unknown }[];
}

export interface ToolResult {
  tool_use_id: string;
  /** The result's text, blocks joined. */
  text: string;
  is_error: boolean;
}

/**
 * What the model says next, from how far the conversation has come. Requests without tools are Claude Code's
 * side calls (session titles). Claude Code may append its own system turn after the user's, so the whole
 * history is read, not only the last message.
 */
export function nextReply(body: MessagesRequest): ContentBlock[] {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return [{ type: 'text', text: 'csm self-test' }];
  const results = new Set(toolResults(body).map((r) => r.tool_use_id));
  if (results.has(SCRIPT.question.id)) return [{ type: 'text', text: SCRIPT.finalText }];
  if (results.has(SCRIPT.bash.id)) return [{ type: 'tool_use', id: SCRIPT.question.id, name: 'AskUserQuestion', input: SCRIPT.question.input }];
  const asked = (body.messages ?? []).some((m) => m.role === 'user' && JSON.stringify(m.content).includes(SCRIPT.prompt));
  if (asked) return [{ type: 'tool_use', id: SCRIPT.bash.id, name: 'Bash', input: SCRIPT.bash.input }];
  return [{ type: 'text', text: SCRIPT.finalText }];
}

/** Every tool result in a request's history, oldest first. */
export function toolResults(body: MessagesRequest): ToolResult[] {
  const out: ToolResult[] = [];
  for (const message of body.messages ?? []) {
    if (message.role !== 'user' || !Array.isArray(message.content)) continue;
    for (const block of message.content as { type?: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[]) {
      if (block.type !== 'tool_result' || typeof block.tool_use_id !== 'string') continue;
      out.push({ tool_use_id: block.tool_use_id, text: resultText(block.content), is_error: block.is_error === true });
    }
  }
  return out;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: { text?: unknown }) => (typeof c.text === 'string' ? c.text : '')).join('\n');
  return '';
}

/** The reply as the Messages API streams it (server-sent events), one string per event. */
export function sseEvents(model: string, content: ContentBlock[], id: string): string[] {
  const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const events: [string, unknown][] = [
    ['message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }],
  ];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } }]);
    } else {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } }]);
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 10 } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export interface ScriptedModel {
  url: string;
  /** Resolves with the tool's result once a request carries it, or null after `timeoutMs` or on close. */
  waitForToolResult(toolUseId: string, timeoutMs: number): Promise<ToolResult | null>;
  close(): Promise<void>;
}

/** Serves the script on 127.0.0.1 on a port of the system's choosing. */
export async function startScriptedModel(): Promise<ScriptedModel> {
  const seen = new Map<string, ToolResult>();
  const arrivals = new EventEmitter();
  const waiting = new Set<(r: ToolResult | null) => void>();
  let counter = 0;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/v1/messages') {
      let body: MessagesRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MessagesRequest;
      } catch {
        return json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'body is not JSON' } });
      }
      for (const r of toolResults(body)) {
        if (seen.has(r.tool_use_id)) continue;
        seen.set(r.tool_use_id, r);
        arrivals.emit(r.tool_use_id, r);
      }
      const content = nextReply(body);
      const model = body.model ?? 'claude-sonnet-4-5';
      const id = `msg_csmselftest${++counter}`;
      if (body.stream === false) {
        const stop = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
        return json(res, 200, { id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 10 } });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const event of sseEvents(model, content, id)) res.write(event);
      res.end();
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: 100 });
    if (req.method === 'GET' && path?.startsWith('/v1/models')) {
      return json(res, 200, { data: [{ id: 'claude-sonnet-4-5', type: 'model', display_name: 'Claude Sonnet 4.5' }], has_more: false });
    }
    return json(res, 200, {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    waitForToolResult(toolUseId, timeoutMs) {
      const known = seen.get(toolUseId);
      if (known) return Promise.resolve(known);
      return new Promise((resolve) => {
        const done = (r: ToolResult | null): void => {
          clearTimeout(timer);
          arrivals.off(toolUseId, done);
          waiting.delete(done);
          resolve(r);
        };
        const timer = setTimeout(() => done(null), timeoutMs);
        arrivals.on(toolUseId, done);
        waiting.add(done);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const done of waiting) done(null);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
