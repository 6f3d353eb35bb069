import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { drawSessionId, SESSION_ID_RE, sessionIdLength } from '../../../daemon/session-id.js';
import { SessionStore, type SessionRecord } from '../../../daemon/sessions/session-store.js';
import { Store } from '../../../daemon/store/store.js';

/** A random source that returns `ids` in order (cut or padded to the asked length is the caller's job). */
const scripted = (ids: string[]) => {
  const asked: number[] = [];
  return { asked, random: (digits: number) => (asked.push(digits), ids.shift() ?? 'f'.repeat(digits)) };
};

describe('sessionIdLength: short ids while the space is roomy, longer as it fills', () => {
  it.each([
    [0, 4],
    [1, 4],
    [4095, 4],
    [4096, 5],
    [65_535, 5],
    [65_536, 6],
    [10 ** 12, 8],
  ])('%i ids issued → %i hex digits', (issued, length) => expect(sessionIdLength(issued)).toBe(length));
});

describe('drawSessionId: never an id issued before', () => {
  it.each([
    { name: 'a free first draw', issued: [], draws: ['a1b2'], want: 'a1b2' },
    { name: 'an issued id (of a dead or pruned session) is drawn again', issued: ['a1b2'], draws: ['a1b2', 'c3d4'], want: 'c3d4' },
    { name: 'upper case from the source is normalised', issued: [], draws: ['A1B2'], want: 'a1b2' },
  ])('$name', ({ issued, draws, want }) => {
    const set = new Set(issued);
    expect(drawSessionId((id) => set.has(id), set.size, scripted([...draws]).random)).toBe(want);
  });

  it('64 collisions in a row at one length → the next length', () => {
    const set = new Set(['aaaa']);
    const s = scripted([...Array<string>(64).fill('aaaa'), 'bbbbb']);
    expect(drawSessionId((id) => set.has(id), 1, s.random)).toBe('bbbbb');
    expect(s.asked.slice(62)).toEqual([4, 4, 5]);
  });

  it('every length exhausted → null (the caller says what to do)', () => {
    expect(drawSessionId(() => true, 0, () => 'aaaa')).toBeNull();
  });

  it('real random ids look like ids', () => {
    for (let i = 0; i < 50; i++) expect(drawSessionId(() => false, 0)).toMatch(/^[0-9a-f]{4}$/);
    expect(drawSessionId(() => false, 5000)).toMatch(/^[0-9a-f]{5}$/);
    expect(SESSION_ID_RE.test('a1b2c')).toBe(true);
    expect(SESSION_ID_RE.test('a1b')).toBe(false);
  });
});

describe('SessionStore.issueId against a real database', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const record = (id: string, status: SessionRecord['status'] = 'dead'): SessionRecord => ({
    id, tmux_session: `claude-${id}`, pane_id: '%1', tmux_socket: null, adopted: false, cwd: '/tmp', log_file: '/tmp/x.log', status,
    started_at: 1, last_output_at: 1, claude_session_id: null, pending: null, last_message: null, exit_code: null, transcript_path: null, credential: null,
  });

  it('an id stays taken after its session died and its record was pruned, and across a reopen', () => {
    dir = mkdtempSync(join(tmpdir(), 'csm-ids-'));
    const file = join(dir, 'csm.db');
    let store = new Store(file);
    let sessions = new SessionStore(store);
    expect(sessions.issueId(1, scripted(['a1b2']).random)).toBe('a1b2');
    sessions.save(record('a1b2'));
    store.prune({ sessions: ['a1b2'], live: [], before: 10, keysBefore: 10 });
    expect(sessions.all()).toEqual([]);
    store.close();
    store = new Store(file);
    sessions = new SessionStore(store);
    expect(sessions.issueId(2, scripted(['a1b2', 'a1b2', 'c3d4']).random)).toBe('c3d4');
    expect(sessions.isIssued('A1B2')).toBe(true);
    store.close();
  });

  it('a database from before the id table: ids of the sessions it has stay taken', () => {
    dir = mkdtempSync(join(tmpdir(), 'csm-ids-'));
    const store = new Store(join(dir, 'csm.db'));
    // The shipped schema up to the id table (steps 0 and 1), with a session in it.
    store.db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, tmux_session TEXT NOT NULL, pane_id TEXT NOT NULL, tmux_socket TEXT,
      adopted INTEGER NOT NULL DEFAULT 0, cwd TEXT NOT NULL, log_file TEXT NOT NULL, status TEXT NOT NULL, started_at INTEGER NOT NULL,
      last_output_at INTEGER NOT NULL, claude_session_id TEXT, pending TEXT, last_message TEXT, exit_code INTEGER, transcript_path TEXT)`);
    store.db.exec(`INSERT INTO migrations (owner, step) VALUES ('sessions', 0), ('sessions', 1)`);
    store.db.exec(`INSERT INTO sessions (id, tmux_session, pane_id, cwd, log_file, status, started_at, last_output_at) VALUES ('beef', 'claude-beef', '%1', '/tmp', '/tmp/l', 'dead', 5, 5)`);
    const sessions = new SessionStore(store);
    expect(sessions.isIssued('beef')).toBe(true);
    expect(sessions.issueId(6, scripted(['beef', 'cafe']).random)).toBe('cafe');
    expect(sessions.all().map((s) => [s.id, s.credential])).toEqual([['beef', null]]);
    store.close();
  });
});
