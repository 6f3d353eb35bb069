import type { TmuxClient } from './tmux-client.js';

/**
 * What the daemon asks of one tmux server. TmuxClient runs the real tmux; the tests of the session code
 * use an in-memory twin (test/fakes/tmux-twin.ts) with the same shape.
 */
export type Tmux = Pick<
  TmuxClient,
  | 'server' | 'socketPath' | 'newSession' | 'pipePane' | 'capturePane' | 'snapshot' | 'capturePanes' | 'listPanes'
  | 'sendLiteral' | 'paste' | 'sendTerminalInput' | 'control' | 'sendKeys' | 'killSession' | 'killServer' | 'version'
>;
