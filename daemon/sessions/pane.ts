import { setTimeout as delay } from 'node:timers/promises';
import type { Tmux } from '../tmux/tmux.js';
import type { PaneIo } from './screen-answer.js';
import type { SessionRecord } from './session-store.js';

/** Between two keys pressed for an answer: long enough for the program to read them apart. */
const KEY_GAP_MS = 40;

/**
 * A session's pane, checked against tmux the moment it was opened: the one handle through which the command
 * layer types, presses keys and reads the screen. It never touches tmux itself.
 */
export class Pane implements PaneIo {
  readonly #tmux: Tmux;

  constructor(
    tmux: Tmux,
    readonly id: string,
    readonly sessionId: string,
  ) {
    this.#tmux = tmux;
  }

  capture(): Promise<string> {
    return this.#tmux.capturePane(this.id);
  }

  /** One key (tmux's name for it). */
  press(key: string): Promise<void> {
    return this.#tmux.sendKeys(this.id, [key]);
  }

  /**
   * Keys one at a time. Keys sent in one burst reach the program as one read, and Claude Code 2.1.197 then
   * takes "Down Enter" as Enter alone: the answer would be the option under the cursor, not the chosen one.
   */
  async pressOneByOne(keys: readonly string[]): Promise<void> {
    for (const [i, key] of keys.entries()) {
      if (i > 0) await delay(KEY_GAP_MS);
      await this.press(key);
    }
  }

  /** Text as it is, no key names. */
  type(text: string): Promise<void> {
    return this.#tmux.sendLiteral(this.id, text);
  }

  /** Raw keystrokes as a terminal sends them (the dashboard's "take control"), escape sequences included. */
  terminalInput(data: string): Promise<void> {
    return this.#tmux.sendTerminalInput(this.id, data);
  }

  /** A paste: as a bracketed paste where the program asked for one. */
  paste(text: string): Promise<void> {
    return this.#tmux.paste(this.id, text, `csm-paste-${this.sessionId}`);
  }
}

/** Sessions own their panes: open one (verified), read a screen, or end the session's Claude Code. */
export class Panes {
  readonly #tmuxFor: (s: SessionRecord) => Tmux;
  readonly #verify: (s: SessionRecord) => Promise<string>;

  /** `verify`: the pane id, checked against tmux right now (InputTyper.verifiedPane); throws when it is gone. */
  constructor(tmuxFor: (s: SessionRecord) => Tmux, verify: (s: SessionRecord) => Promise<string>) {
    this.#tmuxFor = tmuxFor;
    this.#verify = verify;
  }

  async open(s: SessionRecord): Promise<Pane> {
    return new Pane(this.#tmuxFor(s), await this.#verify(s), s.id);
  }

  /** The screen and `history` lines above it, as text; no check that the pane is still the session's. */
  read(s: SessionRecord, history: number): Promise<string> {
    return this.#tmuxFor(s).capturePane(s.pane_id, history);
  }

  /**
   * Ends Claude Code in the session: its tmux session is killed; in an adopted one (the person's own tmux
   * session, which we did not start) only Ctrl-C is pressed, and their shell stays.
   */
  async end(s: SessionRecord): Promise<void> {
    const tmux = this.#tmuxFor(s);
    if (s.adopted) await tmux.sendKeys(s.pane_id, ['C-c']).catch(() => undefined);
    else await tmux.killSession(s.tmux_session);
  }
}
