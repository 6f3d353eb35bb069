import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeVersions, prepareClaudeHome } from '../helpers/claude.js';
import { startDaemon, waitForEvent, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import type { PendingRequest, SessionInfo } from '../../daemon/events/types.js';

type Pending = PendingRequest;
type Session = SessionInfo;
type Ev = { kind: string; session_id: string; seq: number; last_message?: string; request?: Pending; outcome?: string; by?: { channel: string } };

/**
 * The daemon driving the real Claude Code CLI in real tmux, against a fake Anthropic API, through the local
 * API, for both the version npm picks on Node 20 and the latest.
 */
describe.each(claudeVersions())('Claude Code $label in tmux, driven through the API', ({ bin, label }) => {
  let api: FakeAnthropic;
  let d: DaemonHandle;
  let root: string;
  let trusted: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `csm-e2e-${label}-`));
    trusted = join(root, 'project');
    mkdirSync(trusted);
    api = await startFakeAnthropic();
    const claudeHome = join(root, 'claude-home');
    mkdirSync(claudeHome);
    const env = prepareClaudeHome({ dir: claudeHome, apiUrl: api.url, trustedDirs: [trusted] });
    d = await startDaemon({ claudeBin: bin, claudeEnv: env, claudeArgs: ['--permission-mode', 'default'] });
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await d?.cleanup();
    await api?.close();
  });

  const session = async (id: string): Promise<Session> => (await d.api<Session>('GET', `/session/${id}`)).body;

  async function newSession(cwd = trusted): Promise<string> {
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.session_id;
  }

  async function waitPending(id: string, kind: string): Promise<Pending> {
    let last: Session | undefined;
    await waitFor(async () => (last = await session(id)).pending?.kind === kind, { timeoutMs: 30_000, message: `pending ${kind} in ${id}` }).catch((err: Error) => {
      throw new Error(`${err.message}; session: ${JSON.stringify(last)}\nscreen:\n${d.logs().slice(-2000)}`);
    });
    return last!.pending!;
  }

  async function ready(id: string): Promise<void> {
    await waitFor(async () => (await session(id)).status === 'idle', { timeoutMs: 45_000, message: `session ${id} idle at its prompt` });
  }

  it('permission dialog → pending shows the command → allow → Claude continues → finished with the last message', async () => {
    const id = await newSession();
    await ready(id);
    api.reply(
      { toolUse: { name: 'Bash', input: { command: 'echo csm-allowed > allowed.txt', description: 'Write a marker file' } } },
      { text: 'All done: the marker is written.' },
    );
    const seq = (await d.api<{ last_seq: number }>('GET', '/events')).body.last_seq;
    const typed = await d.api<{ delivered: boolean }>('POST', `/session/${id}/input`, { text: 'please write the marker' });
    expect(typed.body.delivered).toBe(true);
    const pending = await waitPending(id, 'permission');
    expect(pending.title).toBe('Bash');
    expect(pending.detail).toContain('echo csm-allowed > allowed.txt');
    expect(pending.options.map((o) => o.key)).toEqual(expect.arrayContaining(['allow', 'deny']));
    const answered = await d.api('POST', `/session/${id}/answer`, { request_id: pending.request_id, choice: 'allow' });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    const finished = await waitForEvent<Ev>(d, (e) => e.kind === 'finished' && e.session_id === id, { after: seq, timeoutMs: 30_000, what: 'finished' });
    expect(finished.last_message).toContain('All done: the marker is written.');
    const results = api.toolResults();
    expect(results.at(-1)?.is_error ?? false).toBe(false);
    await waitFor(async () => (await execa('cat', [join(trusted, 'allowed.txt')], { reject: false })).stdout === 'csm-allowed', { message: 'the tool ran' });
    const again = await d.api('POST', `/session/${id}/answer`, { request_id: pending.request_id, choice: 'allow' });
    expect(again.status).toBe(409);
    expect((await session(id)).last_message).toContain('All done');
  });

  it('deny with a message: Claude gets the message as the tool result', async () => {
    const id = await newSession();
    await ready(id);
    api.reply({ toolUse: { name: 'Bash', input: { command: 'rm -rf build', description: 'Remove build' } } }, { text: 'Understood, not removing it.' });
    await d.api('POST', `/session/${id}/input`, { text: 'clean the build' });
    const pending = await waitPending(id, 'permission');
    await d.api('POST', `/session/${id}/answer`, { request_id: pending.request_id, choice: 'deny', message: 'keep the build folder' });
    await waitFor(() => api.toolResults().some((r) => JSON.stringify(r.content).includes('keep the build folder')), { timeoutMs: 30_000, message: 'deny message in tool_result' });
    await waitFor(async () => (await session(id)).last_message?.includes('Understood') ?? false, { timeoutMs: 30_000, message: 'finished after deny' });
  });

  it('answered in the terminal instead: the request is resolved locally', async () => {
    const id = await newSession();
    await ready(id);
    api.reply({ toolUse: { name: 'Bash', input: { command: 'rm -rf terminal-build', description: 'Remove terminal-build' } } }, { text: 'Terminal answer seen.' });
    const seq = (await d.api<{ last_seq: number }>('GET', '/events')).body.last_seq;
    await d.api('POST', `/session/${id}/input`, { text: 'echo something' });
    const pending = await waitPending(id, 'permission');
    // The person at the laptop presses Esc (reject) in the real terminal.
    await execa('tmux', ['-L', d.socketName, 'send-keys', '-t', `=claude-${id}:`, 'Escape']);
    const resolved = await waitForEvent<Ev>(d, (e) => e.kind === 'resolved' && e.session_id === id, { after: seq, timeoutMs: 30_000, what: 'resolved' });
    expect(resolved.by?.channel).toBe('terminal');
    const late = await d.api('POST', `/session/${id}/answer`, { request_id: pending.request_id, choice: 'allow' });
    expect(late.status).toBe(409);
  });

  it('untrusted folder: the trust dialog is surfaced from the screen and answered', async () => {
    const untrusted = join(root, `untrusted-${Date.now()}`);
    mkdirSync(untrusted);
    const id = await newSession(untrusted);
    const pending = await waitPending(id, 'dialog');
    expect(`${pending.title}\n${pending.detail}`).toMatch(/trust/i);
    const yes = pending.options.find((o) => /yes/i.test(o.label));
    expect(yes).toBeDefined();
    const r = await d.api('POST', `/session/${id}/answer`, { request_id: pending.request_id, choice: yes!.key });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await ready(id);
  });

  it('kill, and a SIGKILLed daemon adopts its sessions on restart; input still works', async () => {
    const id = await newSession();
    await ready(id);
    await d.stop('SIGKILL');
    await d.restart();
    expect((await session(id)).status).not.toBe('dead');
    api.reply({ text: 'Still here after the restart.' });
    const seq = (await d.api<{ last_seq: number }>('GET', '/events')).body.last_seq;
    const typed = await d.api<{ delivered: boolean }>('POST', `/session/${id}/input`, { text: 'are you there?' });
    expect(typed.body.delivered).toBe(true);
    const finished = await waitForEvent<Ev>(d, (e) => e.kind === 'finished' && e.session_id === id, { after: seq, timeoutMs: 30_000, what: 'finished after restart' });
    expect(finished.last_message).toContain('Still here');
    const killed = await d.api('POST', `/session/${id}/kill`);
    expect(killed.status).toBe(200);
    expect((await session(id)).status).toBe('dead');
    const sessions = (await execa('tmux', ['-L', d.socketName, 'list-sessions', '-F', '#{session_name}'], { reject: false })).stdout;
    expect(sessions).not.toContain(`claude-${id}`);
  });
});
