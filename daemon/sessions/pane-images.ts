import { CommandError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PaneImage, PaneRenderer } from '../render/renderer.js';
import type { PaneSnapshot } from '../tmux/commands.js';
import type { SessionManager } from './session-manager.js';
import type { SessionRecord } from './session-store.js';

/** Final screens kept for ended sessions; the oldest go first. */
const KEEP_FINAL = 50;

/**
 * A session's pane as an image. A live pane is read from tmux at the moment of asking; an ended one shows
 * the screen it had when it ended (read just before its tmux session was removed, kept in memory until the
 * daemon restarts), so an error message can still offer its last screen.
 */
export class PaneImages {
  readonly #m: SessionManager;
  readonly #renderer: PaneRenderer;
  readonly #log: Logger;
  readonly #final = new Map<string, PaneSnapshot>();

  constructor(manager: SessionManager, renderer: PaneRenderer, log: Logger) {
    this.#m = manager;
    this.#renderer = renderer;
    this.#log = log;
  }

  async snapshot(s: SessionRecord): Promise<PaneSnapshot> {
    if (s.status !== 'dead') {
      try {
        return await this.#m.tmuxFor(s).snapshot(s.pane_id);
      } catch (err) {
        const kept = this.#final.get(s.id);
        if (kept) return kept;
        this.#log.debug({ err, session: s.id }, 'could not read the pane for an image');
        throw new CommandError('conflict', `The screen of session ${s.id} could not be read (its tmux pane is gone); see \`csm status ${s.id}\`.`);
      }
    }
    const kept = this.#final.get(s.id);
    if (!kept) throw new CommandError('conflict', `Session ${s.id} has ended and its last screen was not kept (it ended before the daemon's last start); its log is at ${s.log_file}.`);
    return kept;
  }

  /** Called right before an ended session's tmux session is removed. Never throws. */
  async keepFinal(s: SessionRecord): Promise<void> {
    try {
      const snap = await this.#m.tmuxFor(s).snapshot(s.pane_id);
      this.#final.delete(s.id);
      this.#final.set(s.id, snap);
      for (const id of this.#final.keys()) {
        if (this.#final.size <= KEEP_FINAL) break;
        this.#final.delete(id);
      }
    } catch (err) {
      this.#log.debug({ err, session: s.id }, 'could not keep the last screen of an ended session');
    }
  }

  async image(s: SessionRecord): Promise<PaneImage> {
    return this.#renderer.render(await this.snapshot(s));
  }
}
