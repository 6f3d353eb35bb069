import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeAnthropic, ToolResult } from '../fakes/anthropic-api.js';
import { COLOUR, FEATURES, SIZE } from '../fixtures/questions.js';
import { claudeVersions } from '../helpers/claude.js';
import { startClaudeStack, type ClaudeStack } from '../helpers/claude-daemon.js';
import { newIdleSession, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import type { PendingRequest, SessionInfo } from '../../daemon/events/types.js';

type Pending = PendingRequest;
type Session = SessionInfo;

/** The session's screen, for failure messages. */
const screenOf = async (d: DaemonHandle, id: string): Promise<string> =>
  (await execa('tmux', ['-L', d.socketName, 'capture-pane', '-p', '-t', `claude-${id}`], { reject: false })).stdout.trimEnd().split('\n').slice(-25).join('\n');

/**
 * Claude Code's own question tool (AskUserQuestion) with the real CLI, both versions: asked as a question,
 * answered through the API and the CLI, and the model gets exactly the chosen answers as the tool result.
 */
describe.each(claudeVersions())('AskUserQuestion on Claude Code $label', ({ bin, label }) => {
  let stack: ClaudeStack;
  let api: FakeAnthropic;
  let d: DaemonHandle;

  beforeAll(async () => {
    stack = await startClaudeStack(bin, `csm-q-${label}`);
    ({ api, d } = stack);
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => stack?.close());

  const session = async (id: string): Promise<Session> => (await d.api<Session>('GET', `/session/${id}`)).body;
  const waitQuestion = async (id: string, title: string): Promise<Pending> => {
    let last: Session | undefined;
    await waitFor(async () => (last = await session(id)).pending?.kind === 'question' && last.pending?.title === title, { timeoutMs: 30_000, message: `question "${title}"` }).catch(
      (err: Error) => {
        throw new Error(`${err.message}; session: ${JSON.stringify(last)}\n${d.logs().slice(-1500)}`);
      },
    );
    return last!.pending!;
  };
  const resultFor = async (toolUseId: string): Promise<ToolResult> =>
    waitFor(() => api.toolResults().find((r) => r.tool_use_id === toolUseId), { timeoutMs: 30_000, message: `tool_result for ${toolUseId}` }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nscreen:\n${await screenOf(d, id)}\nsession: ${JSON.stringify(await session(id))}`);
    });
  const text = (r: ToolResult): string => (typeof r.content === 'string' ? r.content : JSON.stringify(r.content));
  const ask = async (id: string, toolUseId: string, questions: unknown[]): Promise<void> => {
    api.reply({ toolUse: { name: 'AskUserQuestion', id: toolUseId, input: { questions } } }, { text: `Thanks, noted (${toolUseId}).` });
    expect((await d.api('POST', `/session/${id}/input`, { text: `ask me ${toolUseId}` })).status).toBe(200);
  };
  const idleWith = async (id: string, message: string): Promise<void> => {
    await waitFor(async () => {
      const s = await session(id);
      return s.status === 'idle' && s.pending === null && s.last_message?.includes(message);
    }, { timeoutMs: 30_000, message: `${id} idle with "${message}"` });
  };

  let id: string;
  beforeAll(async () => {
    id = await newIdleSession(d, stack.project);
  });

  it('one question: pending as a question with options and descriptions; `csm answer 2` → the model gets "Teal"', async () => {
    const seq = (await d.api<{ last_seq: number }>('GET', '/events')).body.last_seq;
    await ask(id, 'toolu_q_single', [COLOUR]);
    const p = await waitQuestion(id, COLOUR.question);
    expect(p).toMatchObject({ allows_text: true, multi_select: false, step: { header: 'Colour', index: 0, count: 1 } });
    expect(p.options).toEqual([
      { key: '1', label: 'Crimson', description: 'a deep red' },
      { key: '2', label: 'Teal', description: COLOUR.options[1]!.description },
    ]);
    expect((await session(id)).status).toBe('waiting_input');
    const cli = await d.cli(['answer', id, '2']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const r = await resultFor('toolu_q_single');
    expect(text(r)).toContain(`"${COLOUR.question}"="Teal"`);
    expect(r.is_error).toBe(false);
    await idleWith(id, 'toolu_q_single');
    // The dialog's last frames, drawn after the hook's answer, are not taken for a new question: one request, one resolution.
    const events = (await d.api<{ events: { kind: string; session_id: string; outcome?: string }[] }>('GET', `/events?after=${seq}`)).body.events.filter((e) => e.session_id === id);
    expect(events.filter((e) => e.kind === 'waiting_input')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'resolved').map((e) => e.outcome)).toEqual(['answered: Teal']);
  });

  it('multi-select: "3,1" → "Login, Export"', async () => {
    await ask(id, 'toolu_q_multi', [FEATURES]);
    const p = await waitQuestion(id, FEATURES.question);
    expect(p.multi_select).toBe(true);
    const bad = await d.api('POST', `/session/${id}/answer`, { choice: '1,7' });
    expect(bad.status).toBe(400);
    expect((await d.api('POST', `/session/${id}/answer`, { request_id: p.request_id, choice: '3,1' })).status).toBe(200);
    expect(text(await resultFor('toolu_q_multi'))).toContain(`"${FEATURES.question}"="Login, Export"`);
    await idleWith(id, 'toolu_q_multi');
  });

  it('two questions in one call are asked one after the other; both answers reach the model', async () => {
    await ask(id, 'toolu_q_two', [COLOUR, SIZE]);
    const first = await waitQuestion(id, COLOUR.question);
    expect(first.step).toEqual({ header: 'Colour', index: 0, count: 2 });
    expect((await d.api('POST', `/session/${id}/answer`, { request_id: first.request_id, choice: 'crimson' })).status).toBe(200);
    const second = await waitQuestion(id, SIZE.question);
    expect(second.step).toEqual({ header: 'Size', index: 1, count: 2 });
    expect(second.request_id).not.toBe(first.request_id);
    const stale = await d.api('POST', `/session/${id}/answer`, { request_id: first.request_id, choice: '1' });
    expect(stale.status).toBe(409);
    expect((await d.api('POST', `/session/${id}/answer`, { request_id: second.request_id, choice: '2' })).status).toBe(200);
    const r = text(await resultFor('toolu_q_two'));
    expect(r).toContain(`"${COLOUR.question}"="Crimson"`);
    expect(r).toContain(`"${SIZE.question}"="Large"`);
    await idleWith(id, 'toolu_q_two');
  });

  it('free text: any words that are no option are the answer', async () => {
    await ask(id, 'toolu_q_text', [COLOUR]);
    await waitQuestion(id, COLOUR.question);
    expect((await d.api('POST', `/session/${id}/input`, { text: 'Magenta, with a thin gold border' })).status).toBe(200);
    expect(text(await resultFor('toolu_q_text'))).toContain(`"${COLOUR.question}"="Magenta, with a thin gold border"`);
    await idleWith(id, 'toolu_q_text');
  });

  it('answered at the terminal first: resolved there, the model gets the terminal choice, later answers are refused', async () => {
    await ask(id, 'toolu_q_term', [COLOUR]);
    const p = await waitQuestion(id, COLOUR.question);
    const pane = `claude-${id}`;
    const screen = async (): Promise<string> => (await execa('tmux', ['-L', d.socketName, 'capture-pane', '-p', '-t', pane])).stdout;
    await waitFor(async () => /❯ 1\. Crimson/.test(await screen()), { message: 'the question dialog in the terminal' });
    await execa('tmux', ['-L', d.socketName, 'send-keys', '-t', pane, 'Down']);
    await waitFor(async () => /❯ 2\. Teal/.test(await screen()), { message: 'cursor on Teal' });
    // Like a person, press Enter again if the dialog is still there a moment later: Claude Code drops an Enter
    // that arrives right after the cursor moved.
    await waitFor(async () => {
      if (!/❯ 2\. Teal/.test(await screen())) return true;
      await execa('tmux', ['-L', d.socketName, 'send-keys', '-t', pane, 'Enter']);
      return false;
    }, { intervalMs: 1000, message: 'the terminal took the answer' });
    expect(text(await resultFor('toolu_q_term'))).toContain(`"${COLOUR.question}"="Teal"`);
    await idleWith(id, 'toolu_q_term');
    const late = await d.api('POST', `/session/${id}/answer`, { request_id: p.request_id, choice: '1' });
    expect(late.status).toBe(409);
  });
});

/**
 * When the hook has stopped waiting (permissions.remote_timeout_seconds), the dialog stays in the terminal
 * and the answer is given with keys on screen: one option, several boxes and Submit, or own words.
 */
describe.each(claudeVersions())('AskUserQuestion on Claude Code $label after the hook gave up', ({ bin, label }) => {
  let stack: ClaudeStack;
  let api: FakeAnthropic;
  let d: DaemonHandle;
  let id: string;

  beforeAll(async () => {
    stack = await startClaudeStack(bin, `csm-qk-${label}`, { config: { permissions: { remote_timeout_seconds: 1 } } });
    ({ api, d } = stack);
    id = await newIdleSession(d, stack.project);
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => stack?.close());

  const text = (r: ToolResult): string => (typeof r.content === 'string' ? r.content : JSON.stringify(r.content));
  const askAndWait = async (toolUseId: string, question: typeof COLOUR): Promise<Pending> => {
    const hookGaveUp = (d.logs().match(/the hook stopped waiting/g) ?? []).length;
    api.reply({ toolUse: { name: 'AskUserQuestion', id: toolUseId, input: { questions: [question] } } }, { text: `Thanks (${toolUseId}).` });
    expect((await d.api('POST', `/session/${id}/input`, { text: `ask ${toolUseId}` })).status).toBe(200);
    await waitFor(() => (d.logs().match(/the hook stopped waiting/g) ?? []).length > hookGaveUp, { message: 'the hook timed out' });
    const s = await waitFor(async () => {
      const got = (await d.api<Session>('GET', `/session/${id}`)).body;
      return got.pending?.kind === 'question' && got.pending.title === question.question ? got : null;
    }, { message: 'the question still pending' });
    return s.pending!;
  };
  const resultFor = async (toolUseId: string): Promise<string> => {
    const found = await waitFor(() => api.toolResults().find((r) => r.tool_use_id === toolUseId), { timeoutMs: 30_000, message: `tool_result for ${toolUseId}` }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nscreen:\n${await screenOf(d, id)}\nsession: ${JSON.stringify((await d.api('GET', `/session/${id}`)).body)}`);
    });
    return text(found);
  };
  const idle = async (): Promise<void> => {
    await waitFor(async () => (await d.api<Session>('GET', `/session/${id}`)).body.status === 'idle', { timeoutMs: 30_000, message: 'idle' });
  };

  it('one option', async () => {
    await askAndWait('toolu_k_single', COLOUR);
    expect((await d.api('POST', `/session/${id}/answer`, { choice: '2' })).status).toBe(200);
    expect(await resultFor('toolu_k_single')).toContain(`"${COLOUR.question}"="Teal"`);
    await idle();
  });

  it('several boxes, then Submit', async () => {
    await askAndWait('toolu_k_multi', FEATURES);
    expect((await d.api('POST', `/session/${id}/answer`, { choice: '2,3' })).status).toBe(200);
    expect(await resultFor('toolu_k_multi')).toContain(`"${FEATURES.question}"="Search, Export"`);
    await idle();
  });

  it('own words, typed into the "Type something" row', async () => {
    await askAndWait('toolu_k_text', COLOUR);
    expect((await d.api('POST', `/session/${id}/answer`, { choice: 'Magenta' })).status).toBe(200);
    expect(await resultFor('toolu_k_text')).toContain(`"${COLOUR.question}"="Magenta"`);
    await idle();
  });
});
