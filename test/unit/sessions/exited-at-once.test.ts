import { describe, expect, it } from 'vitest';
import { exitedAtOnceMessage } from '../../../daemon/sessions/tmux-start.js';

// tmux 3.3a's dead pane, as capture-pane shows it under remain-on-exit.
const DEAD_3 = "error: unknown option '--exit-at-once'\n(run with --help for usage)\n\nPane is dead (status 3, Tue Dec  1 14:31:59 2026)\n";
const DEAD_SIGNAL = 'Pane is dead (signal 1, Tue Dec  1 14:31:59 2026)\n';

describe('exitedAtOnceMessage', () => {
  it.each([
    ['the status from list-panes', { code: 3, signal: null }, DEAD_3, /exited at once with exit code 3, so no session/],
    ['the status from the dead pane when list-panes had none yet', { code: null, signal: null }, DEAD_3, /exited at once with exit code 3, so no session/],
    ['a signal from list-panes', { code: null, signal: 15 }, '', /exited at once, ended by signal 15, so no session/],
    ['a signal from the dead pane', { code: null, signal: null }, DEAD_SIGNAL, /exited at once, ended by signal 1, so no session/],
    ['nothing known', { code: null, signal: null }, '', /exited at once \(tmux did not learn its exit code\), so no session was started/],
  ])('%s', (_name, exit, screen, expected) => {
    const m = exitedAtOnceMessage('claude', exit, screen, 'claude-ab12');
    expect(m).toMatch(expected);
    expect(m).not.toContain('Pane is dead');
  });

  it('quotes the last lines the program printed, or says it printed nothing', () => {
    expect(exitedAtOnceMessage('claude', { code: 3, signal: null }, DEAD_3, 'claude-ab12')).toContain("Its last output:\nerror: unknown option '--exit-at-once'\n(run with --help for usage)\n");
    expect(exitedAtOnceMessage('claude', { code: 3, signal: null }, DEAD_SIGNAL, 'claude-ab12')).toContain('It printed nothing');
  });
});
