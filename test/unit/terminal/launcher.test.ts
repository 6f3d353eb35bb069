import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { launcherCommand, validateLauncher } from '../../../daemon/terminal/launcher.js';
import { shellQuote } from '../../../daemon/tmux/commands.js';

describe('launcherCommand', () => {
  it('is headless on Linux by default', () => {
    expect(launcherCommand('auto', 'linux', [], 'claude-a1b2')).toBeNull();
    expect(launcherCommand('none', 'darwin', [], 'claude-a1b2')).toBeNull();
  });

  it('opens Terminal.app on macOS, passing the attach command as an argv item, not inside the script', () => {
    const cmd = launcherCommand('auto', 'darwin', ['-L', 'csm'], 'claude-a1b2')!;
    expect(cmd.file).toBe('osascript');
    expect(cmd.args).toContain('do script (item 1 of argv)');
    expect(cmd.args.at(-1)).toBe(`'tmux' '-L' 'csm' 'attach-session' '-t' '=claude-a1b2'`);
    const script = cmd.args.filter((_, i) => cmd.args[i - 1] === '-e').join('\n');
    expect(script).not.toContain('claude-a1b2');
  });

  it('iTerm2 too', () => {
    expect(launcherCommand('iterm2', 'darwin', [], 'claude-a1b2')!.args).toContain('create window with default profile command (item 1 of argv)');
  });

  it('a template never runs through a shell and cannot gain arguments', () => {
    expect(launcherCommand('kitty --detach tmux attach -t {session}', 'linux', [], 'claude-a1b2')).toEqual({
      file: 'kitty',
      args: ['--detach', 'tmux', 'attach', '-t', 'claude-a1b2'],
    });
    expect(validateLauncher('xterm')).toMatch(/no \{session\}/);
    expect(validateLauncher('terminal')).toBeNull();
  });
});

describe('shellQuote', () => {
  const nasty = [`~/it's "x"; rm -rf ~`, '$(touch /tmp/pwned)', '`id`', 'a\nb', "'", '', 'ünï ☃', '-n'];
  it.each(nasty)('survives a real shell: %j', (word) => {
    const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(word)}`]).toString();
    expect(out).toBe(word);
  });
});
