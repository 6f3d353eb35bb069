import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversation, occurrences, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Texts reach the real Claude Code exactly as sent, once, alone, in order, even when the daemon is
 * SIGKILLed between typing a text and its Enter (issue 9, items 4 and 5). What Claude received is read
 * from the fake model's recorded requests.
 */
describe.each(claudeVersions())('texts typed into Claude Code $label, across daemon crashes', ({ bin, label }) => {
  let api: FakeAnthropic;
  let d: DaemonHandle;
  let id: string;

  beforeAll(async () => {
    const { project, home } = workspace(`csm-input-${label}`);
    api = await startFakeAnthropic();
    d = await startDaemon({ claudeBin: bin, claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }), claudeArgs: ['--permission-mode', 'default'] });
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: project });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    id = r.body.session_id;
    await idle();
  });
  afterAll(async () => {
    await d?.cleanup();
    await api?.close();
  });

  async function idle(): Promise<void> {
    await waitFor(async () => (await d.api<{ status: string }>('GET', `/session/${id}`)).body.status === 'idle', { timeoutMs: 45_000, message: `session ${id} idle` });
  }

  /** The person's prompts in the latest conversation Claude Code sent, one entry per text block. */
  function prompts(): string[] {
    const last = api.requests.filter((r) => r.mainTurn).at(-1);
    const out: string[] = [];
    for (const m of last?.body.messages ?? []) {
      if (m.role !== 'user') continue;
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as { type: string; text?: string }[]);
      for (const b of blocks) if (b.type === 'text' && b.text && !b.text.startsWith('<')) out.push(unwrapPaste(b.text));
    }
    return out;
  }

  /**
   * Claude Code 2.1.33x sends a paste it shows collapsed ("[Pasted text #1]") inside <pasted_content> tags,
   * as it does for any person's paste; 2.1.197 sends it bare. The text inside is what was typed.
   */
  const unwrapPaste = (block: string): string => /^\s*<pasted_content id="[^"]*">\n([\s\S]*)\n<\/pasted_content id="[^"]*">\n?$/.exec(block)?.[1] ?? block;

  /** Waits until Claude has had `text` as a prompt and is idle again. */
  async function received(text: string): Promise<void> {
    await waitFor(() => prompts().includes(text), { timeoutMs: 45_000, message: `Claude received ${JSON.stringify(text.slice(0, 60))}; prompts: ${JSON.stringify(prompts().map((p) => p.slice(0, 60)))}` });
    await idle();
  }

  const send = (text: string): Promise<{ status: number; body: { delivered?: boolean; error?: string } } | Error> =>
    d.api<{ delivered?: boolean; error?: string }>('POST', `/session/${id}/input`, { text }).catch((err: Error) => err);
  const tmux = (...args: string[]): Promise<unknown> => execa('tmux', ['-L', d.socketName, ...args]);
  const screen = async (): Promise<string> => (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=60`)).body.output;

  async function crashAt(step: 'before-type' | 'before-enter', text: string): Promise<void> {
    await d.stop('SIGKILL');
    await d.restart({ CSM_TEST_CRASH_AT: `${step}:${text}` });
    const r = await send(text);
    expect(r, `the daemon died at ${step}`).toBeInstanceOf(Error);
    await d.exited();
    await d.restart({ CSM_TEST_CRASH_AT: undefined });
  }

  it('a CR inside a text is one prompt with a line break; a line over 16 KB is typed whole', async () => {
    const start = prompts().length;
    const crText = `cr-${label} first line\rcr second line`;
    const r = await send(crText);
    expect(r).not.toBeInstanceOf(Error);
    expect((r as { body: { delivered?: boolean } }).body.delivered).toBe(true);
    await received(crText.replace('\r', '\n'));
    const long = `long-${label}-${'abcdefghij'.repeat(3000)}-end`;
    expect((await send(long)) as { status: number }).toMatchObject({ status: 200 });
    await received(long);
    expect(prompts().slice(start)).toEqual([crText.replace('\r', '\n'), long]);
  });

  it('text someone left in the input box is not typed onto: a 409 quoting it, the box unchanged', async () => {
    await tmux('send-keys', '-t', `=claude-${id}:`, '-l', '--', 'half-written by the person');
    await waitFor(async () => (await screen()).includes('half-written by the person'), { message: 'draft on screen' });
    const r = await send(`api-${label} must not glue`);
    expect(r).not.toBeInstanceOf(Error);
    const res = r as { status: number; body: { error?: string } };
    expect(res.status).toBe(409);
    expect(res.body.error).toContain('"half-written by the person"');
    expect(await screen()).toContain('half-written by the person');
    expect(await screen()).not.toContain('must not glue');
    // The person clears it (the same keys the daemon uses); then the input goes through.
    await tmux('send-keys', '-t', `=claude-${id}:`, 'C-k', 'C-u', 'C-k', 'C-u');
    await waitFor(async () => !(await screen()).includes('half-written'), { message: 'draft cleared' });
    const again = `api-${label} after the draft`;
    expect((await send(again)) as { status: number }).toMatchObject({ status: 200 });
    await received(again);
    expect(api.requests.some((q) => conversation(q).includes('half-written'))).toBe(false);
  });

  it('killed 7 times (between text and Enter, before typing, while idle, with a draft left in the box): every text once, alone, in order', async () => {
    const start = prompts().length;
    const t = (n: number, extra = ''): string => `T${n}-${label}-crash-text${extra}`;
    const expected: string[] = [];

    // 1: typed, then killed before its Enter; the restart check submits it, and the next text is not glued to it.
    await crashAt('before-enter', t(1));
    expect((await send(t(2))) as { status: number }).toMatchObject({ status: 200 });
    expected.push(t(1), t(2));
    await received(t(2));

    // 2: killed before the first keystroke: nothing typed, the caller saw the failure and sends it again.
    await crashAt('before-type', t(3));
    expect((await send(t(3))) as { status: number }).toMatchObject({ status: 200 });
    expected.push(t(3));
    await received(t(3));

    // 3: a multi-line text (pasted) killed before its Enter.
    const multi = t(4, '\nsecond line of four\nthird line of four');
    await crashAt('before-enter', multi);
    expected.push(multi);
    await received(multi);

    // 4: killed while idle; meanwhile text nobody sent through csm appears in the box: the restart clears it.
    await d.stop('SIGKILL');
    await tmux('send-keys', '-t', `=claude-${id}:`, '-l', '--', 'STRAY-DRAFT-while-down');
    await waitFor(async () => (await execa('tmux', ['-L', d.socketName, 'capture-pane', '-p', '-t', `=claude-${id}:`])).stdout.includes('STRAY-DRAFT'), { message: 'stray draft on screen' });
    await d.restart();
    expect((await send(t(5))) as { status: number }).toMatchObject({ status: 200 });
    expected.push(t(5));
    await received(t(5));

    // 5: killed right after a confirmed input: it is not typed again.
    expect((await send(t(6))) as { status: number; body: { delivered?: boolean } }).toMatchObject({ status: 200, body: { delivered: true } });
    await d.stop('SIGKILL');
    await d.restart();
    expected.push(t(6));
    await received(t(6));

    // 6 and 7: twice in a row between text and Enter.
    await crashAt('before-enter', t(7));
    await crashAt('before-enter', t(8));
    expected.push(t(7), t(8));
    await received(t(8));

    expect(prompts().slice(start)).toEqual(expected);
    const last = conversation(api.requests.filter((r) => r.mainTurn).at(-1)!);
    for (const text of expected) expect(occurrences(last, JSON.stringify(text).slice(1, -1)), text).toBe(1);
    expect(api.requests.some((q) => conversation(q).includes('STRAY-DRAFT'))).toBe(false);
    expect(d.logs()).toMatch(/restart check: cleared text/);
  });
});
