import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audited } from '../../../daemon/commands/audited.js';
import type { Commands } from '../../../daemon/commands/types.js';
import { CommandError } from '../../../daemon/errors.js';
import type { SessionInfo } from '../../../daemon/events/types.js';
import { silentLogger } from '../../../daemon/logger.js';
import { AuditLog, type AuditEntry } from '../../../daemon/store/audit.js';
import { Store } from '../../../daemon/store/store.js';

const alice = { channel: 'telegram' as const, user: '42', name: 'Alice' };

/** A command layer that answers from a table, so each wrapped method's record can be checked. */
function fake(): Commands {
  const notImplemented = (): never => {
    throw new Error('not used');
  };
  return {
    newSession: async (input) => ({ id: 'a1b2', cwd: input.cwd }) as SessionInfo,
    list: () => [],
    get: notImplemented,
    output: async () => 'screen',
    screenshot: async () => ({ png: Buffer.from('png'), width: 1, height: 1 }) as never,
    sendInput: async (_id, text) => ({ delivered: text !== 'lost' }),
    answer: async (id, input) => {
      if (input.choice === 'late') throw new CommandError('conflict', `Session ${id} has no pending request any more.`);
      return { outcome: 'allowed' };
    },
    kill: async () => undefined,
    keys: async (_id, keys) => ({ pressed: [...keys] }),
    saveFile: async () => ({ path: './.csm/inbox/2026-12-01-1.jpg' }),
    terminalInput: async () => undefined,
    watchTerminal: () => () => undefined,
    notify: () => ({ notify_id: 'n1', channels: ['telegram'] }),
    ask: async () => ({ answered: true, answer: 'yes', channel: 'telegram' }),
  };
}

function setup(): { commands: Commands; rows: AuditEntry[] } {
  const rows: AuditEntry[] = [];
  let t = 1_000;
  return { commands: audited(fake(), { record: (e) => rows.push(e) }, silentLogger, () => t++), rows };
}

describe('audited commands', () => {
  it('records each action with who, session, what and outcome', async () => {
    const { commands, rows } = setup();
    await commands.newSession({ cwd: '/work/app' }, alice);
    await commands.sendInput('A1B2', 'run the tests', alice);
    await commands.sendInput('a1b2', 'lost', { channel: 'api' });
    await commands.answer('a1b2', { choice: 'allow' }, alice);
    await expect(commands.answer('a1b2', { choice: 'late' }, alice)).rejects.toThrow(/no pending request/);
    await commands.kill('a1b2', alice);
    await commands.keys('a1b2', ['Down', 'Enter'], alice);
    await commands.terminalInput('a1b2', { keys: 'secret\r' }, { channel: 'web' });
    await commands.saveFile('a1b2', { name: 'cat.jpg', bytes: new Uint8Array(5) }, alice);
    commands.notify({ message: 'done', session_id: 'a1b2' }, { channel: 'api' });
    await commands.ask('a1b2', { question: 'Ship it?' }, { channel: 'mcp' });
    await commands.screenshot('a1b2', alice);
    await commands.screenshot('a1b2');
    await commands.output('a1b2');
    commands.list();

    const table = rows.map((r) => [r.action, r.channel, r.name, r.session_id, r.detail, r.outcome, r.error]);
    expect(table).toEqual([
      ['newSession', 'telegram', 'Alice', 'a1b2', '/work/app', 'ok', null],
      ['sendInput', 'telegram', 'Alice', 'a1b2', 'run the tests', 'ok', null],
      ['sendInput', 'api', null, 'a1b2', 'lost (typed, not confirmed)', 'ok', null],
      ['answer', 'telegram', 'Alice', 'a1b2', 'allow → allowed', 'ok', null],
      ['answer', 'telegram', 'Alice', 'a1b2', 'late', 'error', 'Session a1b2 has no pending request any more.'],
      ['kill', 'telegram', 'Alice', 'a1b2', null, 'ok', null],
      ['keys', 'telegram', 'Alice', 'a1b2', 'Down Enter', 'ok', null],
      ['terminalInput', 'web', null, 'a1b2', '7 characters of keystrokes', 'ok', null],
      ['saveFile', 'telegram', 'Alice', 'a1b2', 'cat.jpg (5 bytes) → ./.csm/inbox/2026-12-01-1.jpg', 'ok', null],
      ['notify', 'api', null, 'a1b2', 'done', 'ok', null],
      ['ask', 'mcp', null, 'a1b2', 'Ship it? → answered (telegram): yes', 'ok', null],
      ['screenshot', 'telegram', 'Alice', 'a1b2', null, 'ok', null],
    ]);
    expect(rows[0]!.user).toBe('42');
    expect(rows.map((r) => r.at)).toEqual([...rows.map((r) => r.at)].sort((a, b) => a - b));
  });

  it('cuts long text, and a sink that fails never fails the action', async () => {
    const { commands, rows } = setup();
    await commands.sendInput('a1b2', 'x'.repeat(1000), alice);
    expect(rows[0]!.detail!.length).toBe(300);
    const broken = audited(fake(), { record: () => { throw new Error('disk full'); } }, silentLogger);
    await expect(broken.kill('a1b2', alice)).resolves.toBeUndefined();
  });
});

describe('AuditLog', () => {
  it('queries by session and time, newest N oldest first, and prunes by age', () => {
    const store = new Store(join(mkdtempSync(join(tmpdir(), 'csm-audit-')), 'db.sqlite'));
    const log = new AuditLog(store);
    const row = (at: number, session: string | null): AuditEntry => ({ at, channel: 'api', user: null, name: null, session_id: session, action: 'kill', detail: null, outcome: 'ok', error: null });
    [row(100, 'a1b2'), row(200, 'c3d4'), row(300, 'a1b2'), row(400, null)].forEach((r) => log.record(r));
    expect(log.query({ limit: 10 }).map((r) => r.at)).toEqual([100, 200, 300, 400]);
    expect(log.query({ limit: 2 }).map((r) => r.at)).toEqual([300, 400]);
    expect(log.query({ limit: 10, session: 'A1B2' }).map((r) => r.at)).toEqual([100, 300]);
    expect(log.query({ limit: 10, since: 250 }).map((r) => r.at)).toEqual([300, 400]);
    // The sweep's own path: the pruner AuditLog registered with the store.
    expect(store.prune({ sessions: [], live: [], before: 250, keysBefore: 0 }).rows['audit']).toBe(2);
    expect(log.query({ limit: 10 }).map((r) => r.at)).toEqual([300, 400]);
    store.close();
  });
});
