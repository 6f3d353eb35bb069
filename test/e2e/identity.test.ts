import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversation, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeMessage } from '../fakes/telegram-bot-api.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import { newIdleSession, waitForEvent, type DaemonHandle } from '../helpers/daemon.js';
import { newSessionFromChat as openFromChat, startTelegramDaemon, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const HOOK = join(ROOT, 'hooks/csm-hook.sh');

interface Pending { request_id: string; kind: string; title: string }
interface Session { id: string; status: string; pending: Pending | null; last_message: string | null }
type Ev = { kind: string; session_id: string; seq: number; last_message?: string | null };

/**
 * Which session a reply, a hook or a credential acts for, with real Claude Code in real tmux: ids are never
 * reused, each session's own credential works for its hooks and MCP server and for nothing of another
 * session, and running sessions survive a new owner token.
 */
describe.each(claudeVersions())('session identity with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let one: string;
  let two: string;
  /** Session B (id c3d4), whose environment plays the other session. */
  let b: { id: string; root: FakeMessage };
  /** Session A2: the one whose permission request B must not answer. */
  let a2: string;
  /** The session that was killed (its id must stay taken). */
  let ended: string;

  beforeAll(async () => {
    const w = workspace(`csm-identity-${label}`);
    one = w.project;
    two = join(w.root, 'two');
    await execa('mkdir', [two]);
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start();
    const env = prepareClaudeHome({ dir: w.home, apiUrl: api.url, trustedDirs: [one, two] });
    // The second draw repeats the first id: the daemon must see it was issued (to a session now dead) and draw again.
    d = await startTelegramDaemon(tg, { claudeBin: bin, claudeEnv: env, env: { CSM_TEST_SESSION_IDS: 'a1b2,a1b2,c3d4' } });
  });
  beforeEach(() => api?.clearQueue());
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  const session = async (id: string): Promise<Session> => (await d.api<Session>('GET', `/session/${id}`)).body;
  const envOf = async (id: string, name: string): Promise<string> => {
    const r = await execa('tmux', ['-L', d.socketName, 'show-environment', '-t', `claude-${id}`, name]);
    return r.stdout.trim().slice(name.length + 1);
  };
  const as = async (token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: { error?: string; code?: string } }> => {
    const res = await fetch(`${d.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(path === '/hook' ? { 'x-csm-session': a2 } : {}) },
      body: body !== undefined ? JSON.stringify(body) : null,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as { error?: string }) : {} };
  };
  async function waitPermission(id: string): Promise<Pending> {
    let last: Session | undefined;
    await waitFor(async () => (last = await session(id)).pending?.kind === 'permission', { timeoutMs: 30_000, message: `a permission request in ${id}` }).catch((err: Error) => {
      throw new Error(`${err.message}; session: ${JSON.stringify(last)}\nlog:\n${d.logs().slice(-2000)}`);
    });
    return last!.pending!;
  }

  it('ids are never reused: a reply to a dead session\'s thread says so and is typed nowhere', async () => {
    const a = await openFromChat(tg, d, one);
    ended = a.id;
    expect((await d.api('POST', `/session/${a.id}/kill`)).status).toBe(200);
    await waitFor(async () => (await session(a.id)).status === 'dead', { message: `${a.id} dead` });
    b = await openFromChat(tg, d, two);
    expect([a.id, b.id]).toEqual(['a1b2', 'c3d4']);

    const text = 'this reply belongs to the session that ended';
    const reply = tg.userSends({ text, replyTo: a.root.message_id });
    const said = await tg.waitForMessage((m) => m.reply_to === reply.message_id, 15_000);
    expect(textOf(said)).toMatch(/^⚠️ Session a1b2 has ended/);
    expect(api.requests.some((r) => conversation(r).includes(text))).toBe(false);
    expect((await d.api<{ output: string }>('GET', '/session/c3d4/output?lines=200')).body.output).not.toContain(text);
    expect((await session('c3d4')).status).toBe('idle');
  });

  it('session B\'s credential cannot answer, release or kill session A\'s request; A\'s hooks and B\'s MCP server work with their own', async () => {
    a2 = await newIdleSession(d, one);
    const tokenA = await envOf(a2, 'CSM_TOKEN');
    const tokenB = await envOf(b.id, 'CSM_TOKEN');
    expect(new Set([tokenA, tokenB, d.token]).size).toBe(3);
    // The MCP server gets the same credential as the hooks.
    const mcp = JSON.parse(readFileSync(join(d.home, 'sessions', b.id, 'mcp.json'), 'utf8')) as { mcpServers: { csm: { env: Record<string, string> } } };
    expect(mcp.mcpServers.csm.env['CSM_TOKEN']).toBe(tokenB);

    api.reply({ toolUse: { name: 'Bash', input: { command: 'echo csm-identity > marker.txt', description: 'Write a marker' } } }, { text: 'Marker written.' });
    expect((await d.api('POST', `/session/${a2}/input`, { text: 'write the marker' })).status).toBe(200);
    // Reached the daemon through A's own hooks, with A's credential.
    const pending = await waitPermission(a2);

    const refusals: [string, 'GET' | 'POST', string, unknown][] = [
      ['answer A', 'POST', `/session/${a2}/answer`, { request_id: pending.request_id, choice: 'allow' }],
      ['answer itself', 'POST', `/session/${b.id}/answer`, { choice: 'allow' }],
      ['a hook claiming to be A (would release its request)', 'POST', '/hook', { hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: {} }],
      ['kill A', 'POST', `/session/${a2}/kill`, {}],
      ['type into A', 'POST', `/session/${a2}/input`, { text: 'hello' }],
      ['ask as A', 'POST', `/session/${a2}/ask`, { question: 'allow?' }],
      ['notify as A', 'POST', '/notify', { session_id: a2, message: 'hi' }],
      ['list the sessions', 'GET', '/sessions', undefined],
      ['start a session', 'POST', '/session/new', { cwd: one }],
      ['read the event stream', 'GET', '/events', undefined],
    ];
    for (const [what, method, path, body] of refusals) {
      const r = await as(tokenB, method, path, body);
      expect([what, r.status, r.body.code], JSON.stringify(r.body)).toEqual([what, 403, 'forbidden']);
      expect(r.body.error).toMatch(new RegExp(`session ${b.id}|owner's token`));
    }
    const still = await session(a2);
    expect(still.pending?.request_id).toBe(pending.request_id);
    expect(existsSync(join(one, 'marker.txt'))).toBe(false);

    // The owner's token decides; A's hook carries the decision to Claude.
    const seq = (await d.api<{ last_seq: number }>('GET', '/events')).body.last_seq;
    const answered = await d.api<{ outcome: string }>('POST', `/session/${a2}/answer`, { request_id: pending.request_id, choice: 'allow' });
    expect(answered.body.outcome).toBe('allowed');
    const done = await waitForEvent<Ev>(d, (e) => e.kind === 'finished' && e.session_id === a2, { after: seq, what: `${a2} finished` });
    expect(done.last_message).toBe('Marker written.');
    expect(readFileSync(join(one, 'marker.txt'), 'utf8').trim()).toBe('csm-identity');

    // B's MCP server, with B's credential: notify reaches B's thread (and the first prompt waited for its mcp-ready).
    const toolUseId = `toolu_identity_notify_${label.replace(/\W/g, '')}`;
    api.reply({ toolUse: { id: toolUseId, name: 'mcp__csm__notify', input: { message: 'hello from B' } } }, { text: 'Told you.' });
    tg.userSends({ text: 'tell me on the phone', replyTo: b.root.message_id });
    const note = await tg.waitForMessage((m) => textOf(m).startsWith(`📣 ${b.id}`) && textOf(m).includes('hello from B'), 30_000);
    expect(note.reply_to).toBe(b.root.message_id);
    const result = await waitFor(() => api.toolResults().find((r) => r.tool_use_id === toolUseId), { timeoutMs: 30_000, message: 'the notify tool result' });
    expect(result.is_error).toBe(false);
  });

  it('a new owner token (lost token file): running sessions keep working; a hook with a wrong token is logged once, loudly', async () => {
    const oldToken = d.token;
    await d.stop();
    rmSync(join(d.home, 'token'));
    await d.restart();
    expect(d.token).not.toBe(oldToken);
    expect((await as(oldToken, 'GET', '/sessions')).status).toBe(401);
    // Ids and records survive the restart: the ended session is still known as ended.
    expect((await session(ended)).status).toBe('dead');

    await waitFor(async () => (await session(a2)).status === 'idle', { message: `${a2} idle after the restart` });
    api.reply({ toolUse: { name: 'Bash', input: { command: 'echo after-restart > marker2.txt', description: 'Write a second marker' } } }, { text: 'Second marker.' });
    expect((await d.api('POST', `/session/${a2}/input`, { text: 'write the second marker' })).status).toBe(200);
    const pending = await waitPermission(a2);
    const seq = (await d.api<{ last_seq: number }>('GET', '/events')).body.last_seq;
    expect((await d.api<{ outcome: string }>('POST', `/session/${a2}/answer`, { request_id: pending.request_id, choice: 'allow' })).body.outcome).toBe('allowed');
    await waitForEvent<Ev>(d, (e) => e.kind === 'finished' && e.session_id === a2 && e.last_message === 'Second marker.', { after: seq, what: `${a2} finished again` });

    // A session started by an older daemon carries the old owner token: its hooks are refused, and said so once.
    const runHook = () =>
      execa('sh', [HOOK], {
        input: JSON.stringify({ hook_event_name: 'Notification', message: 'Claude needs your permission', session_id: 'x' }),
        env: { ...process.env, CSM_URL: d.url, CSM_TOKEN: oldToken, CSM_SESSION_ID: 'beef', TMUX_PANE: '%99' },
        reject: false,
      });
    for (let i = 0; i < 3; i++) {
      const r = await runHook();
      expect([r.exitCode, r.stdout]).toEqual([0, '']);
    }
    const warned = await waitFor(() => {
      const lines = d.logs().split('\n').filter((l) => l.includes('refused a Claude Code hook with a wrong token'));
      return lines.length > 0 ? lines : null;
    }, { message: 'the refused-hook warning' });
    expect(warned).toHaveLength(1);
    const entry = JSON.parse(warned[0]!) as { level: number; msg: string; session: string };
    expect(entry.level).toBe(40);
    expect(entry.session).toBe('beef');
    expect(entry.msg).toContain(join(d.home, 'token'));
  });
});
