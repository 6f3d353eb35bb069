import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaneStreams, type PaneFrame } from '../../daemon/sessions/pane-stream.js';
import type { SessionManager } from '../../daemon/sessions/session-manager.js';
import type { SessionRecord } from '../../daemon/sessions/session-store.js';
import { TmuxClient } from '../../daemon/tmux/tmux-client.js';
import { waitFor } from '../helpers/wait.js';

/** The pane source of the dashboard's terminal, on a real tmux server: snapshot, stream, resume, size. */
describe('pane streams over tmux control mode', () => {
  const socket = `csm-panes-${process.pid}`;
  const tmux = new TmuxClient({ socketName: socket });
  const run = (...args: string[]): Promise<string> => execa('tmux', ['-L', socket, ...args]).then((r) => r.stdout);
  let streams: PaneStreams;
  let s: SessionRecord;

  beforeAll(async () => {
    const pane = (await run('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', 'viewed', '-x', '100', '-y', '30', 'sh', '-c', String.raw`printf '\033[31mred line\033[0m\n'; exec cat`)).trim();
    s = { id: 'a1b2', pane_id: pane, tmux_session: 'viewed', tmux_socket: null } as SessionRecord;
    streams = new PaneStreams({ tmuxFor: () => tmux } as unknown as SessionManager, { graceMs: 60_000 });
    await waitFor(async () => (await run('capture-pane', '-p', '-t', pane)).includes('red line'), { message: 'the first line' });
  });
  afterAll(async () => {
    streams?.stopAll();
    await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
  });

  const text = (frames: PaneFrame[]): string => frames.map((f) => ('data' in f ? f.data : '')).join('');

  it('a viewer gets the screen with its colours and cursor, then every byte after it; the window keeps its size', async () => {
    const frames: PaneFrame[] = [];
    const stop = streams.watch(s, (f) => frames.push(f));
    const snap = await waitFor(() => frames.find((f) => f.type === 'snapshot'), { message: 'the snapshot' });
    expect(snap).toMatchObject({ cols: 100, rows: 30, seq: 0 });
    expect(snap.type === 'snapshot' && snap.data).toContain('\x1b[31mred line');
    expect(snap.type === 'snapshot' && snap.data).toContain('\x1b[2;1H');
    await tmux.sendTerminalInput(s.pane_id, 'hello é\r');
    await waitFor(() => text(frames).includes('hello é'), { message: 'the echo' });
    const outputs = frames.filter((f) => f.type === 'output');
    expect(outputs.map((f) => f.seq)).toEqual(outputs.map((_, i) => i + 1));
    stop();
    expect((await run('display-message', '-p', '-t', 'viewed', '#{window_width}x#{window_height}')).trim()).toBe('100x30');
  });

  it('a viewer that comes back with its position gets only what it missed, without a new snapshot', async () => {
    const first: PaneFrame[] = [];
    const stop = streams.watch(s, (f) => first.push(f));
    const snap = await waitFor(() => first.find((f) => f.type === 'snapshot'), { message: 'the snapshot' });
    await tmux.sendTerminalInput(s.pane_id, 'before\r');
    await waitFor(() => text(first).includes('before'), { message: 'before' });
    const last = first.at(-1)!;
    stop();
    await tmux.sendTerminalInput(s.pane_id, 'while away\r');
    await waitFor(async () => (await run('capture-pane', '-p', '-t', s.pane_id)).includes('while away'), { message: 'the output while away' });
    // The stream keeps running for a while after its last viewer left: the output is kept.
    await new Promise((r) => setTimeout(r, 200));
    const again: PaneFrame[] = [];
    const stop2 = streams.watch(s, (f) => again.push(f), { epoch: snap.type === 'snapshot' ? snap.epoch : '', seq: last.type === 'output' ? last.seq : 0 });
    expect(again.some((f) => f.type === 'snapshot')).toBe(false);
    expect(text(again)).toContain('while away');
    expect(again[0]!.type === 'output' && again[0]!.seq).toBe(last.type === 'output' ? last.seq + 1 : -1);
    // A position from another stream (a restarted daemon) gets a snapshot instead.
    const other: PaneFrame[] = [];
    const stop3 = streams.watch(s, (f) => other.push(f), { epoch: 'elsewhere', seq: 1 });
    await waitFor(() => other.find((f) => f.type === 'snapshot'), { message: 'a fresh snapshot' });
    stop2();
    stop3();
  });

  it('the viewer is told when the session ends', async () => {
    const frames: PaneFrame[] = [];
    streams.watch(s, (f) => frames.push(f));
    await waitFor(() => frames.find((f) => f.type === 'snapshot' || f.type === 'output'), { message: 'the stream' });
    await run('kill-session', '-t', 'viewed');
    await waitFor(() => frames.find((f) => f.type === 'ended'), { message: 'ended' });
  });
});
