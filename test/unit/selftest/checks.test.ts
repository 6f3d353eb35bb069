import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSelfTest } from '../../../daemon/cli/doctor.js';
import type { Commands } from '../../../daemon/commands/types.js';
import { EventBus } from '../../../daemon/events/bus.js';
import type { PendingRequest, SessionEvent, SessionInfo } from '../../../daemon/events/types.js';
import { silentLogger } from '../../../daemon/logger.js';
import { runChecks, type SelfTestCheck } from '../../../daemon/selftest/checks.js';
import { SCRIPT, type ScriptedModel, type ToolResult } from '../../../daemon/selftest/scripted-model.js';
import { watchSession } from '../../../daemon/selftest/waiting.js';

// The checks' verdicts against a stand-in session: what a pass needs, and what a failure says it saw. The real
// Claude Code and daemon are in test/e2e/doctor-claude.test.ts.

const Q = SCRIPT.question.input.questions[0];
const timeouts = { startMs: 2_000, hookGraceMs: 300, stepMs: 1_000 };

/** A session that plays the self-test's conversation; `questionAs` is how the daemon relays AskUserQuestion. */
function stage(o: { questionAs: 'question' | 'permission'; hooks?: boolean; askBash?: boolean }) {
  const project = mkdtempSync(join(tmpdir(), 'csm-checks-'));
  const bus = new EventBus(silentLogger);
  const results = new Map<string, ToolResult>();
  const waiters = new Map<string, (r: ToolResult) => void>();
  const answers: string[] = [];
  const info: SessionInfo = {
    id: 'ab12', tmux_session: 'claude-ab12', cwd: project, log_file: '', status: 'starting', started_at: 0, last_output_at: 0,
    claude_session_id: null, pending: null, last_message: null, exit_code: null,
  };
  type Body = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'session_id' | 'at'> : never) : never;
  const emit = (e: Body): void => bus.emit({ ...e, session_id: 'ab12', at: Date.now() } as SessionEvent);
  const toolResult = (id: string, text: string, is_error = false): void => {
    results.set(id, { tool_use_id: id, text, is_error });
    waiters.get(id)?.(results.get(id)!);
  };
  const pend = (request: PendingRequest): void => {
    info.pending = request;
    emit(request.kind === 'permission' ? { kind: 'permission_request', request } : { kind: 'waiting_input', request });
  };
  const request = (p: Partial<PendingRequest>): PendingRequest => ({ request_id: `r${answers.length}`, kind: 'permission', title: '', detail: '', options: [], allows_text: true, created_at: 0, ...p });
  const askQuestion = (): void =>
    pend(
      o.questionAs === 'question'
        ? request({ kind: 'question', title: Q.question, options: Q.options.map((x, i) => ({ key: String(i + 1), label: x.label })) })
        : request({ title: 'AskUserQuestion', tool_name: 'AskUserQuestion', options: [{ key: 'allow', label: 'Allow' }, { key: 'deny', label: 'Deny' }] }),
    );
  const finish = (): void => {
    info.status = 'idle';
    info.last_message = SCRIPT.finalText;
    emit({ kind: 'finished', last_message: SCRIPT.finalText });
  };

  setTimeout(() => {
    info.status = 'idle';
    if (o.hooks !== false) info.claude_session_id = 'claude-session-1';
  }, 20);

  const commands = {
    get: () => ({ ...info }),
    output: async () => '❯ \n? for shortcuts',
    async sendInput(_id: string, text: string) {
      expect(text).toBe(SCRIPT.prompt);
      info.status = 'running';
      setTimeout(() => {
        if (o.askBash === false) {
          writeFileSync(join(project, SCRIPT.bash.marker), '');
          toolResult(SCRIPT.bash.id, '');
          askQuestion();
        } else pend(request({ title: 'Bash', tool_name: 'Bash', tool_input: SCRIPT.bash.input, options: [{ key: 'allow', label: 'Allow' }] }));
      }, 10);
      return { delivered: true };
    },
    async answer(_id: string, input: { choice: string }) {
      answers.push(input.choice);
      const was = info.pending!;
      info.pending = null;
      setTimeout(() => {
        if (was.tool_name === 'Bash') {
          writeFileSync(join(project, SCRIPT.bash.marker), '');
          toolResult(SCRIPT.bash.id, '');
          askQuestion();
        } else {
          const label = input.choice === '2' ? Q.options[1]!.label : null;
          toolResult(SCRIPT.question.id, label ? `Your questions have been answered: "${Q.question}"="${label}".` : 'denied', !label);
          finish();
        }
      }, 10);
      return { outcome: 'ok' };
    },
  } as unknown as Commands;

  const model: ScriptedModel = {
    url: '',
    waitForToolResult: (id, ms) =>
      new Promise((resolve) => {
        if (results.has(id)) return resolve(results.get(id)!);
        const timer = setTimeout(() => resolve(null), ms);
        waiters.set(id, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      }),
    close: async () => undefined,
  };
  const events = watchSession(bus, () => 'ab12');
  const run = async (): Promise<SelfTestCheck[]> => {
    const out: SelfTestCheck[] = [];
    await runChecks({ commands, model, events, sessionId: 'ab12', project, timeouts, hooksFix: 'FIX-HOOKS', signal: new AbortController().signal }, out);
    events.stop();
    return out;
  };
  return { run, answers, cleanup: () => rmSync(project, { recursive: true, force: true }) };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('the self-test checks', () => {
  it('pass when the question is relayed as a question with its options and "2" reaches the model as the 2nd label', async () => {
    const s = stage({ questionAs: 'question' });
    cleanup = s.cleanup;
    const checks = await s.run();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([['hooks', true], ['typed text', true], ['permission', true], ['question', true], ['idle', true]]);
    expect(checks[3]!.detail).toBe('a question with 3 options was relayed; the answer "Teal" reached the model');
    expect(s.answers).toEqual(['allow', '2']);
  });

  it('a question relayed as a bare permission fails with what was seen, is denied so the turn ends, and idle still runs', async () => {
    const s = stage({ questionAs: 'permission' });
    cleanup = s.cleanup;
    const checks = await s.run();
    expect(checks.find((c) => c.name === 'question')).toEqual({
      name: 'question', ok: false,
      detail: 'expected a question "Which colour should the csm self-test banner be?" with options Crimson, Teal, Amber; saw kind "permission" titled "AskUserQuestion" with options Allow, Deny',
      fix: 'Claude\'s questions reach the phone as a bare permission, without their options: update csm',
    });
    expect(s.answers).toEqual(['allow', 'deny']);
    expect(checks.find((c) => c.name === 'idle')?.ok).toBe(true);
  });

  it('no SessionStart although the prompt box is up: the hooks line fails with the fix, the rest are not run', async () => {
    const s = stage({ questionAs: 'question', hooks: false });
    cleanup = s.cleanup;
    const checks = await s.run();
    expect(checks[0]).toMatchObject({ name: 'hooks', ok: false, fix: 'FIX-HOOKS' });
    expect(checks[0]!.detail).toMatch(/^the prompt box is up but no SessionStart hook came within 0.3 s; the screen: "❯ \| \? for shortcuts"$/);
    expect(checks.slice(1).map((c) => c.detail)).toEqual(Array(4).fill('not checked: Claude Code sends no hooks'));
  });

  it('a Bash command run without asking fails the permission line: the phone would get no prompt', async () => {
    const s = stage({ questionAs: 'question', askBash: false });
    cleanup = s.cleanup;
    const checks = await s.run();
    expect(checks.find((c) => c.name === 'permission')).toMatchObject({ ok: false, detail: expect.stringMatching(/ran the Bash command without asking/) });
  });
});

describe('formatSelfTest', () => {
  it('prints the version, a line per check with its fix, and the total', () => {
    const text = formatSelfTest({
      ok: false, claude_command: 'claude', claude_version: '2.1.332 (Claude Code)', total_ms: 8_345,
      checks: [
        { name: 'hooks', ok: true, detail: 'SessionStart arrived 500 ms after launch' },
        { name: 'question', ok: false, detail: 'saw something else', fix: 'update csm' },
      ],
    });
    expect(text).toBe(
      [
        'Claude Code: 2.1.332 (Claude Code) (claude)',
        '✓ hooks     SessionStart arrived 500 ms after launch',
        '✗ question  saw something else',
        '            fix: update csm',
        '1 of 2 checks passed in 8.3 s',
      ].join('\n'),
    );
  });
});
