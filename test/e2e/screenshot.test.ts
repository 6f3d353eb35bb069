import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeMessage } from '../fakes/telegram-bot-api.js';
import { claudeVersions, prepareClaudeHome } from '../helpers/claude.js';
import type { DaemonHandle } from '../helpers/daemon.js';
import { decodePng, type DecodedPng } from '../helpers/png.js';
import { button, newSessionFromChat, startTelegramDaemon, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Claude Code's logo, top left, is drawn in its orange (colour 174 of the 256-colour palette, or its brand
 * colour in truecolor where the terminal says it has it): seeing it means the real pane was drawn, colours and all.
 */
function hasLogo(png: DecodedPng): boolean {
  for (let y = 0; y < Math.min(png.height, 160); y += 2) {
    for (let x = 0; x < Math.min(png.width, 200); x += 2) {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(png.pixel(x, y).slice(i, i + 2), 16)) as [number, number, number];
      if (r > 150 && r - g > 40 && r - b > 40) return true;
    }
  }
  return false;
}

/** Pane images of real Claude Code sessions: on Telegram (sendPhoto to the fake Bot API), the API and the CLI. */
describe.each(claudeVersions())('screen images with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let project: string;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `csm-shot-${label}-`));
    project = join(root, 'project');
    const home = join(root, 'claude-home');
    for (const dir of [project, home]) mkdirSync(dir);
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start();
    d = await startTelegramDaemon(tg, { claudeBin: bin, claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }) });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  /** The latest Claude Code reports idle before it has drawn its screen, then animates its logo in. */
  const drawn = (id: string): Promise<unknown> =>
    waitFor(async () => {
      const out = (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=60`)).body.output;
      return /▐▛███/.test(out) && /^❯/m.test(out);
    }, { timeoutMs: 20_000, message: 'the logo and the prompt on screen' });
  const photosAfter = (id: number): Promise<FakeMessage> => tg.waitForMessage((m) => m.kind === 'photo' && m.message_id > id, 60_000);

  it('/screenshot sends the real pane as a photo; the 🖼 on a permission request sends the dialog', async () => {
    const { id, root: rootMsg } = await newSessionFromChat(tg, d, project);
    await drawn(id);
    const cmd = tg.userSends({ text: '/screenshot', replyTo: rootMsg.message_id });
    const idle = await photosAfter(cmd.message_id);
    expect(textOf(idle)).toBe(`🖼 ${id} screen`);
    expect(idle.reply_to).toBe(cmd.message_id);
    const idlePng = decodePng(Buffer.from(idle.photo!.content, 'base64'));
    expect([idlePng.width, idlePng.height]).toEqual([idle.photo!.width, idle.photo!.height]);
    // Cropped to the content: far narrower than the 200-column pane at the renderer's font size.
    expect(idlePng.width).toBeLessThan(1400);
    expect(hasLogo(idlePng)).toBe(true);

    api.reply({ toolUse: { name: 'Bash', input: { command: 'rm -rf node_modules', description: 'Remove node_modules directory' } } }, { text: 'Removed.' });
    tg.userSends({ text: 'please clean up', replyTo: rootMsg.message_id });
    const perm = await tg.waitForMessage((m) => textOf(m).startsWith(`🔔 ${id} Bash`), 30_000);
    // The dialog is on screen while the hook waits (the hook can reach the phone before the dialog is drawn).
    await waitFor(async () => /Do you want to proceed\?/.test((await d.api<{ output: string }>('GET', `/session/${id}/output?lines=60`)).body.output), { timeoutMs: 20_000, message: 'the dialog on screen' });
    const tap = tg.userTaps(perm.message_id, button(perm, '🖼 Screen'));
    expect((await tg.waitForCallbackAnswer(tap, 15_000)).text).toBe(`Drawing the screen of ${id}…`);
    const dialog = await photosAfter(idle.message_id);
    expect(dialog.reply_to).toBe(perm.message_id);
    const dialogPng = decodePng(Buffer.from(dialog.photo!.content, 'base64'));
    // More of the screen is in use now (the prompt, the tool call, the dialog): a taller image.
    expect(dialogPng.height).toBeGreaterThan(idlePng.height);
    expect(hasLogo(dialogPng)).toBe(true);
    // Nothing was answered by the tap: the request still waits, then Allow finishes it.
    expect((await d.api<{ status: string }>('GET', `/session/${id}`)).body.status).toBe('waiting_permission');
    tg.userTaps(perm.message_id, button(perm, /^Allow/));
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`), 60_000);
  });

  it('GET /session/:id/screenshot.png gives image/png to the owner only; csm screenshot writes it to a file', async () => {
    const { id } = await newSessionFromChat(tg, d, project);
    await drawn(id);
    const res = await fetch(`${d.url}/session/${id}/screenshot.png`, { headers: { authorization: `Bearer ${d.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = decodePng(Buffer.from(await res.arrayBuffer()));
    expect(hasLogo(png)).toBe(true);
    expect((await fetch(`${d.url}/session/${id}/screenshot.png`)).status).toBe(401);
    expect((await d.api('GET', `/session/${id}/screenshot.png?scale=2`)).body).toMatchObject({ error: expect.stringContaining('unknown field "scale"'), code: 'bad_request' });
    expect((await d.api('GET', '/session/beef/screenshot.png')).status).toBe(404);

    const file = join(root, `${id}.png`);
    const cli = await d.cli(['screenshot', id, '-o', file]);
    expect(cli).toMatchObject({ exitCode: 0, stdout: expect.stringContaining(`Wrote the screen of ${id} to ${file}`) });
    expect(hasLogo(decodePng(readFileSync(file)))).toBe(true);
    expect((await d.cli(['screenshot', 'beef', '-o', file])).exitCode).toBe(1);
  });
});

/** A screen nobody recognises (a stand-in menu in real tmux) reaches the chat with its image. */
describe('a stuck screen on Telegram', () => {
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'csm-shot-stuck-'));
    tg = await FakeTelegramBotApi.start();
    d = await startTelegramDaemon(tg, { claudeBin: join(import.meta.dirname, '../fixtures/bin/odd-menu'), claudeEnv: { CSM_TEST_OUT: join(work, 'steps.txt') }, config: { sessions: { stuck_seconds: 2 } } });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
  });

  it('comes with its image, right after the keypad message', async () => {
    const sent = tg.userSends({ text: `/new ${tmpdir()}` });
    const root = await tg.waitForMessage((m) => textOf(m).startsWith('🚀 Session') && m.message_id > sent.message_id, 30_000);
    const id = /Session ([0-9a-f]{4,8})/.exec(textOf(root))![1]!;
    const keypad = await tg.waitForMessage((m) => textOf(m).startsWith(`🖥 ${id}`) && textOf(m).includes('Where to?'), 30_000);
    const photo = await tg.waitForMessage((m) => m.kind === 'photo' && m.message_id > keypad.message_id, 30_000);
    expect(textOf(photo)).toBe(`🖼 ${id} the screen it waits on`);
    expect(photo.reply_to).toBe(root.message_id);
    const png = decodePng(Buffer.from(photo.photo!.content, 'base64'));
    expect(png.width).toBeGreaterThan(300);
    // The menu's rows are drawn: the image holds ink beyond the background.
    let ink = 0;
    for (let y = 0; y < png.height; y += 3) for (let x = 0; x < png.width; x += 3) if (png.pixel(x, y) !== '#181818') ink++;
    expect(ink).toBeGreaterThan(50);
  });
});

/** A session that crashed: its error message's 🖼 shows the screen it ended with (its tmux session is gone). */
describe('an ended session on Telegram', () => {
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;

  beforeAll(async () => {
    tg = await FakeTelegramBotApi.start();
    d = await startTelegramDaemon(tg, { claudeBin: join(import.meta.dirname, '../fixtures/bin/crash-later'), claudeEnv: {} });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
  });

  it('the 🖼 on its error message sends its last screen, red error and all', async () => {
    const sent = tg.userSends({ text: `/new ${tmpdir()}` });
    const root = await tg.waitForMessage((m) => textOf(m).startsWith('🚀 Session') && m.message_id > sent.message_id, 30_000);
    const id = /Session ([0-9a-f]{4,8})/.exec(textOf(root))![1]!;
    await waitFor(async () => (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=5`)).body.output.includes('press Enter'), { timeoutMs: 20_000, message: 'the stand-in ready' });
    await d.api('POST', `/session/${id}/keys`, { keys: ['Enter'] });
    const err = await tg.waitForMessage((m) => textOf(m).startsWith(`❌ ${id} error: Claude Code exited with code 3`), 30_000);
    expect((await d.api<{ status: string }>('GET', `/session/${id}`)).body.status).toBe('dead');
    tg.userTaps(err.message_id, button(err, '🖼 Screen'));
    const photo = await tg.waitForMessage((m) => m.kind === 'photo' && m.message_id > err.message_id, 30_000);
    expect(photo.reply_to).toBe(err.message_id);
    const png = decodePng(Buffer.from(photo.photo!.content, 'base64'));
    // "Fatal:" is bold red (ANSI red of the theme, #cd3131... or its bright twin): some pixel is strongly red.
    let red = false;
    for (let y = 0; y < png.height && !red; y++) {
      for (let x = 0; x < Math.min(png.width, 300) && !red; x++) {
        const [r, g, b] = [1, 3, 5].map((i) => parseInt(png.pixel(x, y).slice(i, i + 2), 16)) as [number, number, number];
        red = r > 180 && g < 90 && b < 90;
      }
    }
    expect(red).toBe(true);
    // Also the API gives the ended session's last screen.
    const res = await fetch(`${d.url}/session/${id}/screenshot.png`, { headers: { authorization: `Bearer ${d.token}` } });
    expect(res.status).toBe(200);
  });
});
