import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { nextReply, SCRIPT, sseEvents, startScriptedModel, toolResults, type ContentBlock, type MessagesRequest, type ScriptedModel } from '../../../daemon/selftest/scripted-model.js';

// The real Claude Code CLI reading this stream is covered by test/e2e/doctor-claude.test.ts; here the stream is
// read back with an independent SSE parser and rebuilt the way an Anthropic client accumulates it.

const tools = [{ name: 'Bash' }];
const user = (content: unknown): { role: string; content: unknown } => ({ role: 'user', content });
const result = (id: string, content: unknown, is_error = false): unknown => ({ type: 'tool_result', tool_use_id: id, content, is_error });

/** Parses SSE text and rebuilds the message, checking the event order the Messages API guarantees. */
function rebuild(sse: string): { events: string[]; message: { id: string; model: string; stop_reason: string | null; content: ContentBlock[] } } {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(sse);
  const names = events.map((e) => e.event ?? '');
  let message: { id: string; model: string; stop_reason: string | null; content: ContentBlock[] } | null = null;
  const partial: string[] = [];
  for (const e of events) {
    const data = JSON.parse(e.data) as Record<string, any>;
    expect(data.type).toBe(e.event);
    if (data.type === 'message_start') message = { ...data.message, content: [] };
    if (data.type === 'content_block_start') {
      message!.content[data.index] = { ...data.content_block };
      partial[data.index] = '';
    }
    if (data.type === 'content_block_delta') {
      const block = message!.content[data.index]!;
      if (data.delta.type === 'text_delta' && block.type === 'text') block.text += data.delta.text;
      else if (data.delta.type === 'input_json_delta') partial[data.index] += data.delta.partial_json;
      else throw new Error(`delta ${data.delta.type} does not fit block ${block.type}`);
    }
    if (data.type === 'content_block_stop') {
      const block = message!.content[data.index]!;
      if (block.type === 'tool_use') block.input = JSON.parse(partial[data.index]!);
    }
    if (data.type === 'message_delta') message!.stop_reason = data.delta.stop_reason;
  }
  return { events: names, message: message! };
}

describe('the scripted model: the conversation', () => {
  it('plays prompt → Bash → AskUserQuestion → final text, from the history alone', () => {
    const prompt = user([{ type: 'text', text: SCRIPT.prompt }]);
    // Claude Code 2.1.33x appends its own system turn after the user's.
    const system = { role: 'system', content: [{ type: 'text', text: '# Environment' }] };
    expect(nextReply({ tools, messages: [prompt, system] })).toEqual([{ type: 'tool_use', id: SCRIPT.bash.id, name: 'Bash', input: SCRIPT.bash.input }]);
    const afterBash = [prompt, { role: 'assistant', content: [] }, user([result(SCRIPT.bash.id, '')])];
    expect(nextReply({ tools, messages: afterBash })).toEqual([{ type: 'tool_use', id: SCRIPT.question.id, name: 'AskUserQuestion', input: SCRIPT.question.input }]);
    const afterQuestion = [...afterBash, { role: 'assistant', content: [] }, user([result(SCRIPT.question.id, [{ type: 'text', text: '"Q"="Teal"' }])])];
    expect(nextReply({ tools, messages: afterQuestion })).toEqual([{ type: 'text', text: SCRIPT.finalText }]);
  });

  it('answers side calls without tools (session titles) with plain text, and an unknown prompt with the final text', () => {
    expect(nextReply({ messages: [user('make a title')] })).toEqual([{ type: 'text', text: 'csm self-test' }]);
    expect(nextReply({ tools, messages: [user('something else')] })).toEqual([{ type: 'text', text: SCRIPT.finalText }]);
  });

  it('reads tool results as text, string or blocks, with their error flag', () => {
    const body: MessagesRequest = { messages: [user([result('a', 'plain'), result('b', [{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }], true)]), user('text only')] };
    expect(toolResults(body)).toEqual([
      { tool_use_id: 'a', text: 'plain', is_error: false },
      { tool_use_id: 'b', text: 'x\ny', is_error: true },
    ]);
  });

  it('the question has one question and three options, as the self-test promises', () => {
    const q = SCRIPT.question.input.questions;
    expect(q).toHaveLength(1);
    expect(q[0].options.map((o) => o.label)).toEqual(['Crimson', 'Teal', 'Amber']);
  });
});

describe('the scripted model: the stream', () => {
  it('streams a tool_use as the Messages API does: events in order, input as JSON deltas, stop_reason tool_use', () => {
    const input = { command: 'touch "a b"', description: 'ünïcode ✓' };
    const { events, message } = rebuild(sseEvents('claude-x', [{ type: 'text', text: 'Running it.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input }], 'msg_1').join(''));
    expect(events).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(message).toMatchObject({ id: 'msg_1', model: 'claude-x', stop_reason: 'tool_use' });
    expect(message.content).toEqual([{ type: 'text', text: 'Running it.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input }]);
  });

  it('ends a text reply with end_turn', () => {
    const { message } = rebuild(sseEvents('m', [{ type: 'text', text: 'Done.\nTwo lines.' }], 'msg_2').join(''));
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content).toEqual([{ type: 'text', text: 'Done.\nTwo lines.' }]);
  });
});

describe('the scripted model: served on loopback', () => {
  let model: ScriptedModel | undefined;
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  const post = (body: unknown): Promise<Response> =>
    fetch(`${model!.url}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('streams SSE for a main turn and reports the tool results it is sent', async () => {
    model = await startScriptedModel();
    expect(model.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post({ model: 'claude-y', stream: true, tools, messages: [user(SCRIPT.prompt)] });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const { message } = rebuild(await res.text());
    expect(message.content[0]).toMatchObject({ type: 'tool_use', id: SCRIPT.bash.id, name: 'Bash' });

    const waiting = model.waitForToolResult(SCRIPT.bash.id, 5_000);
    await (await post({ stream: true, tools, messages: [user(SCRIPT.prompt), { role: 'assistant', content: [] }, user([result(SCRIPT.bash.id, 'ok')])] })).text();
    expect(await waiting).toEqual({ tool_use_id: SCRIPT.bash.id, text: 'ok', is_error: false });
    // Already seen: answered at once.
    expect(await model.waitForToolResult(SCRIPT.bash.id, 0)).toMatchObject({ text: 'ok' });
  });

  it('gives null for a tool result that never comes, JSON without stream, 400 for a body that is not JSON', async () => {
    model = await startScriptedModel();
    expect(await model.waitForToolResult('toolu_never', 50)).toBeNull();
    const plain = await post({ stream: false, messages: [user('title please')] });
    expect(await plain.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'csm self-test' }], stop_reason: 'end_turn' });
    const bad = await fetch(`${model.url}/v1/messages`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
  });
});
