import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TmuxClient } from '../../daemon/tmux/tmux-client.js';
import { waitFor } from '../helpers/wait.js';

// Real tmux on a socket of its own per test.
let tmux: TmuxClient;

beforeEach(() => {
  tmux = new TmuxClient({ socketName: `csm-test-${randomBytes(4).toString('hex')}` });
});
afterEach(async () => {
  for (const p of await tmux.listPanes()) await tmux.killSession(p.session).catch(() => {});
});

async function startPanes(n: number): Promise<string[]> {
  const panes: string[] = [];
  for (let i = 0; i < n; i++) {
    // printf, not echo: the screen text holds a "%" and a strftime-looking sequence on purpose.
    panes.push(await tmux.newSession({ name: `s${i}`, cwd: '/', command: ['sh', '-c', `printf 'screen %s %%3 %%H\\n' ${i}; exec sleep 300`], env: {} }));
  }
  return panes;
}

describe('TmuxClient.capturePanes (real tmux)', () => {
  it('returns every pane under its own id, including ids that look like strftime (%3, %10, %H)', async () => {
    const panes = await startPanes(12);
    expect(panes).toContain('%3');
    expect(panes).toContain('%10');
    let screens = new Map<string, string>();
    // The shells may not have printed yet: read again until every screen shows its line.
    await waitFor(async () => {
      screens = await tmux.capturePanes(panes);
      return panes.every((p, n) => screens.get(p)?.includes(`screen ${n} `));
    }, { timeoutMs: 10_000, message: 'every pane printed' });
    expect([...screens.keys()].sort()).toEqual([...panes].sort());
    panes.forEach((p, n) => expect(screens.get(p)).toContain(`screen ${n} %3 %H`));
  });

  it('a vanished pane does not hide the others', async () => {
    const panes = await startPanes(3);
    await tmux.killSession('s1');
    const screens = await tmux.capturePanes(panes);
    expect([...screens.keys()].sort()).toEqual([panes[0], panes[2]].sort());
  });

  it('no panes: no tmux call, an empty map', async () => {
    expect((await tmux.capturePanes([])).size).toBe(0);
  });
});
