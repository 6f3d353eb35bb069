import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError } from '../../../daemon/errors.js';
import type { Origin } from '../../../daemon/events/types.js';
import { screen, twinSessions } from '../../helpers/twin-sessions.js';

const bob: Origin = { channel: 'telegram', user: '2002', name: 'Bob' };
const refusal = async (p: Promise<unknown>): Promise<CommandError> => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CommandError);
  return err as CommandError;
};

let t: ReturnType<typeof twinSessions>;
beforeEach(() => (t = twinSessions()));
afterEach(() => t.close());

/** The command layer on the tmux twin: what reaches which pane, and what is refused before a keystroke. */
describe.each(['2.1.197', 'latest'])('commands on Claude Code %s screens', (version) => {
  /** A session showing a permission dialog no hook announced, surfaced from the screen. */
  const withDialog = async () => {
    const s = t.session(screen(version, 'permission-bash'));
    await t.screens.checkMany([s.record()]);
    t.clock.now += 3000;
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)?.request.kind).toBe('permission');
    return s;
  };

  it("answering a dialog on the screen presses its option's keys in that pane, and no other", async () => {
    const other = t.session(screen(version, 'idle'));
    const s = await withDialog();
    const r = await t.commands.answer(s.id, { choice: 'allow' }, bob);
    expect(r.outcome).toMatch(/^chose "Yes/);
    expect(s.pane.input.length).toBeGreaterThan(0);
    expect(s.pane.input.every((i) => i.startsWith('key:'))).toBe(true);
    expect(other.pane.input).toEqual([]);
    expect(t.manager.pending(s.id)).toBeUndefined();
    expect(t.events.filter((e) => e.kind === 'resolved').at(-1)).toMatchObject({ session_id: s.id, by: bob });
  });

  it('a trust dialog answered on screen: Claude Code back at its prompt before the answer returns leaves the session idle, not "running"', async () => {
    const s = t.session(screen(version, 'trust'));
    await t.screens.checkMany([s.record()]);
    expect(t.manager.pending(s.id)?.request.kind).toBe('dialog');
    // What the real CLI does at once: the main screen, and its SessionStart hook, while the answer is still on its way.
    s.pane.onKeys = () => {
      s.pane.screen = screen(version, 'idle');
      t.manager.setStatus(s.id, 'idle');
    };
    const yes = t.manager.pending(s.id)!.request.options.find((o) => /yes/i.test(o.label))!;
    await t.commands.answer(s.id, { choice: yes.key }, bob);
    expect(t.manager.pending(s.id)).toBeUndefined();
    expect(t.manager.get(s.id).status).toBe('idle');
  });

  it('a dialog gone from the screen when the answer comes: nothing pressed, a 409, and the request closed as answered in the terminal', async () => {
    const s = await withDialog();
    s.pane.screen = screen(version, 'busy');
    const err = await refusal(t.commands.answer(s.id, { choice: 'allow' }, bob));
    expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/no longer on screen.*nothing was pressed/) });
    expect(s.pane.input).toEqual([]);
    expect(t.events.filter((e) => e.kind === 'resolved').at(-1)).toMatchObject({ by: { channel: 'terminal' } });
  });

  it('text while a dialog waits is refused before a keystroke, naming the dialog and its options', async () => {
    const s = await withDialog();
    const err = await refusal(t.commands.sendInput(s.id, 'carry on', bob));
    expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/waiting on a permission .*answer it first \(options: .*\)\. Nothing was typed\./) });
    expect(s.pane.input).toEqual([]);
  });
});

describe('commands: keys and panes', () => {
  it('keys are pressed in order, one by one; an unknown key name is a 400 before any is pressed', async () => {
    const s = t.session(screen('latest', 'idle'));
    expect(await t.commands.keys(s.id, ['Down', 'Enter'], bob)).toEqual({ pressed: ['Down', 'Enter'] });
    expect(s.pane.input).toEqual(['key:Down', 'key:Enter']);
    const err = await refusal(t.commands.keys(s.id, ['Down', 'Jump'], bob));
    expect(err.code).toBe('bad_request');
    expect(s.pane.input).toEqual(['key:Down', 'key:Enter']);
  });

  it('a pane id that now belongs to another tmux session gets nothing: a 409, nothing pressed', async () => {
    const s = t.session(screen('latest', 'idle'));
    // The session's tmux session ended and tmux gave its pane id to a new one (a person's own shell).
    s.pane.session = 'someone-elses';
    const err = await refusal(t.commands.keys(s.id, ['Enter'], bob));
    expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/no longer running in tmux.*nothing was typed/) });
    expect(s.pane.input).toEqual([]);
  });

  it("output is the last lines of the screen; kill in an adopted session presses Ctrl-C and leaves the person's tmux session", async () => {
    const s = t.session('one\ntwo\nthree\nfour\n\n\n');
    expect(await t.commands.output(s.id, 2)).toBe('three\nfour');
    await t.commands.kill(s.id, bob);
    expect(s.pane.input).toEqual(['key:C-c']);
    expect(t.tmux.panes.has(s.pane.id)).toBe(true);
    expect(s.record().status).toBe('dead');
    expect((await refusal(t.commands.kill(s.id, bob))).code).toBe('conflict');
    expect((await refusal(t.commands.output('zzzz', 5))).code).toBe('not_found');
  });
});
