import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { CommandError } from '../errors.js';
import type { SessionManager } from './session-manager.js';
import { boxHolds, inputBoxText } from './input-box.js';
import type { SessionRecord } from './session-store.js';

export { promptLine } from './input-box.js';

export interface InputTiming {
  /** Pause between the text and its Enter: an Enter inside the paste is taken as a newline (facts file). */
  enterDelayMs: number;
  /** How long to wait for UserPromptSubmit (or a changed prompt line) before pressing Enter once more. */
  confirmMs: number;
}

export const DEFAULT_TIMING: InputTiming = { enterDelayMs: 250, confirmMs: 3000 };

/** Test instrumentation (CSM_TEST_CRASH_AT): called with the text typed, just before its Enter. */
export type EnterFault = (step: 'before-enter', text: string) => void;

/**
 * Up to this many characters a single line goes through send-keys; longer ones through a tmux buffer, since
 * tmux refuses one command over about 16 KB ("command too long"). Tabs always go as a paste: typed, Tab is a key.
 */
const SEND_KEYS_MAX_CHARS = 1000;

export function typingMethod(text: string): 'keys' | 'paste' {
  return text.includes('\n') || text.includes('\t') || text.length > SEND_KEYS_MAX_CHARS ? 'paste' : 'keys';
}

/** What the restart check did with a session's input box. */
export type SettleOutcome =
  | { kind: 'empty' }
  | { kind: 'finished'; key: string; delivered: boolean }
  | { kind: 'cleared'; text: string; ok: boolean }
  | { kind: 'skipped'; reason: string };

/**
 * Types text into a session the way a person would, and confirms that Claude took it. One input at a time
 * per session, so two channels answering at once never interleave their keystrokes. Nothing is typed onto
 * text already in Claude Code's input box: it would be submitted glued to ours, as one prompt.
 */
export class InputTyper {
  readonly #m: SessionManager;
  readonly #timing: InputTiming;
  readonly #fault: EnterFault | undefined;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(manager: SessionManager, timing: InputTiming = DEFAULT_TIMING, fault?: EnterFault) {
    this.#m = manager;
    this.#timing = timing;
    this.#fault = fault;
  }

  /** Hook intake calls this on UserPromptSubmit (and on /clear's SessionStart). */
  promptSubmitted(sessionId: string): void {
    for (const wake of this.#waiters.get(sessionId) ?? []) wake();
  }

  type(s: SessionRecord, text: string): Promise<{ delivered: boolean }> {
    return this.#enqueue(s.id, async () => {
      const pane = await this.verifiedPane(s);
      const box = await this.#box(s, pane);
      if (box) throw new CommandError('conflict', foreignTextMessage(s.id, box));
      return this.#typeInto(s, pane, text);
    });
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
    return this.#enqueue(s.id, async () => {
      const pane = await this.verifiedPane(s);
      const box = await this.#box(s, pane);
      if (box && boxHolds(box, text)) return this.#submit(s, pane, box);
      if (s.transcript_path && promptInTranscript(s.transcript_path, text, since)) return { delivered: true };
      if (box) throw new CommandError('conflict', foreignTextMessage(s.id, box));
      return this.#typeInto(s, pane, text);
    });
  }

  /**
   * The restart check, before anything else is typed into `s`: a daemon killed between typing and Enter
   * left text in the box, and the next input would be glued to it. Text the ledger was sending (`typing`)
   * is submitted; anything else is cleared, so that the next input starts on an empty box.
   */
  settle(s: SessionRecord, typing: readonly { key: string; text: string }[]): Promise<SettleOutcome> {
    return this.#enqueue(s.id, async (): Promise<SettleOutcome> => {
      let pane: string;
      try {
        pane = await this.verifiedPane(s);
      } catch (err) {
        return { kind: 'skipped', reason: (err as Error).message };
      }
      const box = await this.#box(s, pane);
      if (box === null) return { kind: 'skipped', reason: 'no input box on screen (a dialog, or not Claude Code)' };
      if (box === '') return { kind: 'empty' };
      const ours = [...typing].reverse().find((e) => boxHolds(box, e.text));
      if (ours) return { kind: 'finished', key: ours.key, ...(await this.#submit(s, pane, box)) };
      return { kind: 'cleared', text: box, ok: await this.#clear(s, pane) };
    });
  }

  #enqueue<T>(id: string, job: () => Promise<T>): Promise<T> {
    const prev = this.#queues.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(job);
    this.#queues.set(id, next);
    // An empty queue is forgotten: a daemon that has seen thousands of sessions keeps no queue of theirs.
    const forget = (): void => {
      if (this.#queues.get(id) === next) this.#queues.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  /** The input box's text, placeholders left out; null when no input box is on screen. */
  async #box(s: SessionRecord, pane: string): Promise<string | null> {
    return inputBoxText(await this.#m.tmuxFor(s).capturePane(pane, 0, true).catch(() => ''));
  }

  async #typeInto(s: SessionRecord, pane: string, text: string): Promise<{ delivered: boolean }> {
    const tmux = this.#m.tmuxFor(s);
    const submitted = this.#waitForSubmit(s.id);
    try {
      if (typingMethod(text) === 'paste') await tmux.paste(pane, text, `csm-${s.id}`);
      else await tmux.sendLiteral(pane, text);
      await delay(this.#timing.enterDelayMs);
      const before = await this.#box(s, pane);
      this.#fault?.('before-enter', text);
      await tmux.sendKeys(pane, ['Enter']);
      if (await this.#confirmed(submitted.promise, pane, s, before)) return { delivered: true };
      // The Enter was swallowed (taken as part of the paste): one more, as the facts file advises, but only
      // while our text still sits in Claude's input box; a second Enter anywhere else would be input too.
      const still = await this.#box(s, pane);
      if (!still || !boxHolds(still, text)) return { delivered: false };
      await tmux.sendKeys(pane, ['Enter']);
      return { delivered: await this.#confirmed(submitted.promise, pane, s, before) };
    } finally {
      submitted.cancel();
    }
  }

  async #submit(s: SessionRecord, pane: string, before: string): Promise<{ delivered: boolean }> {
    const submitted = this.#waitForSubmit(s.id);
    try {
      await this.#m.tmuxFor(s).sendKeys(pane, ['Enter']);
      return { delivered: await this.#confirmed(submitted.promise, pane, s, before) };
    } finally {
      submitted.cancel();
    }
  }

  /**
   * Empties the input box without side effects, and checks on screen that it is empty. Ctrl-C would clear
   * it but arms "Press Ctrl-C again to exit"; Esc interrupts a busy turn, and twice on an empty box opens
   * the rewind menu. Ctrl-K then Ctrl-U delete to the end and to the start of the line, or join it with the
   * next/previous one when there is nothing left to delete: a pair per line empties the box, and on an
   * empty box they do nothing (checked on 2.1.197 and 2.1.332, with wrapped lines, a collapsed paste, and
   * the cursor moved to the start).
   */
  async #clear(s: SessionRecord, pane: string): Promise<boolean> {
    const tmux = this.#m.tmuxFor(s);
    const deadline = Date.now() + 5000;
    let sentFor: string | null = null;
    let sentAt = 0;
    while (Date.now() < deadline) {
      const box = await this.#box(s, pane);
      if (box === null) return false;
      if (box === '') return true;
      // The same text right after our keys is a redraw still to come; after a second, press again.
      if (box !== sentFor || Date.now() - sentAt > 1000) {
        const pairs = box.split('\n').length + 1;
        await tmux.sendKeys(pane, Array.from({ length: pairs }, () => ['C-k', 'C-u']).flat());
        sentFor = box;
        sentAt = Date.now();
      }
      await delay(100);
    }
    return false;
  }

  async #confirmed(submitted: Promise<void>, pane: string, s: SessionRecord, before: string | null): Promise<boolean> {
    const deadline = Date.now() + this.#timing.confirmMs;
    let hooked = false;
    void submitted.then(() => (hooked = true));
    while (Date.now() < deadline) {
      if (hooked) return true;
      await Promise.race([submitted, delay(200)]);
      if (hooked) return true;
      // Without hooks (an untrusted folder, a session adopted without them, a daemon not listening yet) the
      // input box tells: it no longer holds the text.
      const now = await this.#box(s, pane);
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
    return {
      promise,
      cancel: () => {
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(id) === set) this.#waiters.delete(id);
      },
    };
  }
}

export function foreignTextMessage(id: string, box: string): string {
  const shown = box.length > 200 ? `${box.slice(0, 200)}…` : box;
  return `The input box of session ${id} already holds text that csm did not type: "${shown}". Nothing was typed, so the two do not reach Claude glued into one prompt: send or clear that text in the terminal (csm attach ${id}), then try again.`;
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
