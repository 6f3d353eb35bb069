import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeVersions } from '../helpers/claude.js';
import { startClaudeStack, type ClaudeStack } from '../helpers/claude-daemon.js';
import { newIdleSession, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import type { PendingRequest, SessionEvent, SessionInfo } from '../../daemon/events/types.js';

const BIN = join(import.meta.dirname, '../fixtures/bin');

type Pending = PendingRequest;
type Session = SessionInfo;
type Ev = SessionEvent & { seq: number };

const STUCK_SECONDS = 2;

/** Nothing sits in silence: a screen no classifier knows reaches the owner with a keypad that drives it. */
describe('a screen nobody recognises', () => {
  let d: DaemonHandle;
  let work: string;
  let out: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-stuck-'));
    out = join(work, 'steps.txt');
    d = await startDaemon({ claudeBin: join(BIN, 'odd-menu'), claudeEnv: { CSM_TEST_OUT: out }, config: { sessions: { stuck_seconds: STUCK_SECONDS } } });
  });
  afterAll(async () => d?.cleanup());

  const session = async (id: string): Promise<Session> => (await d.api<Session>('GET', `/session/${id}`)).body;
  const screenPending = async (id: string, text: string): Promise<Pending> => {
    let last: Session | undefined;
    await waitFor(async () => (last = await session(id)).pending?.kind === 'screen' && last.pending?.detail.includes(text) === true, { timeoutMs: 20_000, message: `screen with "${text}"` }).catch((err: Error) => {
      throw new Error(`${err.message}; session: ${JSON.stringify(last)}`);
    });
    return last!.pending!;
  };
  const recorded = (): string => (existsSync(out) ? readFileSync(out, 'utf8') : '');

  it('is surfaced once it has stood still for stuck_seconds, with the screen and a keypad; keys and text drive it', async () => {
    const started = Date.now();
    const created = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.session_id;
    const first = await screenPending(id, 'Where to?');
    expect(Date.now() - started).toBeGreaterThanOrEqual(STUCK_SECONDS * 1000);
    expect(first.detail).toContain('>> staging');
    expect(first.options.map((o) => o.key)).toEqual(['Up', 'Down', 'Enter', 'Escape', 'Tab', '1', '2', '3', '4', 'y', 'n']);
    expect((await session(id)).status).toBe('waiting_input');

    const bad = await d.api('POST', `/session/${id}/keys`, { keys: ['Down', 'C-c'] });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/"C-c" is not a key/);
    const extra = await d.api('POST', `/session/${id}/keys`, { keys: ['Down'], raw: 'x' });
    expect(extra.status).toBe(400);
    const semicolon = await d.api('POST', `/session/${id}/keys`, { keys: ['Down;', 'run-shell'] });
    expect(semicolon.status).toBe(400);

    // A key press shows its effect at once: the next different screen comes back without another wait.
    const cli = await d.cli(['keys', id, 'Down']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const moved = await screenPending(id, '>> production');
    expect(moved.request_id).not.toBe(first.request_id);

    expect((await d.api('POST', `/session/${id}/answer`, { choice: 'Enter' })).status).toBe(200);
    await waitFor(() => recorded().includes('picked production\n'), { message: 'the menu choice reached the program' });
    await screenPending(id, 'A note for the log');
    const typed = await d.api('POST', `/session/${id}/input`, { text: 'ship it, "carefully"' });
    expect(typed.status, JSON.stringify(typed.body)).toBe(200);
    await waitFor(() => recorded().includes('note ship it, "carefully"\n'), { message: 'the typed reply reached the program' });
    expect(recorded()).toBe('picked production\nnote ship it, "carefully"\n');
  });

  it('a program printing all the time is never surfaced', async () => {
    const w = await startDaemon({ claudeBin: join(BIN, 'busy-writer'), claudeEnv: {}, config: { sessions: { stuck_seconds: 1 } } });
    try {
      const created = await w.api<{ session_id: string }>('POST', '/session/new', { cwd: work });
      const id = created.body.session_id;
      // 20 lines a second: step 120 is six stuck_seconds later.
      await waitFor(async () => /step (1[2-9]\d|[2-9]\d\d) of the plan/.test((await w.api<{ output: string }>('GET', `/session/${id}/output?lines=5`)).body.output), {
        timeoutMs: 20_000, message: 'the writer at step 120',
      });
      const events = (await w.api<{ events: Ev[] }>('GET', `/events?session=${id}`)).body.events;
      expect(events.filter((e) => e.kind === 'waiting_input')).toEqual([]);
      expect((await w.api<Session>('GET', `/session/${id}`)).body.pending).toBeNull();
    } finally {
      await w.cleanup();
    }
  });
});

describe.each(claudeVersions())('Claude Code $label working for longer than stuck_seconds', ({ bin, label }) => {
  let stack: ClaudeStack;

  beforeAll(async () => {
    stack = await startClaudeStack(bin, `csm-stuck-${label}`, { config: { sessions: { stuck_seconds: 1 } } });
  });
  afterAll(async () => stack?.close());

  it('its spinner is busy, not a screen to ask about', async () => {
    const { api, d } = stack;
    const id = await newIdleSession(d, stack.project);
    api.reply({ text: 'Slow thoughts, finally done.', delayMs: 5000 });
    expect((await d.api('POST', `/session/${id}/input`, { text: 'think slowly' })).status).toBe(200);
    await waitFor(async () => {
      const s = (await d.api<{ status: string; last_message: string | null }>('GET', `/session/${id}`)).body;
      return s.status === 'idle' && s.last_message === 'Slow thoughts, finally done.';
    }, { timeoutMs: 30_000, message: 'the slow turn finished' });
    const events = (await d.api<{ events: Ev[] }>('GET', `/events?session=${id}`)).body.events;
    expect(events.filter((e) => e.kind === 'waiting_input' || e.kind === 'permission_request')).toEqual([]);
  });
});
