import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { CommandError } from '../errors.js';
import type { SessionManager } from './session-manager.js';
import type { SessionRecord } from './session-store.js';

export interface InputTiming {
  /** Pause between the text and its Enter: an Enter inside the paste is taken as a newline (facts file). */
  enterDelayMs: number;
  /** How long to wait for UserPromptSubmit (or a changed prompt line) before pressing Enter once more. */
  confirmMs: number;
}

export const DEFAULT_TIMING: InputTiming = { enterDelayMs: 250, confirmMs: 3000 };

/**
 * Types text into a session the way a person would, and confirms that Claude took it. One input at a time
 * per session, so two channels answering at once never interleave their keystrokes.
 */
export class InputTyper {
  readonly #m: SessionManager;
  readonly #timing: InputTiming;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(manager: SessionManager, timing: InputTiming = DEFAULT_TIMING) {
    this.#m = manager;
    this.#timing = timing;
  }

  /** Hook intake calls this on UserPromptSubmit (and on /clear's SessionStart). */
  promptSubmitted(sessionId: string): void {
    for (const wake of this.#waiters.get(sessionId) ?? []) wake();
  }

  type(s: SessionRecord, text: string): Promise<{ delivered: boolean }> {
    const prev = this.#queues.get(s.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.#type(s, text));
    this.#queues.set(s.id, next);
    return next;
  }

  /** The pane id, checked against tmux right now: keys never go to a pane that is not this session's. */
  async verifiedPane(s: SessionRecord): Promise<string> {
    const pane = (await this.#m.tmuxFor(s).listPanes()).find((p) => p.paneId === s.pane_id && p.session === s.tmux_session);
    if (!pane || pane.dead) {
      throw new CommandError('conflict', `Session ${s.id} is no longer running in tmux (${s.tmux_session}); nothing was typed.`);
    }
    return pane.paneId;
  }

  /**
   * Finishes an input that was being typed when the daemon died: if the text still waits in the input box,
   * press Enter; if Claude's transcript has it as a prompt since `since`, it arrived; else type it again.
   */
  resume(s: SessionRecord, text: string, since: number): Promise<{ delivered: boolean }> {
    const prev = this.#queues.get(s.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(async () => {
      const pane = await this.verifiedPane(s);
      const tmux = this.#m.tmuxFor(s);
      const before = promptLine(await tmux.capturePane(pane));
      const firstLine = text.split('\n')[0]!.trim().slice(0, 40);
      if (before && (before.includes(firstLine) || (text.includes('\n') && before.includes('[Pasted text')))) {
        const submitted = this.#waitForSubmit(s.id);
        try {
          await tmux.sendKeys(pane, ['Enter']);
          return { delivered: await this.#confirmed(submitted.promise, pane, s, before) };
        } finally {
          submitted.cancel();
        }
      }
      if (s.transcript_path && promptInTranscript(s.transcript_path, text, since)) return { delivered: true };
      return this.#type(s, text);
    });
    this.#queues.set(s.id, next);
    return next;
  }

  async #type(s: SessionRecord, text: string): Promise<{ delivered: boolean }> {
    const tmux = this.#m.tmuxFor(s);
    const pane = await this.verifiedPane(s);
    const submitted = this.#waitForSubmit(s.id);
    try {
      if (text.includes('\n')) await tmux.paste(pane, text, `csm-${s.id}`);
      else await tmux.sendLiteral(pane, text);
      await delay(this.#timing.enterDelayMs);
      const before = promptLine(await tmux.capturePane(pane));
      await tmux.sendKeys(pane, ['Enter']);
      if (await this.#confirmed(submitted.promise, pane, s, before)) return { delivered: true };
      // The Enter was swallowed (taken as part of the paste): one more, as the facts file advises, but only
      // while our text still sits in Claude's input box; a second Enter anywhere else would be input too.
      const still = promptLine(await tmux.capturePane(pane).catch(() => ''));
      if (!still || still.trim() === '') return { delivered: false };
      await tmux.sendKeys(pane, ['Enter']);
      return { delivered: await this.#confirmed(submitted.promise, pane, s, before) };
    } finally {
      submitted.cancel();
    }
  }

  async #confirmed(submitted: Promise<void>, pane: string, s: SessionRecord, before: string | null): Promise<boolean> {
    const deadline = Date.now() + this.#timing.confirmMs;
    let hooked = false;
    void submitted.then(() => (hooked = true));
    while (Date.now() < deadline) {
      if (hooked) return true;
      await Promise.race([submitted, delay(200)]);
      if (hooked) return true;
      // Without hooks (an untrusted folder, a session adopted without them) the prompt line tells.
      const now = promptLine(await this.#m.tmuxFor(s).capturePane(pane).catch(() => ''));
      if (before !== null && before.trim() !== '' && now !== null && now !== before) return true;
    }
    return hooked;
  }

  #waitForSubmit(id: string): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    const set = this.#waiters.get(id) ?? new Set();
    set.add(wake);
    this.#waiters.set(id, set);
    return { promise, cancel: () => set.delete(wake) };
  }
}

/** The text in Claude Code's input box: the last `❯`/`>` line between the box's rules; null if none. */
export function promptLine(screen: string): string | null {
  const lines = screen.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^\s*[❯>]\s?(.*)$/.exec(lines[i]!);
    if (m && i > 0 && /^[─━-]{10,}/.test(lines[i - 1]!.trim())) {
      const rest = [m[1]!];
      for (let j = i + 1; j < lines.length && !/^[─━-]{10,}/.test(lines[j]!.trim()); j++) rest.push(lines[j]!.trim());
      return rest.join('\n').trimEnd();
    }
  }
  return null;
}

/** Whether Claude Code's transcript (JSONL) records `text` as a user prompt at or after `since`. */
export function promptInTranscript(file: string, text: string, since: number): boolean {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  for (const line of content.split('\n')) {
    if (!line.includes('"user"')) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; timestamp?: string; message?: { content?: unknown } };
      if (entry.type !== 'user' || (entry.timestamp && Date.parse(entry.timestamp) < since - 1000)) continue;
      const c = entry.message?.content;
      const said = typeof c === 'string' ? c : Array.isArray(c) ? c.map((b: { text?: string }) => b.text ?? '').join('') : '';
      if (said.trim() === text.trim()) return true;
    } catch {
      // a half-written last line
    }
  }
  return false;
}
