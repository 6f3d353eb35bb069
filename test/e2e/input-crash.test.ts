import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversation, occurrences, startFakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../fakes/anthropic-api.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import { newIdleSessionWait, startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { FakeTelegramBotApi } from '../fakes/telegram-bot-api.js';
import { newSessionFromChat, startTelegramDaemon } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Claude Code 2.1.33x sends a paste it shows collapsed ("[Pasted text #1]") inside <pasted_content> tags,
 * as it does for any person's paste; 2.1.197 sends it bare. The text inside is what was typed.
 */
const unwrapPaste = (block: string): string => /^\s*<pasted_content id="[^"]*">\n([\s\S]*)\n<\/pasted_content id="[^"]*">\n?$/.exec(block)?.[1] ?? block;

/** Whether a request comes from the session in `folder`: Claude Code names it in the system prompt (2.1.197) or the messages (2.1.33x). */
const inFolder = (r: RecordedRequest, folder: string): boolean => JSON.stringify(r.body.system ?? '').includes(folder) || conversation(r).includes(folder);

/** The person's prompts in the latest conversation Claude Code sent (from `folder`, if given), one entry per text block. */
function promptsOf(api: FakeAnthropic, folder?: string): string[] {
  const last = api.requests.filter((r) => r.mainTurn && (!folder || inFolder(r, folder))).at(-1);
  const out: string[] = [];
  for (const m of last?.body.messages ?? []) {
    if (m.role !== 'user') continue;
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as { type: string; text?: string }[]);
    for (const b of blocks) if (b.type === 'text' && b.text && !b.text.startsWith('<')) out.push(unwrapPaste(b.text));
  }
  return out;
}

/** Waits until Claude has had `text` as a prompt and the session is idle again. */
async function receivedBy(api: FakeAnthropic, d: DaemonHandle, id: string, text: string, folder?: string): Promise<void> {
  await waitFor(() => promptsOf(api, folder).includes(text), { timeoutMs: 45_000, message: `Claude received ${JSON.stringify(text.slice(0, 60))}; prompts: ${JSON.stringify(promptsOf(api, folder).map((p) => p.slice(0, 60)))}` });
  await newIdleSessionWait(d, id);
}

/** Every text exactly once, alone (a prompt of its own), in this order, since prompt number `start`. */
function expectOnceAloneInOrder(api: FakeAnthropic, start: number, expected: string[], folder?: string): void {
  expect(promptsOf(api, folder).slice(start)).toEqual(expected);
  const last = conversation(api.requests.filter((r) => r.mainTurn && (!folder || inFolder(r, folder))).at(-1)!);
  for (const text of expected) expect(occurrences(last, JSON.stringify(text).slice(1, -1)), text).toBe(1);
}

const apiSend = (d: DaemonHandle, id: string, text: string): Promise<{ status: number; body: { delivered?: boolean; error?: string } } | Error> =>
  d.api<{ delivered?: boolean; error?: string }>('POST', `/session/${id}/input`, { text }).catch((err: Error) => err);

/** Restarts the daemon set to SIGKILL itself at `step` of typing `text`, makes it type `text`, and restarts it normally. */
async function crashWhileTyping(d: DaemonHandle, step: 'before-type' | 'before-enter', text: string, deliver: () => Promise<void>): Promise<void> {
  await d.stop('SIGKILL');
  await d.restart({ CSM_TEST_CRASH_AT: `${step}:${text}` });
  await deliver();
  await d.exited();
  await d.restart({ CSM_TEST_CRASH_AT: undefined });
}

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

  const idle = (): Promise<void> => newIdleSessionWait(d, id);

  const prompts = (): string[] => promptsOf(api);
  const received = (text: string): Promise<void> => receivedBy(api, d, id, text);

  const send = (text: string): ReturnType<typeof apiSend> => apiSend(d, id, text);
  const tmux = (...args: string[]): Promise<unknown> => execa('tmux', ['-L', d.socketName, ...args]);
  const screen = async (): Promise<string> => (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=60`)).body.output;

  const crashAt = (step: 'before-type' | 'before-enter', text: string): Promise<void> =>
    crashWhileTyping(d, step, text, async () => expect(await send(text), `the daemon died at ${step}`).toBeInstanceOf(Error));

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

  it('SIGKILLed 12 times (between text and Enter, before typing, while idle with a stray draft in the box, after a confirmed input): every text once, alone, in order', async () => {
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

    expectOnceAloneInOrder(api, start, expected);
    expect(api.requests.some((q) => conversation(q).includes('STRAY-DRAFT'))).toBe(false);
    expect(d.logs()).toMatch(/restart check: cleared text/);
  });
});

/** Telegram replies and API inputs to two sessions, the daemon SIGKILLed at the worst moments in between. */
describe.each(claudeVersions())('Telegram replies and API inputs across daemon crashes, Claude Code $label', ({ bin, label }) => {
  it('SIGKILLed 11 times, 5 of them while typing: every text reaches its own session once, alone, in order', async () => {
    const { root: dir, project, home } = workspace(`csm-input-tg-${label}`);
    // A second session in a folder of its own: Claude Code names the folder in each request, which tells them apart.
    const other = join(dir, 'other');
    mkdirSync(other);
    const api = await startFakeAnthropic();
    const tg = await FakeTelegramBotApi.start();
    const d = await startTelegramDaemon(tg, { claudeBin: bin, claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project, other] }) });
    try {
      const { id, root } = await newSessionFromChat(tg, d, project);
      const created = await d.api<{ session_id: string }>('POST', '/session/new', { cwd: other });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const id2 = created.body.session_id;
      await newIdleSessionWait(d, id2);
      const t = (n: number, via: string): string => `${via}${n}-${label}-mixed`;
      const reply = (text: string): void => void tg.userSends({ text, replyTo: root.message_id });
      const viaTelegram = (text: string): Promise<void> => receivedBy(api, d, id, text, project);
      const viaApi = (text: string): Promise<void> => receivedBy(api, d, id2, text, other);

      // A reply typed, then the daemon killed before its Enter: the restart check submits it; the channel's
      // retry of the same update finds it delivered and types nothing.
      await crashWhileTyping(d, 'before-enter', t(1, 'TG'), async () => reply(t(1, 'TG')));
      await viaTelegram(t(1, 'TG'));
      // A reply the daemon died before typing: the channel's retry types it.
      await crashWhileTyping(d, 'before-type', t(2, 'TG'), async () => reply(t(2, 'TG')));
      await viaTelegram(t(2, 'TG'));
      // An API input to the other session between the two kinds of crash.
      await crashWhileTyping(d, 'before-enter', t(3, 'API'), async () => expect(await apiSend(d, id2, t(3, 'API'))).toBeInstanceOf(Error));
      await viaApi(t(3, 'API'));
      // A reply, and an API input straight after the restart that submits it.
      await crashWhileTyping(d, 'before-enter', t(4, 'TG'), async () => reply(t(4, 'TG')));
      expect(await apiSend(d, id2, t(5, 'API'))).toMatchObject({ status: 200 });
      await viaApi(t(5, 'API'));
      await viaTelegram(t(4, 'TG'));
      // Killed right after a reply was typed and confirmed: not typed again after the restart.
      reply(t(6, 'TG'));
      await viaTelegram(t(6, 'TG'));
      await d.stop('SIGKILL');
      await d.restart();
      await crashWhileTyping(d, 'before-enter', t(7, 'API'), async () => expect(await apiSend(d, id2, t(7, 'API'))).toBeInstanceOf(Error));
      await viaApi(t(7, 'API'));

      expectOnceAloneInOrder(api, 0, [t(1, 'TG'), t(2, 'TG'), t(4, 'TG'), t(6, 'TG')], project);
      expectOnceAloneInOrder(api, 0, [t(3, 'API'), t(5, 'API'), t(7, 'API')], other);
    } finally {
      await d.cleanup();
      await tg.close();
      await api.close();
    }
  });
});
