import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Commands } from '../commands/types.js';
import type { Origin, PendingRequest, SessionInfo } from '../events/types.js';
import { SCRIPT, type ScriptedModel } from './scripted-model.js';
import { pollUntil, within, type SessionEvents } from './waiting.js';

/** `claude`: it could not be run; `start`: csm could not start a session; `run`: the self-test itself stopped. */
export type CheckName = 'claude' | 'start' | 'hooks' | 'typed text' | 'permission' | 'question' | 'idle' | 'run';

export interface SelfTestCheck {
  name: CheckName;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface SelfTestTimeouts {
  /** From launch to Claude Code's SessionStart hook. */
  startMs: number;
  /** How long SessionStart may lag behind the prompt box already on screen. */
  hookGraceMs: number;
  /** Each later step: a relayed request, a tool result reaching the model, the end of the turn. */
  stepMs: number;
}

export const DEFAULT_TIMEOUTS: SelfTestTimeouts = { startMs: 30_000, hookGraceMs: 5_000, stepMs: 15_000 };

export interface CheckContext {
  commands: Commands;
  model: ScriptedModel;
  events: SessionEvents;
  sessionId: string;
  /** The folder Claude Code runs in: the Bash command leaves its marker file there. */
  project: string;
  timeouts: SelfTestTimeouts;
  /** The fix line for hooks that do not arrive (it names the owner's settings file that turns them off). */
  hooksFix: string;
  /** The owner gave up (Ctrl-C): waits end at once. */
  signal: AbortSignal;
}

const ORIGIN: Origin = { channel: 'cli', user: 'csm doctor --claude' };
const QUESTION = SCRIPT.question.input.questions[0];
const LABELS = QUESTION.options.map((o) => o.label);

/**
 * The checks, in the order the conversation reaches them, each appended to `out` as it ends (an interrupted
 * run still reports what it found). A check that cannot run because an earlier one failed says so rather
 * than waiting out its timeout.
 */
export async function runChecks(c: CheckContext, out: SelfTestCheck[]): Promise<void> {
  const step = async (check: Promise<SelfTestCheck>): Promise<boolean> => {
    const r = await check;
    out.push(r);
    return r.ok;
  };
  if (!(await step(checkHooks(c)))) return void out.push(...notRun(['typed text', 'permission', 'question', 'idle'], 'Claude Code sends no hooks'));
  if (!(await step(checkTypedText(c)))) return void out.push(...notRun(['permission', 'question', 'idle'], 'the prompt did not reach Claude Code'));
  if (!(await step(checkPermission(c)))) return void out.push(...notRun(['question', 'idle'], 'the conversation stopped at the Bash command'));
  const question = await checkQuestion(c);
  out.push(question.check);
  if (question.stuck) return void out.push(...notRun(['idle'], 'the question is still open in the terminal'));
  out.push(await checkIdle(c));
}

function notRun(names: CheckName[], why: string): SelfTestCheck[] {
  return names.map((name) => ({ name, ok: false, detail: `not checked: ${why}` }));
}

async function checkHooks(c: CheckContext): Promise<SelfTestCheck> {
  const started = Date.now();
  let promptSeenAt: number | null = null;
  const seen = await pollUntil<SessionInfo>(() => {
    const s = c.commands.get(c.sessionId);
    if (s.claude_session_id || s.status === 'dead') return s;
    // The prompt box can be drawn a moment before SessionStart arrives; after a grace period it is not coming.
    if (s.status === 'idle' && promptSeenAt === null) promptSeenAt = Date.now();
    if (promptSeenAt !== null && Date.now() - promptSeenAt > c.timeouts.hookGraceMs) return s;
    return undefined;
  }, c.timeouts.startMs, { signal: c.signal });
  const s = seen ?? c.commands.get(c.sessionId);
  if (s.claude_session_id) {
    // SessionStart sets the status too; wait for the prompt box so typed text has somewhere to go.
    await pollUntil(() => (c.commands.get(c.sessionId).status === 'idle' ? true : undefined), c.timeouts.stepMs, { signal: c.signal });
    return { name: 'hooks', ok: true, detail: `SessionStart arrived ${Date.now() - started} ms after launch` };
  }
  if (s.status === 'dead') {
    return { name: 'hooks', ok: false, detail: `Claude Code exited at start (exit code ${s.exit_code ?? 'unknown'})`, fix: 'run the claude command by hand in a terminal to see why it stops' };
  }
  const screen = await screenTail(c);
  if (s.pending) {
    const fix = s.pending.title === 'Trust this folder?'
      ? 'this Claude Code keeps folder trust where csm does not look: hooks run only after the trust dialog, so answer it from the phone (or `csm answer <id> 1`) in new folders, and report it'
      : 'a start-up dialog the self-test cannot skip: in your own sessions csm relays it to the phone, answer it once there; report it so the self-test learns it';
    return { name: 'hooks', ok: false, detail: `Claude Code shows a dialog at start ("${s.pending.title}") and sent no hook; the screen: ${screen}`, fix };
  }
  const what = s.status === 'idle' ? `the prompt box is up but no SessionStart hook came within ${c.timeouts.hookGraceMs / 1000} s` : `no SessionStart hook within ${c.timeouts.startMs / 1000} s (status ${s.status})`;
  return { name: 'hooks', ok: false, detail: `${what}; the screen: ${screen}`, fix: c.hooksFix };
}

async function checkTypedText(c: CheckContext): Promise<SelfTestCheck> {
  const started = Date.now();
  const r = await within(c.commands.sendInput(c.sessionId, SCRIPT.prompt, ORIGIN).catch((e: Error) => e), c.timeouts.stepMs, null, c.signal);
  if (r instanceof Error) return { name: 'typed text', ok: false, detail: `csm could not type: ${r.message}` };
  if (r?.delivered) return { name: 'typed text', ok: true, detail: `a typed prompt was confirmed by UserPromptSubmit in ${Date.now() - started} ms` };
  return {
    name: 'typed text', ok: false,
    detail: `${r ? 'the text was typed but' : `within ${c.timeouts.stepMs / 1000} s`} Claude Code did not confirm it (no UserPromptSubmit hook); the screen: ${await screenTail(c)}`,
    fix: 'if the text sits in the input box, Enter did not submit it: report it with this Claude Code version',
  };
}

async function checkPermission(c: CheckContext): Promise<SelfTestCheck> {
  const name = 'permission';
  const e = await c.events.next((x) => x.kind === 'permission_request' || x.kind === 'waiting_input', c.timeouts.stepMs);
  const req = e?.kind === 'permission_request' || e?.kind === 'waiting_input' ? e.request : null;
  if (!req || req.tool_name !== 'Bash') {
    if (await c.model.waitForToolResult(SCRIPT.bash.id, 0)) {
      return {
        name, ok: false, detail: 'Claude Code ran the Bash command without asking: with these settings the phone gets no permission prompts',
        fix: 'check permissions.allow, defaultMode and claude.default_args (--permission-mode, --dangerously-skip-permissions)',
      };
    }
    if (req) return { name, ok: false, detail: `expected a Bash permission request, saw ${describe(req)}` };
    return { name, ok: false, detail: `no permission request within ${c.timeouts.stepMs / 1000} s; the screen: ${await screenTail(c)}`, fix: c.hooksFix };
  }
  if (req.kind !== 'permission') return { name, ok: false, detail: `expected a Bash permission request, saw ${describe(req)}` };
  const answered = await c.commands.answer(c.sessionId, { request_id: req.request_id, choice: 'allow' }, ORIGIN).catch((err: Error) => err);
  if (answered instanceof Error) return { name, ok: false, detail: `Bash permission relayed, but answering it failed: ${answered.message}` };
  const result = await c.model.waitForToolResult(SCRIPT.bash.id, c.timeouts.stepMs);
  if (!result) return { name, ok: false, detail: `Bash permission relayed and allowed, but the command's result never reached the model within ${c.timeouts.stepMs / 1000} s; the screen: ${await screenTail(c)}` };
  if (result.is_error) return { name, ok: false, detail: `Bash permission relayed and allowed, but Claude Code reported an error: ${result.text.slice(0, 200)}` };
  if (!existsSync(join(c.project, SCRIPT.bash.marker))) return { name, ok: false, detail: `Bash permission relayed and allowed, but the command did not run (no ${SCRIPT.bash.marker} in the folder)` };
  return { name, ok: true, detail: 'a Bash permission was relayed, allowed through the hook, and the command ran' };
}

/** `stuck`: the question may still wait in the terminal, so the turn cannot end. */
async function checkQuestion(c: CheckContext): Promise<{ check: SelfTestCheck; stuck: boolean }> {
  const name = 'question';
  const fail = (detail: string, stuck = false, fix?: string): { check: SelfTestCheck; stuck: boolean } => ({ check: { name, ok: false, detail, ...(fix ? { fix } : {}) }, stuck });
  const e = await c.events.next((x) => x.kind === 'permission_request' || x.kind === 'waiting_input', c.timeouts.stepMs);
  if (!e || (e.kind !== 'permission_request' && e.kind !== 'waiting_input')) {
    return fail(`Claude's question (AskUserQuestion) was not relayed within ${c.timeouts.stepMs / 1000} s; the screen: ${await screenTail(c)}`, true, 'the phone will not get Claude\'s questions with this Claude Code: update csm, or report it with this version');
  }
  const req = e.request;
  const labels = req.options.map((o) => o.label);
  if (req.kind !== 'question' || req.title !== QUESTION.question || JSON.stringify(labels) !== JSON.stringify(LABELS)) {
    // Let the conversation go on to its end, so the idle check still runs.
    const unblock = req.kind === 'permission' ? { choice: 'deny', message: 'csm self-test: skipped' } : { choice: req.options[0]?.key ?? '1' };
    const moved = await c.commands.answer(c.sessionId, { request_id: req.request_id, ...unblock }, ORIGIN).then(() => true, () => false);
    const fix = req.kind === 'permission' ? 'Claude\'s questions reach the phone as a bare permission, without their options: update csm' : undefined;
    return fail(`expected a question "${QUESTION.question}" with options ${LABELS.join(', ')}; saw ${describe(req)}`, !moved, fix);
  }
  const answered = await c.commands.answer(c.sessionId, { request_id: req.request_id, choice: '2' }, ORIGIN).catch((err: Error) => err);
  if (answered instanceof Error) return fail(`the question was relayed, but answering "2" failed: ${answered.message}`, true);
  const result = await c.model.waitForToolResult(SCRIPT.question.id, c.timeouts.stepMs);
  if (!result) return fail(`the question was answered "2", but no answer reached the model within ${c.timeouts.stepMs / 1000} s; the screen: ${await screenTail(c)}`, true);
  if (result.is_error || !result.text.includes(LABELS[1]!)) {
    return fail(`the question was answered "2", but the model got ${result.is_error ? 'an error' : 'another answer'}: ${result.text.slice(0, 200)}`);
  }
  return { check: { name, ok: true, detail: `a question with ${LABELS.length} options was relayed; the answer "${LABELS[1]}" reached the model` }, stuck: false };
}

async function checkIdle(c: CheckContext): Promise<SelfTestCheck> {
  const name = 'idle';
  const e = await c.events.next((x) => x.kind === 'finished', c.timeouts.stepMs);
  const last = e?.kind === 'finished' ? e.last_message : undefined;
  if (last === undefined) return { name, ok: false, detail: `the turn did not finish within ${c.timeouts.stepMs / 1000} s (no Stop hook); the screen: ${await screenTail(c)}` };
  if (last !== SCRIPT.finalText) return { name, ok: false, detail: `the turn finished, but with the last message ${JSON.stringify(last)} instead of ${JSON.stringify(SCRIPT.finalText)}` };
  const idle = await pollUntil(() => (c.commands.get(c.sessionId).status === 'idle' ? true : undefined), c.timeouts.stepMs, { signal: c.signal });
  if (!idle) return { name, ok: false, detail: `the turn finished, but the session is "${c.commands.get(c.sessionId).status}", not idle; the screen: ${await screenTail(c)}` };
  return { name, ok: true, detail: 'idle after the turn, finished with Claude\'s last message' };
}

function describe(req: PendingRequest): string {
  return `kind "${req.kind}" titled "${req.title}" with options ${req.options.map((o) => o.label).join(', ') || '(none)'}`;
}

/** The last lines of the session's screen, on one line: what the person would have seen, without the rules. */
async function screenTail(c: CheckContext): Promise<string> {
  const screen = await c.commands.output(c.sessionId, 15).catch(() => '');
  const lines = screen.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l && !/^[─━═\-—\s]+$/.test(l));
  return lines.length ? `"${lines.slice(-6).join(' | ')}"` : '(empty)';
}
