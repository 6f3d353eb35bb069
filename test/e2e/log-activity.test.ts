import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, waitForEvent, type DaemonHandle } from '../helpers/daemon.js';

const ECHO = join(import.meta.dirname, '../fixtures/bin/echo-input');

/**
 * Output is noticed by polling each live session's pipe-pane log (no hook is involved here): a quiet stand-in
 * goes idle once, new output ends the quiet spell, and the next quiet spell gives a second idle.
 */
describe('output in the log', () => {
  let d: DaemonHandle | undefined;
  afterEach(async () => {
    await d?.cleanup();
    d = undefined;
  });

  it('ends a quiet spell: idle, output, idle again', async () => {
    d = await startDaemon({ claudeBin: ECHO, claudeEnv: {}, config: { sessions: { idle_warning_seconds: 2 } } });
    const id = (await d.api<{ session_id: string }>('POST', '/session/new', { cwd: d.home })).body.session_id;
    type Ev = { kind: string; session_id: string; seq: number };
    const first = await waitForEvent<Ev>(d, (e) => e.kind === 'idle' && e.session_id === id, { what: 'first idle' });
    // Keys, not input: the stand-in has no hooks, so only the echoed text in its log tells that something happened.
    expect((await d.api('POST', `/session/${id}/keys`, { keys: ['y', 'n', 'y'] })).status).toBe(200);
    const second = await waitForEvent<Ev>(d, (e) => e.kind === 'idle' && e.session_id === id, { after: first.seq, what: 'idle after output' });
    expect(second.seq).toBeGreaterThan(first.seq);
  });
});
