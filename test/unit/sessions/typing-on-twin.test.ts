import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError } from '../../../daemon/errors.js';
import type { Origin } from '../../../daemon/events/types.js';
import { settleInputBoxes } from '../../../daemon/sessions/restart-check.js';
import { screen, twinSessions } from '../../helpers/twin-sessions.js';

const owner: Origin = { channel: 'telegram', user: '1001' };

let t: ReturnType<typeof twinSessions>;
beforeEach(() => (t = twinSessions()));
afterEach(() => t.close());

/**
 * Typing into a session on the tmux twin playing Claude Code's input box (on the idle screens captured from
 * both versions): what reaches the pane, in which order, and what is submitted. The same flows run against
 * the real CLI in test/e2e (input-crash, claude-session); here each case is exact and takes milliseconds.
 */
describe.each(['2.1.197', 'latest'])('typing on Claude Code %s', (version) => {
  const idle = (o: { hooks?: boolean; swallowEnters?: number } = {}) => {
    const s = t.session(screen(version, 'idle'));
    // With hooks, UserPromptSubmit confirms the prompt; without, the emptied box does.
    const box = t.tmux.playInputBox(s.pane.id, { ...(o.swallowEnters ? { swallowEnters: o.swallowEnters } : {}), ...(o.hooks ? { onSubmit: () => t.typer.promptSubmitted(s.id) } : {}) });
    return { ...s, box };
  };

  it.each([
    ['with hooks', true],
    ['without hooks: the emptied box confirms it', false],
  ])('a line is typed, then Enter alone; it is submitted once (%s)', async (_name, hooks) => {
    const s = idle({ hooks });
    expect(await t.commands.sendInput(s.id, 'run the tests', owner, { key: 'k1' })).toEqual({ delivered: true });
    expect(s.pane.input).toEqual(['text:run the tests', 'key:Enter']);
    expect(s.box.submitted).toEqual(['run the tests']);
  });

  it('several lines go as one paste; an Enter the paste swallowed is pressed once more, because the text still waits in the box', async () => {
    const s = idle({ swallowEnters: 1 });
    expect(await t.commands.sendInput(s.id, 'first\nsecond', owner)).toEqual({ delivered: true });
    expect(s.pane.input).toEqual(['paste:first\nsecond', 'key:Enter', 'key:Enter']);
    expect(s.box.submitted).toEqual(['first\nsecond\n']);
  });

  it('the same idempotency key types once, however often it comes', async () => {
    const s = idle({ hooks: true });
    await t.commands.sendInput(s.id, 'once', owner, { key: 'telegram:1:42' });
    await t.commands.sendInput(s.id, 'once', owner, { key: 'telegram:1:42' });
    expect(s.box.submitted).toEqual(['once']);
  });

  it('text in the box that csm did not type: refused before a keystroke, so the two are not glued into one prompt', async () => {
    const s = idle();
    s.box.text = 'half a thought';
    const err = await t.commands.sendInput(s.id, 'mine', owner).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).message).toMatch(/already holds text that csm did not type: "half a thought"/);
    expect(s.pane.input).toEqual([]);
  });

  it('inputs to two sessions each reach their own pane', async () => {
    const a = idle({ hooks: true });
    const b = idle({ hooks: true });
    await Promise.all([t.commands.sendInput(a.id, 'to a', owner), t.commands.sendInput(b.id, 'to b', owner)]);
    expect([a.box.submitted, b.box.submitted]).toEqual([['to a'], ['to b']]);
  });

  describe('the restart check, before anything else is typed', () => {
    it('text csm was typing when the daemon died is submitted, and its key counts as delivered', async () => {
      const s = idle({ hooks: true });
      t.ledger.begin('telegram:1:7', s.id, 'typed before the crash', t.clock.now);
      s.box.text = 'typed before the crash';
      await settleInputBoxes(t.manager, t.typer, t.ledger, t.log);
      expect(s.pane.input).toEqual(['key:Enter']);
      expect(s.box.submitted).toEqual(['typed before the crash']);
      expect(t.ledger.typing(s.id)).toEqual([]);
    });

    it("someone else's text is cleared, not submitted", async () => {
      const s = idle();
      s.box.text = 'the person was typing this';
      await settleInputBoxes(t.manager, t.typer, t.ledger, t.log);
      expect(s.box.submitted).toEqual([]);
      expect(s.box.text).toBe('');
      expect(s.pane.input.every((i) => i === 'key:C-k' || i === 'key:C-u')).toBe(true);
    });

    it('an empty box: nothing is pressed', async () => {
      const s = idle();
      await settleInputBoxes(t.manager, t.typer, t.ledger, t.log);
      expect(s.pane.input).toEqual([]);
    });
  });
});
