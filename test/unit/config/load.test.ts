import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../daemon/config/load.js';

function withFile(yaml: string | null): { home: string; file: string } {
  const home = mkdtempSync(join(tmpdir(), 'csm-config-'));
  const file = join(home, 'config.yaml');
  if (yaml !== null) writeFileSync(file, yaml);
  return { home, file };
}

describe('loadConfig', () => {
  it('runs with no file at all: local API only, documented defaults', () => {
    const { home } = withFile(null);
    const c = loadConfig({ env: { CSM_HOME: home } });
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8420 });
    expect(c.telegram).toBeUndefined();
    expect(c.email).toBeUndefined();
    expect(c.sessions.idle_warning_seconds).toBe(60);
    expect(c.claude.command).toBe('claude');
    expect(c.terminal.launcher).toBe('auto');
    expect(c.paths).toMatchObject({ home, db: join(home, 'csm.db'), token: join(home, 'token'), log_dir: join(home, 'logs'), config_file: null });
    expect(Object.isFrozen(c.server)).toBe(true);
  });

  it('reads $CSM_HOME/config.yaml and takes secrets from the environment', () => {
    const { home, file } = withFile('telegram:\n  chat_id: "-100123"\nsessions:\n  log_dir: ~/csm-logs\n');
    const c = loadConfig({ env: { CSM_HOME: home, HOME: '/home/u', CSM_TELEGRAM_BOT_TOKEN: '123:abc' } });
    expect(c.telegram).toMatchObject({ bot_token: '123:abc', chat_id: -100123, api_root: 'https://api.telegram.org', topics: false });
    expect(c.paths.log_dir).toBe('/home/u/csm-logs');
    expect(c.paths.config_file).toBe(file);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', 'server:\n  prot: 1\n', /server: unknown key "prot"/],
    ['wrong type', 'server:\n  port: "http"\n', /server\.port:/],
    ['port out of range', 'server:\n  port: 70000\n', /server\.port:/],
    ['missing secret', 'telegram:\n  chat_id: 1\n', /telegram\.bot_token:.*CSM_TELEGRAM_BOT_TOKEN/],
    ['broken YAML', 'server:\n  port: [1,\n', /config\.yaml(:\d+)?: not valid YAML/],
    ['top level is a list', '- a\n- b\n', /top level must be a mapping/],
    ['bad socket name', 'tmux:\n  socket_name: "a b"\n', /tmux\.socket_name/],
  ];
  it.each(bad)('names the file and the key: %s', (_name, yaml, message) => {
    const { home, file } = withFile(yaml);
    let error: unknown;
    try {
      loadConfig({ env: { CSM_HOME: home } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(message);
  });

  it('--config that does not exist is an error, not the defaults', () => {
    expect(() => loadConfig({ configPath: '/nonexistent/csm.yaml', env: {} })).toThrow(/does not exist/);
  });

  it('the shipped config.example.yaml is valid', () => {
    const { home } = withFile(null);
    const c = loadConfig({ configPath: join(__dirname, '../../../config.example.yaml'), env: { CSM_HOME: home } });
    expect(c.server.port).toBe(8420);
  });
});
