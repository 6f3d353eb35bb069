import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../daemon/config/load.js';
import { configSchema, isLoopbackAddress } from '../../../daemon/config/schema.js';

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
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8420, allow_remote: false });
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
    expect(c.telegram).toMatchObject({ bot_token: '123:abc', chat_id: -100123, api_root: 'https://api.telegram.org', topics: false, stream: 'messages' });
    expect(c.paths.log_dir).toBe('/home/u/csm-logs');
    expect(c.paths.config_file).toBe(file);
  });

  it.each([
    ['chat_id alone', 'chat_id: 5', 5, [5]],
    ['chat_ids alone: the first is chat_id', 'chat_ids: [7, "-100200"]', 7, [7, -100200]],
    ['both: chat_id first, each chat once', 'chat_id: 7\n  chat_ids: [8, 7, 9]', 7, [7, 8, 9]],
  ])('telegram chats: %s', (_name, lines, chatId, chatIds) => {
    const { home } = withFile(`telegram:\n  bot_token: "1:a"\n  ${lines}\n`);
    expect(loadConfig({ env: { CSM_HOME: home } }).telegram).toMatchObject({ chat_id: chatId, chat_ids: chatIds });
  });

  it('voice: off by default; the API key may come from CSM_VOICE_API_KEY; max_upload_mb defaults to 20', () => {
    const none = loadConfig({ env: { CSM_HOME: withFile(null).home } });
    expect(none.voice).toMatchObject({ auto_send: false, max_seconds: 300, timeout_seconds: 120, ffmpeg: 'ffmpeg', model: 'whisper-1' });
    expect(none.voice.command).toBeUndefined();
    const { home } = withFile('telegram:\n  bot_token: "1:a"\n  chat_id: 1\nvoice:\n  api_url: https://api.openai.com/v1\n');
    const c = loadConfig({ env: { CSM_HOME: home, CSM_VOICE_API_KEY: 'sk-env' } });
    expect(c.voice.api_key).toBe('sk-env');
    expect(c.telegram?.max_upload_mb).toBe(20);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', 'server:\n  prot: 1\n', /server: unknown key "prot"/],
    ['wrong type', 'server:\n  port: "http"\n', /server\.port:/],
    ['port out of range', 'server:\n  port: 70000\n', /server\.port:/],
    ['missing secret', 'telegram:\n  chat_id: 1\n', /telegram\.bot_token:.*CSM_TELEGRAM_BOT_TOKEN/],
    ['broken YAML', 'server:\n  port: [1,\n', /config\.yaml(:\d+)?: not valid YAML/],
    ['top level is a list', '- a\n- b\n', /top level must be a mapping/],
    ['a stream level that is none', 'telegram:\n  bot_token: "1:a"\n  chat_id: 1\n  stream: loud\n', /telegram\.stream:.*(off|messages)/],
    ['bad socket name', 'tmux:\n  socket_name: "a b"\n', /tmux\.socket_name/],
    ['voice: command and api_url both', 'voice:\n  command: "stt {wav}"\n  api_url: http://127.0.0.1:8080/v1\n', /voice\.api_url: set either voice\.command or voice\.api_url, not both/],
    ['voice: a command that never sees the audio', 'voice:\n  command: whisper-cli -nt\n', /voice\.command: the command has no \{wav\} or \{file\} placeholder/],
    ['voice: unknown key', 'voice:\n  comand: "stt {wav}"\n', /voice: unknown key "comand"/],
    ['telegram: no chat at all', 'telegram:\n  bot_token: "1:a"\n', /telegram\.chat_id: set telegram\.chat_id \(the chat the bot serves\) or telegram\.chat_ids/],
    ['telegram: a chat id that is a name', 'telegram:\n  bot_token: "1:a"\n  chat_ids: [1, alice]\n', /telegram\.chat_ids\.1/],
    ['telegram: max_upload_mb not a number', 'telegram:\n  bot_token: "1:a"\n  chat_id: 1\n  max_upload_mb: lots\n', /telegram\.max_upload_mb/],
    ['any address, not allowed', 'server:\n  host: 0.0.0.0\n', /server\.host: "0\.0\.0\.0" is not a loopback address.*allow_remote: true/],
    ['a LAN address, not allowed', 'server:\n  host: 192.168.1.5\n  allow_remote: false\n', /server\.host: "192\.168\.1\.5" is not a loopback/],
    ['IPv6 any, not allowed', 'server:\n  host: "::"\n', /server\.host: "::" is not a loopback/],
    ['alias bomb', `a: &a [x,x,x,x,x,x,x,x,x]\n${['b', 'c', 'd', 'e', 'f', 'g', 'h'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`).join('\n')}\n`, /not valid YAML: Excessive alias count.*write the values out/],
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

  it('a non-loopback host is accepted with server.allow_remote: true', () => {
    const { home } = withFile('server:\n  host: 0.0.0.0\n  allow_remote: true\n');
    expect(loadConfig({ env: { CSM_HOME: home } }).server).toEqual({ host: '0.0.0.0', port: 8420, allow_remote: true });
  });

  it('--config that does not exist is an error, not the defaults', () => {
    expect(() => loadConfig({ configPath: '/nonexistent/csm.yaml', env: {} })).toThrow(/does not exist/);
  });

  it('the shipped config.example.yaml is valid', () => {
    const { home } = withFile(null);
    const c = loadConfig({ configPath: join(__dirname, '../../../config.example.yaml'), env: { CSM_HOME: home } });
    expect(c.server.port).toBe(8420);
    expect(c.screenshots).toEqual({ width: 1280 });
  });

  it('screenshots: a font file and a width; a misspelt key or a silly width is refused by name', () => {
    expect(configSchema.parse({ screenshots: { font_file: '/f.ttf', width: 900 } }).screenshots).toEqual({ font_file: '/f.ttf', width: 900 });
    expect(configSchema.safeParse({ screenshots: { font: '/f.ttf' } }).success).toBe(false);
    expect(configSchema.safeParse({ screenshots: { width: 10 } }).success).toBe(false);
  });
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LocalHost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.5', false],
    ['128.0.0.1', false],
    ['127.0.0.256', false],
    ['127.0.0.1.nip.io', false],
    ['localhost.example', false],
    ['', false],
  ])('%s → %s', (host, loopback) => expect(isLoopbackAddress(host)).toBe(loopback));
});
