import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { screen, twinSessions } from '../../helpers/twin-sessions.js';

const VERSIONS = ['2.1.197', 'latest'];

let t: ReturnType<typeof twinSessions>;
beforeEach(() => (t = twinSessions()));
afterEach(() => t.close());

describe.each(VERSIONS)('screen watch on Claude Code %s screens', (version) => {
  it.each([
    ['idle', 'idle'],
    ['busy', 'running'],
    ['finished', 'idle'],
  ] as const)('a %s screen: the session is %s', async (name, status) => {
    const s = t.session(screen(version, name));
    await t.screens.checkMany([s.record()]);
    expect(s.record().status).toBe(status);
  });

  it('a screen read while a hook changed the status does not set it back (the busy frame came before the Stop hook)', async () => {
    const s = t.session(screen(version, 'busy'));
    t.manager.setStatus(s.id, 'running');
    let open!: () => void;
    t.tmux.captureGate = new Promise<void>((resolve) => (open = resolve));
    let read!: () => void;
    const reading = new Promise<void>((resolve) => (read = resolve));
    t.tmux.onCapture = read;
    const check = t.screens.checkMany([s.record()]);
    await reading;
    // Claude finished while tmux was drawing the busy frame for us: the Stop hook says idle.
    t.manager.setStatus(s.id, 'idle');
    t.tmux.captureGate = null;
    open();
    await check;
    expect(s.record().status).toBe('idle');
    // The next read, newer than the hook, is applied as usual.
    await t.screens.checkMany([s.record()]);
    expect(s.record().status).toBe('running');
  });

  it('a permission dialog with no hook is surfaced from the screen once it has stood for the hook grace', async () => {
    const s = t.session(screen(version, 'permission-bash'));
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)).toBeUndefined();
    t.clock.now += 3000;
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)?.request).toMatchObject({ kind: 'permission' });
    expect(t.events.filter((e) => e.kind === 'permission_request')).toHaveLength(1);
    // Answered at the laptop: the dialog is gone, and the request with it.
    s.pane.screen = screen(version, 'busy');
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)).toBeUndefined();
    expect(t.events.find((e) => e.kind === 'resolved')).toMatchObject({ by: { channel: 'terminal' } });
  });
});

describe('monitor: a pane that ended', () => {
  it('waits for tmux to learn the exit status, then reports the code', async () => {
    const s = t.session('');
    s.pane.dead = true;
    await t.monitor.checkLiveness();
    expect(s.record().status).not.toBe('dead');
    s.pane.exitStatus = 3;
    await t.monitor.checkLiveness();
    expect(s.record()).toMatchObject({ status: 'dead', exit_code: 3 });
    expect(t.events.find((e) => e.kind === 'error')).toMatchObject({ message: expect.stringContaining('Claude Code exited with code 3') });
  });

  it('reports a signal, and after 3 s without any word from tmux an unknown status', async () => {
    const a = t.session('');
    const b = t.session('');
    a.pane.dead = true;
    a.pane.exitSignal = 9;
    b.pane.dead = true;
    await t.monitor.checkLiveness();
    expect(a.record().status).toBe('dead');
    expect(b.record().status).not.toBe('dead');
    t.clock.now += 3000;
    await t.monitor.checkLiveness();
    expect(b.record()).toMatchObject({ status: 'dead', exit_code: null });
    const errors = t.events.filter((e) => e.kind === 'error').map((e) => ('message' in e ? e.message : ''));
    expect(errors).toEqual([expect.stringContaining('exited with signal 9'), expect.stringContaining('exited with an unknown status')]);
  });

  it('a pane that is gone altogether ends its session at once', async () => {
    const s = t.session(screen('latest', 'idle'));
    await t.tmux.killSession(s.pane.session);
    await t.monitor.checkLiveness();
    expect(s.record().status).toBe('dead');
  });
});
