import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mcpLaunchConfig, mcpServerCommand } from '../../daemon/mcp-install.js';
import { claudeVersions, TEST_API_KEY } from '../helpers/claude.js';
import { waitFor } from '../helpers/wait.js';
import { closedPortUrl, startDaemonApiStub, stubSession, type DaemonApiStub } from '../fakes/daemon-api-stub.js';

// The real server process (node + tsx, as mcpServerCommand() starts it) driven by the SDK's own client.
let stub: DaemonApiStub;
let dir: string;
const clients: Client[] = [];

beforeEach(async () => {
  stub = await startDaemonApiStub();
  dir = mkdtempSync(join(tmpdir(), 'csm-mcp-'));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(env: Record<string, string | undefined> = {}, cwd = dir): Promise<{ client: Client; stderr: () => string }> {
  const { command, args } = mcpServerCommand();
  const base: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: dir, CSM_HOME: join(dir, 'csm-home'), CSM_URL: stub.url, CSM_TOKEN: stub.token };
  const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter((e): e is [string, string] => e[1] !== undefined));
  const transport = new StdioClientTransport({ command, args, env: merged, cwd, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const client = new Client({ name: 'csm-test', version: '0' });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

const text = (r: unknown) => (r as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('');
const call = async (client: Client, name: string, args: Record<string, unknown>) => {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  await client.ping(); // still alive after every call
  return r;
};

describe('csm MCP server over stdio', () => {
  it('lists notify, send_email and ask_user with their input schemas', async () => {
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['ask_user', 'notify', 'send_email']);
    expect(byName.notify!.inputSchema).toMatchObject({ required: ['message'], properties: { channel: { enum: ['telegram', 'email'] } } });
    expect(byName.send_email!.inputSchema.required).toEqual(['subject', 'body']);
    expect(byName.ask_user!.inputSchema).toMatchObject({ required: ['question'], properties: { timeout_seconds: { maximum: 3600 }, options: { type: 'array' } } });
    for (const t of tools) expect(t.description!.length).toBeGreaterThan(100);
  });

  it('tells the daemon it is connected once Claude Code (here the SDK client) has our tool list, once', async () => {
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    expect(stub.ready).toEqual([]);
    await client.listTools();
    await waitFor(() => stub.ready.length > 0, { message: 'POST /session/a1b2/mcp-ready' });
    await client.listTools();
    await call(client, 'notify', { message: 'after the list' });
    expect(stub.ready).toEqual(['a1b2']);
  });

  it('notify sends to the owner, tagged with CSM_SESSION_ID, on the usual channel by default', async () => {
    stub.sessions = [stubSession({ id: 'a1b2' })];
    const { client } = await connect({ CSM_SESSION_ID: 'A1B2' });
    const r = await call(client, 'notify', { message: 'Build finished' });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toBe('Sent to the owner via Telegram.');
    expect(stub.requests.at(-1)).toMatchObject({ method: 'POST', path: '/notify', auth: `Bearer ${stub.token}`, body: { message: 'Build finished', channel: 'auto', session_id: 'a1b2' } });
  });

  it('send_email posts subject and body on the email channel and says the reply comes back here', async () => {
    stub.channels = ['telegram', 'email'];
    stub.sessions = [stubSession({ id: 'a1b2' })];
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    const r = await call(client, 'send_email', { subject: 'Report', body: 'All green.' });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toMatch(/Email sent .*"Report".*reply.*this session/s);
    expect(stub.requests.at(-1)?.body).toEqual({ channel: 'email', subject: 'Report', message: 'All green.', session_id: 'a1b2' });
  });

  it('ask_user waits for the answer and says where it came from', async () => {
    stub.sessions = [stubSession({ id: 'a1b2' })];
    let release!: (answer: string) => void;
    stub.onAsk = () => new Promise((resolve) => (release = (answer) => resolve({ answered: true, answer, channel: 'telegram' })));
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    let settled = false;
    const pending = call(client, 'ask_user', { question: 'Postgres or SQLite?', options: ['Postgres', 'SQLite'], timeout_seconds: 120 }).finally(() => (settled = true));
    await expect.poll(() => stub.requests.some((q) => q.path === '/session/a1b2/ask')).toBe(true);
    expect(settled).toBe(false);
    release('SQLite, keep it simple');
    const r = await pending;
    expect(r.isError).toBeFalsy();
    expect(text(r)).toBe('The owner answered on Telegram:\nSQLite, keep it simple');
    expect(stub.requests.at(-1)?.body).toEqual({ question: 'Postgres or SQLite?', options: ['Postgres', 'SQLite'], timeout_seconds: 120 });
  });

  it('ask_user without an answer in time is a normal result telling the model to carry on', async () => {
    stub.sessions = [stubSession({ id: 'a1b2' })];
    stub.onAsk = (_id, body) => ({ answered: false, reason: `No answer within ${String(body.timeout_seconds)} s.` });
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    const r = await call(client, 'ask_user', { question: 'Deploy now?', timeout_seconds: 5 });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toBe('No answer within 5 s; continue with your best judgement or ask again.');
  });

  it('ask_user defaults to a 600 s wait', async () => {
    stub.sessions = [stubSession({ id: 'a1b2' })];
    stub.onAsk = () => ({ answered: true, answer: 'yes', channel: 'terminal' });
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    expect(text(await call(client, 'ask_user', { question: 'Go?' }))).toBe('The owner answered in the terminal:\nyes');
    expect(stub.requests.at(-1)?.body).toMatchObject({ timeout_seconds: 600 });
  });

  it('finds a hand-started session by Claude Code\'s session id, else by folder', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    stub.sessions = [
      stubSession({ id: 'dead', cwd: dir, status: 'dead' }),
      stubSession({ id: 'c0de', cwd: other, claude_session_id: 'uuid-1' }),
      stubSession({ id: 'beef', cwd: dir, status: 'idle' }),
    ];
    stub.onAsk = (id) => ({ answered: true, answer: id, channel: 'telegram' });
    const byClaude = await connect({ CLAUDE_CODE_SESSION_ID: 'uuid-1' });
    expect(text(await call(byClaude.client, 'ask_user', { question: 'who?' }))).toMatch(/c0de$/);
    const byFolder = await connect({ CLAUDE_CODE_SESSION_ID: 'uuid-unknown' });
    expect(text(await call(byFolder.client, 'ask_user', { question: 'who?' }))).toMatch(/beef$/);
  });

  it('reads the token from $CSM_HOME/token when CSM_TOKEN is not set', async () => {
    mkdirSync(join(dir, 'csm-home'));
    writeFileSync(join(dir, 'csm-home', 'token'), `${stub.token}\n`);
    const { client } = await connect({ CSM_TOKEN: undefined });
    expect((await call(client, 'notify', { message: 'hi' })).isError).toBeFalsy();
    expect(stub.requests.at(-1)?.auth).toBe(`Bearer ${stub.token}`);
  });
});

describe('csm MCP server errors: isError results with a sentence, and the server lives on', () => {
  it('daemon not running', async () => {
    const url = await closedPortUrl();
    const { client } = await connect({ CSM_URL: url, CSM_SESSION_ID: 'a1b2' });
    for (const [name, args] of [['notify', { message: 'x' }], ['send_email', { subject: 's', body: 'b' }], ['ask_user', { question: 'q' }]] as const) {
      const r = await call(client, name, args);
      expect(r.isError).toBe(true);
      expect(text(r)).toBe(`The csm daemon is not running at ${url}: start it with \`csm serve\`.`);
    }
  });

  it('channel not configured (503) carries the API\'s sentence', async () => {
    stub.sessions = [stubSession({ id: 'a1b2' })];
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    const r = await call(client, 'send_email', { subject: 's', body: 'b' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^The email channel is not configured: add a "email:" section/);
  });

  it('unknown session: ask_user fails, notify still reaches the owner untagged', async () => {
    stub.sessions = [stubSession({ id: 'a1b2', cwd: join(dir, 'elsewhere') })];
    const { client } = await connect();
    const r = await call(client, 'ask_user', { question: 'q' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/not known to the csm daemon \(no session in .*\): start it with `csm new`/);
    expect((await call(client, 'notify', { message: 'x' })).isError).toBeFalsy();
    expect(stub.requests.at(-1)?.body).not.toHaveProperty('session_id');
  });

  it('a CSM_SESSION_ID the daemon does not know: the API\'s 404 sentence', async () => {
    const { client } = await connect({ CSM_SESSION_ID: 'ffff' });
    const r = await call(client, 'ask_user', { question: 'q' });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('There is no session ffff: see the list with `csm list`.');
  });

  it('a wrong token', async () => {
    const { client } = await connect({ CSM_TOKEN: 'wrong', CSM_SESSION_ID: 'a1b2' });
    const r = await call(client, 'notify', { message: 'x' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Missing or wrong token/);
  });

  it('invalid arguments and unknown tools', async () => {
    const { client } = await connect({ CSM_SESSION_ID: 'a1b2' });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['ask_user', { question: '' }, /Input validation error.*question/s],
      ['ask_user', { question: 'q', timeout_seconds: 4000 }, /timeout_seconds/],
      ['notify', { message: 'x', channel: 'sms' }, /channel/],
      ['send_email', { subject: 's' }, /body/],
      ['nope', {}, /not found/i],
    ];
    for (const [name, args, message] of cases) {
      const r = await call(client, name, args);
      expect(r.isError, name).toBe(true);
      expect(text(r)).toMatch(message);
    }
    expect(stub.requests).toHaveLength(0);
  });
});

describe.each(claudeVersions())('Claude Code $label accepts mcpLaunchConfig()', ({ bin }) => {
  it('starts the server from --mcp-config and lists its tools', async () => {
    const file = join(dir, 'mcp.json');
    writeFileSync(file, JSON.stringify(mcpLaunchConfig(mcpServerCommand(), { CSM_SESSION_ID: 'a1b2', CSM_URL: stub.url, CSM_TOKEN: stub.token })));
    // The init line comes before any API call; the API port is closed, so nothing else happens.
    const child = spawn(bin, ['--mcp-config', file, '--strict-mcp-config', '-p', 'hi', '--output-format', 'stream-json', '--verbose'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, ANTHROPIC_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: await closedPortUrl(), DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const lines = createInterface({ input: child.stdout });
      let init: { mcp_servers?: { name: string; status: string }[]; tools?: string[] } | undefined;
      for await (const line of lines) {
        const msg = JSON.parse(line) as { type: string; subtype?: string };
        if (msg.type === 'system' && msg.subtype === 'init') {
          init = msg as typeof init;
          break;
        }
      }
      expect(init, `no init line; stderr: ${err}`).toBeDefined();
      expect(init!.mcp_servers).toContainEqual(expect.objectContaining({ name: 'csm', status: 'connected' }));
      expect(init!.tools).toEqual(expect.arrayContaining(['mcp__csm__notify', 'mcp__csm__send_email', 'mcp__csm__ask_user']));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
