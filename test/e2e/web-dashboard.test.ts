import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversation, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { COLOUR } from '../fixtures/questions.js';
import { launchChromium } from '../helpers/browser.js';
import { claudeVersions } from '../helpers/claude.js';
import { startClaudeStack, type ClaudeStack } from '../helpers/claude-daemon.js';
import { newIdleSession, newIdleSessionWait, waitForEvent, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import { loginLink } from '../helpers/web.js';
import type { SessionInfo } from '../../daemon/events/types.js';

const SHOTS = process.env.CSM_TEST_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'csm-web-shots-'));

/**
 * The dashboard in real headless Chromium, driven by playwright-core, against the real daemon and two real
 * Claude Code sessions in real tmux (fake Anthropic API): the login link, the sessions, the live terminal,
 * "take control", a permission and a question answered from the page, a session started from the page, and
 * the phone and desktop layouts.
 */
describe.each(claudeVersions())('web dashboard on Claude Code $label', ({ bin, label }) => {
  let stack: ClaudeStack;
  let api: FakeAnthropic;
  let d: DaemonHandle;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let a: string;
  let b: string;

  beforeAll(async () => {
    stack = await startClaudeStack(bin, `csm-web-${label}`);
    ({ api, d } = stack);
    [a, b] = await Promise.all([newIdleSession(d, stack.project), newIdleSession(d, stack.project)]);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const session = async (id: string): Promise<SessionInfo> => (await d.api<SessionInfo>('GET', `/session/${id}`)).body;
  const terminalText = (p: Page): Promise<string> => p.locator('#terminal .xterm-rows').innerText();
  /** A new login link from the API (the CLI's `csm web` is tested once, in the first test). */
  const freshLink = async (): Promise<string> => (await d.api<{ url: string }>('POST', '/dashboard/login-link', {})).body.url;

  it('logs in with the link `csm web` prints and shows both sessions, live', async () => {
    const link = await loginLink(d);
    await page.goto(link);
    await page.locator(`#sessions article[data-session="${a}"]`).waitFor();
    await page.locator(`#sessions article[data-session="${b}"]`).waitFor();
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    // The secret is gone from the address bar, and the cookie is not readable by the page.
    expect(page.url()).not.toContain('login=');
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.locator(`#sessions article[data-session="${a}"] .badge`).innerText()).toBe('idle');
    expect(await page.locator(`#sessions article[data-session="${a}"] .folder`).innerText()).toContain(stack.project.split('/').pop()!);
  });

  it('the session page shows the pane with its colours, and new output as it arrives', async () => {
    await page.goto(`${d.url}/web/#/s/${a}`);
    await page.locator('#term[data-ready="1"]').waitFor();
    // The snapshot: Claude Code's prompt box as it is in tmux.
    await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(/for shortcuts|❯|>/);
    expect(await page.locator('#terminal .xterm-rows span[class*="xterm-fg-"], #terminal .xterm-rows span[style*="color"]').count()).toBeGreaterThan(0);
    api.reply({ text: 'browser-marker-0451 is on the screen' });
    expect((await d.api('POST', `/session/${a}/input`, { text: 'print the marker' })).status).toBe(200);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('browser-marker-0451');
    // The laptop's terminal kept its size: the browser never resized the tmux window.
    expect(await page.locator('#term-state').innerText()).toBe('read-only');
  });

  it('"Take control": keys typed in the browser terminal reach Claude Code as a prompt', async () => {
    await newIdleSessionWait(d, a);
    // Read-only first: a key pressed now goes nowhere.
    await page.locator('#terminal').click();
    await page.keyboard.type('zz');
    await page.getByRole('button', { name: 'Take control' }).click();
    await page.locator('#term[data-control="1"]').waitFor();
    await page.locator('#terminal').click();
    api.reply({ text: 'Got the browser prompt.' });
    await page.keyboard.type('typed in chromium 7781', { delay: 15 });
    await page.keyboard.press('Enter');
    const r = await api.waitForRequest((x) => x.mainTurn && conversation(x).includes('typed in chromium 7781'), 30_000);
    expect(conversation(r)).not.toContain('zztyped');
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('Got the browser prompt.');
    await page.getByRole('button', { name: 'Release control' }).click();
    await page.locator('#term-state', { hasText: 'read-only' }).waitFor();
  });

  it('a real permission dialog shows in the inbox; Allow from the page lets the tool run, and says who answered', async () => {
    await newIdleSessionWait(d, b);
    const file = join(mkdtempSync(join(tmpdir(), 'csm-web-allow-')), 'ran.txt');
    api.reply({ toolUse: { name: 'Bash', id: 'toolu_web_allow', input: { command: `echo allowed-from-web > ${file}`, description: 'Write a file' } } }, { text: 'The file is written.' });
    await page.goto(`${d.url}/web/#/`);
    expect((await d.api('POST', `/session/${b}/input`, { text: 'write the file' })).status).toBe(200);
    const card = page.locator(`#inbox article.request[data-session="${b}"][data-kind="permission"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.innerText()).toContain(file);
    await card.getByRole('button', { name: 'Allow', exact: true }).click();
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('allowed-from-web'), { timeoutMs: 30_000, message: 'the Bash command to run' });
    await page.locator('#inbox .resolved li', { hasText: 'by the dashboard' }).waitFor();
    await expect.poll(async () => page.locator(`#inbox article.request[data-session="${b}"]`).count()).toBe(0);
  });

  it("Claude's question is answered from the page; the model gets the chosen option", async () => {
    await newIdleSessionWait(d, b);
    api.reply({ toolUse: { name: 'AskUserQuestion', id: 'toolu_web_q', input: { questions: [COLOUR] } } }, { text: 'Teal it is.' });
    expect((await d.api('POST', `/session/${b}/input`, { text: 'ask me the colour' })).status).toBe(200);
    const card = page.locator(`#inbox article.request[data-session="${b}"][data-kind="question"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.innerText()).toContain(COLOUR.question);
    await card.getByRole('button', { name: /^2\. Teal/ }).click();
    const result = await waitFor(() => api.toolResults().find((r) => r.tool_use_id === 'toolu_web_q'), { timeoutMs: 30_000, message: 'the question tool result' });
    expect(JSON.stringify(result.content)).toContain(`\\"${COLOUR.question}\\"=\\"Teal\\"`);
  });

  it('a session started from the page runs, and its terminal shows Claude Code', async () => {
    const after = (await d.api<{ last_seq: number }>('GET', '/events?after=0')).body.last_seq;
    await page.goto(`${d.url}/web/#/`);
    const form = page.locator('#new-session');
    // The folder field offers the recent folders.
    await form.locator('.chips button').first().click();
    expect(await form.locator('input[name="cwd"]').inputValue()).toBe(stack.project);
    await form.getByRole('button', { name: 'Start' }).click();
    const started = await waitForEvent<{ kind: string; session_id: string; seq: number }>(d, (e) => e.kind === 'started' && e.session_id !== a && e.session_id !== b, { after, what: 'a started event' });
    await page.waitForURL(new RegExp(`#/s/${started.session_id}$`));
    await newIdleSessionWait(d, started.session_id);
    await page.locator('#term[data-ready="1"]').waitFor();
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/for shortcuts|❯/);
    expect((await session(started.session_id)).cwd).toBe(stack.project);
  });

  it('a dropped connection resumes the terminal where it was: the missed output, no new snapshot', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Test instrumentation from outside the page: keep each WebSocket the page opens, to drop it.
    await ctx.addInitScript(`(() => { const W = window.WebSocket; window.__sockets = []; window.WebSocket = class extends W { constructor(...a) { super(...a); window.__sockets.push(this); } }; })()`);
    const p = await ctx.newPage();
    const frames: { type: string; seq?: number }[] = [];
    p.on('websocket', (ws) => ws.on('framereceived', (f) => {
      const m = JSON.parse(String(f.payload)) as { type: string; session_id?: string; frame?: { type: string; seq?: number } };
      if (m.type === 'frame' && m.session_id === a && m.frame) frames.push(m.frame);
    }));
    await p.goto(await freshLink());
    await p.locator('#conn[data-state="live"]').waitFor();
    await p.goto(`${d.url}/web/#/s/${a}`);
    await p.locator('#term[data-ready="1"]').waitFor();
    await newIdleSessionWait(d, a);
    await p.evaluate('window.__sockets.at(-1).close()');
    await p.locator('#conn[data-state="offline"]').waitFor();
    const before = frames.length;
    api.reply({ text: 'while-away-marker-3317' });
    expect((await d.api('POST', `/session/${a}/input`, { text: 'print the third marker' })).status).toBe(200);
    await p.locator('#conn[data-state="live"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => terminalText(p), { timeout: 20_000 }).toContain('while-away-marker-3317');
    const after = frames.slice(before);
    expect(after.filter((f) => f.type === 'snapshot')).toEqual([]);
    const seqs = after.map((f) => f.seq!);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    await ctx.close();
  });

  it('the page reconnects after a daemon restart: still logged in, a fresh snapshot, then live output again', async () => {
    await page.goto(`${d.url}/web/#/s/${a}`);
    await page.locator('#term[data-ready="1"]').waitFor();
    await d.stop();
    await page.locator('#conn[data-state="offline"]').waitFor();
    await d.restart();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 60_000 });
    await newIdleSessionWait(d, a);
    api.reply({ text: 'after-restart-marker-2209' });
    expect((await d.api('POST', `/session/${a}/input`, { text: 'print the second marker' })).status).toBe(200);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('after-restart-marker-2209');
  });

  it('phone (390×844) and desktop layouts: screenshots with the key elements in view and touch-sized buttons', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const p = await phone.newPage();
    await p.goto(await freshLink());
    await p.locator(`#sessions article[data-session="${a}"]`).waitFor();
    await p.screenshot({ path: join(SHOTS, `phone-sessions-${label}.png`), fullPage: true });
    for (const sel of ['#inbox h2', `#sessions article[data-session="${a}"]`, '#new-session input']) {
      const box = await p.locator(sel).first().boundingBox();
      expect(box, sel).not.toBeNull();
      expect(box!.x, sel).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, sel).toBeLessThanOrEqual(390 + 0.5);
    }
    const open = await p.locator(`#sessions article[data-session="${a}"] a.button`).boundingBox();
    expect(open!.height).toBeGreaterThanOrEqual(44);
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await p.locator(`#sessions article[data-session="${a}"] a.button`).tap();
    await p.locator('#term[data-ready="1"]').waitFor();
    await p.getByRole('button', { name: 'Take control' }).tap();
    await p.locator('.term-input input').waitFor();
    const input = await p.locator('.term-input input').boundingBox();
    expect(input!.y + input!.height).toBeLessThanOrEqual(844);
    await p.screenshot({ path: join(SHOTS, `phone-session-${label}.png`) });
    await phone.close();

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${d.url}/web/#/`);
    await page.locator(`#sessions article[data-session="${b}"]`).waitFor();
    await page.screenshot({ path: join(SHOTS, `desktop-sessions-${label}.png`), fullPage: true });
    // Cards side by side on a desktop.
    const ys = await Promise.all([a, b].map(async (id) => (await page.locator(`#sessions article[data-session="${id}"]`).boundingBox())!.y));
    expect(Math.abs(ys[0]! - ys[1]!)).toBeLessThan(2);
    await page.goto(`${d.url}/web/#/s/${a}`);
    await page.locator('#term[data-ready="1"]').waitFor();
    const term = (await page.locator('#term').boundingBox())!;
    const side = (await page.locator('#session-history').boundingBox())!;
    expect(side.x).toBeGreaterThan(term.x + term.width - 1);
    await page.screenshot({ path: join(SHOTS, `desktop-session-${label}.png`) });
    for (const f of ['phone-sessions', 'phone-session', 'desktop-sessions', 'desktop-session']) expect(existsSync(join(SHOTS, `${f}-${label}.png`))).toBe(true);
  });
});
