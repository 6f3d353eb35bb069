import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { claudeVersions } from '../helpers/claude.js';
import { startClaudeStack } from '../helpers/claude-daemon.js';
import { newIdleSession, waitForEvent } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Sessions the daemon starts send PermissionRequest as Claude Code's own http hook (no shell, no curl: it
 * is on the way to the phone). It must behave as the script does: answered by the daemon when it runs, and
 * when the daemon is down, no decision, nothing shown, nothing in the way of the terminal.
 */
describe.each(claudeVersions())('direct http hooks, Claude Code $label', ({ bin, label }) => {
  it('the launch settings use http for PermissionRequest; a permission reaches the daemon and its answer the tool', async () => {
    const stack = await startClaudeStack(bin, `csm-direct-${label}`);
    try {
      const { api, d, project } = stack;
      const id = await newIdleSession(d, project);
      const settings = JSON.parse(readFileSync(join(d.home, 'sessions', id, 'settings.json'), 'utf8')) as { hooks: Record<string, { hooks: { type: string; url?: string }[] }[]> };
      expect(settings.hooks.PermissionRequest![0]!.hooks[0]).toMatchObject({ type: 'http', url: `${d.url}/hook` });
      for (const event of ['PreToolUse', 'Stop', 'UserPromptSubmit']) expect(settings.hooks[event]![0]!.hooks[0]!.type).toBe('command');

      api.reply({ toolUse: { name: 'Bash', id: 'toolu_direct_1', input: { command: 'touch direct-1.txt', description: 'Create direct-1.txt' } } }, { text: 'Created it.' });
      expect((await d.api('POST', `/session/${id}/input`, { text: 'create the file' })).status).toBe(200);
      const req = await waitForEvent<{ kind: string; session_id: string; seq: number; request?: { request_id: string; detail: string } }>(d, (e) => e.kind === 'permission_request' && e.session_id === id, { what: 'the permission request' });
      expect(req.request!.detail).toContain('touch direct-1.txt');
      expect((await d.api('POST', `/session/${id}/answer`, { request_id: req.request!.request_id, choice: 'allow' })).status).toBe(200);
      await waitFor(() => api.toolResults().find((r) => r.tool_use_id === 'toolu_direct_1'), { timeoutMs: 30_000, message: 'the tool result' });
      expect(api.toolResults().find((r) => r.tool_use_id === 'toolu_direct_1')!.is_error).toBe(false);
    } finally {
      await stack.close();
    }
  }, 120_000);

  it('daemon down: the dialog stays in the terminal, is answered there, the tool runs, and no hook error is shown', async () => {
    const stack = await startClaudeStack(bin, `csm-direct-down-${label}`);
    try {
      const { api, d, project } = stack;
      const id = await newIdleSession(d, project);
      await d.stop();
      const target = `claude-${id}`;
      const tmux = (...args: string[]) => execa('tmux', ['-L', d.socketName, ...args]);
      api.reply({ toolUse: { name: 'Bash', id: 'toolu_direct_2', input: { command: 'touch direct-2.txt', description: 'Create direct-2.txt' } } }, { text: 'Created the second.' });
      await tmux('send-keys', '-t', target, '-l', 'create the second file');
      await waitFor(async () => (await tmux('capture-pane', '-p', '-t', target)).stdout.includes('create the second file'), { message: 'the prompt typed' });
      await tmux('send-keys', '-t', target, 'Enter');
      const screen = await waitFor(async () => {
        const s = (await tmux('capture-pane', '-p', '-t', target)).stdout;
        return /Do you want to proceed\?/.test(s) ? s : null;
      }, { timeoutMs: 30_000, message: 'the permission dialog in the terminal' });
      expect(screen).toContain('touch direct-2.txt');
      // "1. Yes" is selected: Enter takes it, as a person at the terminal would, pressing it again if the dialog
      // is still there a moment later (Claude Code drops an Enter that comes as the dialog is being drawn).
      await waitFor(async () => {
        if (!/Do you want to proceed\?/.test((await tmux('capture-pane', '-p', '-t', target)).stdout)) return true;
        await tmux('send-keys', '-t', target, 'Enter');
        return false;
      }, { intervalMs: 1000, message: 'the terminal took the answer' });
      await waitFor(() => api.toolResults().find((r) => r.tool_use_id === 'toolu_direct_2'), { timeoutMs: 30_000, message: 'the tool result' }).catch(async (err: Error) => {
        throw new Error(`${err.message}\nscreen before:\n${screen}\nscreen now:\n${(await tmux('capture-pane', '-p', '-t', target)).stdout}`);
      });
      expect(api.toolResults().find((r) => r.tool_use_id === 'toolu_direct_2')!.is_error).toBe(false);
      const after = await waitFor(async () => {
        const s = (await tmux('capture-pane', '-p', '-t', target)).stdout;
        return s.includes('Created the second.') ? s : null;
      }, { timeoutMs: 30_000, message: 'the turn to finish' });
      expect(after).not.toMatch(/hook failed|ECONNREFUSED/);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
