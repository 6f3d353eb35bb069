import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi } from '../fakes/telegram-bot-api.js';
import { claudeVersions, mcpConnected, prepareClaudeHome } from '../helpers/claude.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { button, telegramConfig, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '../..');

/**
 * Sessions started by hand: `csm setup` registers the MCP server with the real `claude mcp add`, installs the
 * hooks and allows our tools; then Claude Code started by hand in the user's own tmux is adopted and its
 * ask_user reaches the owner's phone.
 */
describe.each(claudeVersions())('csm setup and a hand-started session, Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let home: string;
  let project: string;
  let claudeEnv: Record<string, string>;
  const userTmux = `csm-test-user-${process.pid}-${label.replace(/\W/g, '')}`;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), `csm-setup-${label}-`));
    home = join(root, 'home');
    project = join(root, 'project');
    for (const dir of [home, project]) mkdirSync(dir);
    [api, tg] = await Promise.all([startFakeAnthropic(), FakeTelegramBotApi.start()]);
    claudeEnv = { ...prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }), XDG_CACHE_HOME: join(home, '.cache') };
    d = await startDaemon({ claudeBin: bin, claudeEnv, config: { telegram: telegramConfig(tg) } });
  });
  afterAll(async () => {
    await execa('tmux', ['-L', userTmux, 'kill-server'], { reject: false });
    await d?.cleanup();
    await Promise.all([tg?.close(), api?.close()]);
  });

  /** The csm CLI as the user runs it: their HOME (where Claude Code keeps its settings), the daemon's config. */
  const csm = (args: string[], path = process.env.PATH!) =>
    execa(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon/cli/main.ts'), ...args, '--config', d.configFile], {
      cwd: ROOT, reject: false, env: { ...process.env, PATH: path, HOME: home, CSM_HOME: d.home },
    });

  it('csm setup registers the MCP server, the hooks and the tool permissions; a second run changes nothing; doctor agrees', async () => {
    const first = await csm(['setup']);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/Registered the csm MCP server/);
    const get = await execa(bin, ['mcp', 'get', 'csm'], { env: { ...process.env, HOME: home }, reject: false });
    expect(get.exitCode, get.stderr).toBe(0);
    expect(get.stdout).toContain(process.execPath);
    expect(get.stdout).toContain(`CSM_URL=${d.url}`);
    const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')) as { hooks: Record<string, unknown>; permissions: { allow: string[] } };
    expect(Object.keys(settings.hooks)).toEqual(expect.arrayContaining(['PermissionRequest', 'SessionStart', 'Stop']));
    expect(settings.permissions.allow).toEqual(['mcp__csm__notify', 'mcp__csm__send_email', 'mcp__csm__ask_user']);

    const again = await csm(['setup']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/already registered/);
    expect(again.stdout).toMatch(/Hooks already installed/);

    const doctor = await csm(['doctor', '--json']);
    const checks = (JSON.parse(doctor.stdout) as { checks: { name: string; ok: boolean }[] }).checks;
    for (const name of ['hooks', 'mcp', 'mcp tools allowed', 'daemon', 'telegram']) expect(checks.find((c) => c.name === name), name).toMatchObject({ ok: true });
    expect(checks.find((c) => c.name === 'telegram')).toMatchObject({ detail: expect.stringMatching(/^connected as @/) });
  });

  it('without claude on PATH, setup prints the exact command to run instead', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'csm-noclaude-')), 'config.yaml');
    writeFileSync(config, `server:\n  port: ${new URL(d.url).port}\nclaude:\n  command: claude\n`);
    const r = await execa(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon/cli/main.ts'), 'setup', '--config', config], {
      cwd: ROOT, reject: false, env: { ...process.env, PATH: '/nonexistent', HOME: mkdtempSync(join(tmpdir(), 'csm-noclaude-')), CSM_HOME: d.home },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/not on PATH[\s\S]*mcp add --scope user csm .*-- /);
  });

  it('Claude Code started by hand in tmux is adopted; its ask_user reaches Telegram and the tap answers it', async () => {
    // The user's own tmux server, Claude Code started there by hand: no CSM_* variables, only what setup installed.
    const env = Object.entries(claudeEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await execa('tmux', ['-L', userTmux, 'new-session', '-d', '-s', 'mine', '-x', '200', '-y', '50', '-c', project, ...env, bin, '--permission-mode', 'default']);
    const root = await tg.waitForMessage((m) => /^🚀 Session [0-9a-f]{4} started/.test(textOf(m)) && textOf(m).includes(project), 45_000);
    const id = /Session ([0-9a-f]{4})/.exec(textOf(root))![1]!;
    await waitFor(() => mcpConnected(claudeEnv.XDG_CACHE_HOME!, project), { timeoutMs: 30_000, message: 'the hand-started session connected to the csm MCP server' });

    const toolUseId = `toolu_hand_${label.replace(/\W/g, '')}`;
    api.reply({ toolUse: { id: toolUseId, name: 'mcp__csm__ask_user', input: { question: 'Tabs or spaces?', options: ['Tabs', 'Spaces'] } } }, { text: 'Spaces it is.' });
    tg.userSends({ text: 'format the code', replyTo: root.message_id });
    const q = await tg.waitForMessage((m) => textOf(m).startsWith(`❓ ${id}`) && textOf(m).includes('Tabs or spaces?'), 45_000);
    tg.userTaps(q.message_id, button(q, 'Spaces'));
    const result = await waitFor(() => api.toolResults().find((r) => r.tool_use_id === toolUseId), { timeoutMs: 30_000, message: 'the tool_result' });
    expect(result.is_error).toBe(false);
    expect(JSON.stringify(result.content)).toMatch(/answered on Telegram.*Spaces/);
    // No permission prompt stood in the way: setup allowed the tool.
    expect(tg.botMessages().some((m) => textOf(m).startsWith(`🔔 ${id}`))).toBe(false);
  });
});
