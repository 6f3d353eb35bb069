import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const RECORD_ARGS = join(import.meta.dirname, '../fixtures/bin/record-args');

/**
 * Everything that reaches tmux reaches it as data (issue 9, items 3, 4 and 9): the real daemon, real tmux,
 * and a stand-in for Claude that records its folder, environment, arguments and every byte typed.
 */
describe('arguments and texts reach tmux as data', () => {
  let d: DaemonHandle;
  let work: string;
  const marker = (): string => join(work, 'pwned');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'csm-data-'));
    d = await startDaemon({
      claudeBin: RECORD_ARGS,
      claudeEnv: { CSM_TEST_OUT: join(work, 'typed'), CSM_TEST_ARGS: join(work, 'args'), CSM_TEST_ENV: 'env value;' },
      claudeArgs: ['--default-arg;'],
    });
  });
  afterAll(async () => d?.cleanup());

  const tmuxSessions = async (): Promise<string[]> =>
    (await execa('tmux', ['-L', d.socketName, 'list-sessions', '-F', '#{session_name}'], { reject: false })).stdout.split('\n').filter(Boolean);
  const typed = (id: string): string => (existsSync(join(work, `typed.${id}`)) ? readFileSync(join(work, `typed.${id}`), 'utf8') : '');

  async function start(cwd: string, args: string[] = []): Promise<string> {
    const r = await d.api<{ session_id: string }>('POST', '/session/new', { cwd, args });
    expect(r.status, `${JSON.stringify(r.body)}\n${d.logs().slice(-2000)}`).toBe(200);
    const id = r.body.session_id;
    await waitFor(async () => (await d.api<{ output: string }>('GET', `/session/${id}/output?lines=5`)).body.output.includes('ready'), { message: 'stand-in ready' });
    return id;
  }

  it('a cwd, an env value, a default arg and API args ending in ";" start the session with them verbatim; no tmux command runs', async () => {
    const cwd = join(work, 'folder;');
    mkdirSync(cwd);
    const id = await start(cwd, ['x;', 'run-shell', `touch ${marker()}`, 'back\\;']);
    const recorded = readFileSync(join(work, `args.${id}`), 'utf8').split('\n');
    expect(recorded).toContain(`cwd=${cwd}`);
    expect(recorded).toContain('env=env value;');
    expect(recorded).toContain('arg=--default-arg;');
    expect(recorded.slice(-5)).toEqual(['arg=x;', 'arg=run-shell', `arg=touch ${marker()}`, 'arg=back\\;', '']);
    expect(existsSync(marker())).toBe(false);
  });

  it('a folder named like a tmux format is used as it is, and its #(...) does not run', async () => {
    // No "/" in a folder name: the command finds its target through the daemon's environment, which tmux inherits.
    const cwd = join(work, '#(touch $CSM_HOME.pwned) #{pane_id}');
    mkdirSync(cwd);
    const id = await start(cwd);
    expect(readFileSync(join(work, `args.${id}`), 'utf8')).toContain(`cwd=${cwd}\n`);
    expect(existsSync(`${d.home}.pwned`)).toBe(false);
  });

  it('texts ending in ";" or "\\;" are typed whole, and so is a 100,000-character line', async () => {
    const id = await start(work);
    const long = `${'0123456789'.repeat(9_999)}long-end;`;
    for (const text of ['run ls;', 'a\\;', ';', long]) {
      const r = await d.api<{ delivered: boolean }>('POST', `/session/${id}/input`, { text });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    await waitFor(() => typed(id).endsWith('long-end;\r'), { timeoutMs: 20_000, message: 'the long line recorded' });
    expect(typed(id)).toBe(`run ls;\ra\\;\r;\r${long}\r`);
  });

  it('control characters are refused with a 400 naming them, before a keystroke; CRLF is typed as LF', async () => {
    const id = await start(work);
    for (const [text, what] of [['a\u0000b', /U\+0000 \(NUL\) at position 1/], ['multi\nline \u001b[201~ then keys', /U\+001B \(ESC.*position 11 \(line 2\)/]] as const) {
      const r = await d.api<{ error: string; code: string }>('POST', `/session/${id}/input`, { text });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(what);
      expect(r.body.error).toMatch(/Nothing was typed/);
    }
    const ok = await d.api<{ delivered: boolean; note?: string }>('POST', `/session/${id}/input`, { text: 'one\r\ntwo' });
    expect(ok.status).toBe(200);
    expect(ok.body.note).toMatch(/line ends/);
    // The stand-in's raw tty shows the paste's newline as \r, as Claude Code receives it; then the Enter.
    await waitFor(() => typed(id) === 'one\rtwo\r', { message: 'the normalized text recorded' });
  });

  it('a program that exits at once: a 400 with its last output and exit code, and no session left behind', async () => {
    const before = await tmuxSessions();
    const sessionsBefore = (await d.api<{ sessions: unknown[] }>('GET', '/sessions')).body.sessions.length;
    // tmux on Linux now and then loses the output of a program that exits within milliseconds (about 1 in 30
    // here): every attempt must be a clean 400, and one must show the output.
    const errors: string[] = [];
    for (let attempt = 0; attempt < 4 && !errors.some((e) => e.includes('unknown option')); attempt++) {
      const r = await d.api<{ error: string; code: string }>('POST', '/session/new', { cwd: work, args: ['--exit-at-once'] });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      // In the full suite tmux now and then never reaps such a program within the daemon's 3 s wait (seen in
      // every fresh-clone run, never alone); the daemon then says it does not know the code.
      expect(r.body.error).toMatch(/exited at once( with exit code 3| \(tmux did not learn its exit code\)), so no session was started/);
      expect(await tmuxSessions()).toEqual(before);
      expect((await d.api<{ sessions: unknown[] }>('GET', '/sessions')).body.sessions.length).toBe(sessionsBefore);
      errors.push(r.body.error);
    }
    const shown = errors.find((e) => e.includes('unknown option'));
    expect(shown, errors.join('\n')).toContain("error: unknown option '--exit-at-once'");
    expect(shown).toContain('(run with --help for usage)');
  });
});
