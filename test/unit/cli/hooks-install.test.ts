import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowCsmTools, csmToolsAllowed, hooksStatus, installHooks, uninstallHooks } from '../../../daemon/cli/hooks-install.js';
import { HOOK_EVENTS } from '../../../daemon/hooks-config.js';

const options = { script: '/opt/csm/hooks/csm-hook.sh', waitSeconds: 600, global: { csmHome: "/home/u/it's data", url: 'http://127.0.0.1:8420' } };

function settingsFile(content?: object | string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'csm-hooks-')), 'settings.json');
  if (content !== undefined) writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('csm hooks install', () => {
  it('merges into existing settings, keeping everything else, with a backup', () => {
    const user = { model: 'opus', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] }, permissions: { allow: ['Bash(ls)'] } };
    const file = settingsFile(user);
    const r = installHooks(file, options);
    expect(r.changed).toBe(true);
    expect(JSON.parse(readFileSync(r.backup!, 'utf8'))).toEqual(user);
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after.model).toBe('opus');
    expect(after.permissions).toEqual(user.permissions);
    expect(after.hooks.Stop).toHaveLength(2);
    expect(after.hooks.Stop[0].hooks[0].command).toBe('say done');
    const permission = after.hooks.PermissionRequest[0];
    expect(permission.matcher).toBe('*');
    expect(permission.hooks[0].command).toBe(`CSM_HOME='/home/u/it'\\''s data' CSM_DEFAULT_URL='http://127.0.0.1:8420' sh '/opt/csm/hooks/csm-hook.sh' --global --wait 605`);
    expect(permission.hooks[0].timeout).toBeGreaterThan(605);
    expect(hooksStatus(file)).toEqual({ installed: [...HOOK_EVENTS], missing: [] });
  });

  it('is idempotent', () => {
    const file = settingsFile();
    expect(installHooks(file, options).changed).toBe(true);
    const once = readFileSync(file, 'utf8');
    expect(installHooks(file, options)).toEqual({ changed: false, backup: null });
    expect(readFileSync(file, 'utf8')).toBe(once);
  });

  it('uninstall removes only ours', () => {
    const file = settingsFile({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] } });
    installHooks(file, options);
    expect(uninstallHooks(file).changed).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] } });
    expect(hooksStatus(file).installed).toEqual([]);
  });

  it('refuses a settings file that is not JSON and leaves it alone', () => {
    const file = settingsFile('{ "model": ');
    expect(() => installHooks(file, options)).toThrow(/not a JSON object.*Nothing was changed/);
    expect(readFileSync(file, 'utf8')).toBe('{ "model": ');
    expect(existsSync(`${file}.csm-backup`)).toBe(false);
  });

  it('setup allows our three MCP tools next to the user\'s own rules, once; uninstall takes them back', () => {
    const user = { permissions: { allow: ['Bash(ls)'], deny: ['Bash(rm:*)'] } };
    const file = settingsFile(user);
    expect(csmToolsAllowed(file)).toBe(false);
    expect(allowCsmTools(file).changed).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).permissions).toEqual({
      allow: ['Bash(ls)', 'mcp__csm__notify', 'mcp__csm__send_email', 'mcp__csm__ask_user'],
      deny: ['Bash(rm:*)'],
    });
    expect(csmToolsAllowed(file)).toBe(true);
    expect(allowCsmTools(file)).toEqual({ changed: false, backup: null });
    installHooks(file, options);
    uninstallHooks(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(user);
  });
});
