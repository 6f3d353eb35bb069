import type { Logger } from '../logger.js';
import { classifyScreen } from '../screen/classify.js';
import type { ScreenState } from '../screen/types.js';
import type { Origin, PendingRequest } from '../events/types.js';
import { KEYPAD } from '../events/keys.js';
import { newRequestId, screenOptions, screenSignature, type DialogScreen } from './pending.js';
import type { SessionManager } from './session-manager.js';
import type { SessionRecord } from './session-store.js';

/** A permission dialog seen on screen without its hook for this long is surfaced from the screen alone. */
const HOOK_GRACE_MS = 2500;
/** After we pressed keys for a dialog, the same dialog on screen for this long is the old frame, not a new one. */
const ANSWER_ECHO_MS = 2000;
/** Stands for any dialog in `#answered`: the one a hook answer takes down. */
const ANY_DIALOG = '*';

/** After someone pressed keys in a screen nobody recognises, the next different screen is shown to them at once. */
const PRESSED_FRESH_MS = 10_000;
/** How much of a screen nobody recognises goes to the owner. */
const STUCK_SCREEN_LINES = 30;

const isDialog = (screen: ScreenState): screen is DialogScreen =>
  screen.kind === 'permission' || screen.kind === 'trust' || screen.kind === 'dialog' || screen.kind === 'question';

/**
 * Reads a session's screen as the person sees it and keeps the session's state in line with it: dialogs
 * that no hook announces (trust, startup screens, questions), answers typed in the terminal, idle and busy.
 */
export class ScreenWatch {
  readonly #m: SessionManager;
  readonly #log: Logger;
  /** session → when a hook-less permission dialog was first seen. */
  readonly #firstSeen = new Map<string, { sig: string; at: number }>();
  readonly #answered = new Map<string, { sig: string; at: number }>();
  /** session → the queued messages on screen when its pending ask_user question was first seen. */
  readonly #askBaseline = new Map<string, { request: string; queued: string[] }>();
  /** session → a screen nobody recognises, since when it has looked exactly like this. */
  readonly #still = new Map<string, { text: string; since: number }>();
  /** session → when someone last pressed keys or typed into a screen nobody recognises. */
  readonly #pressed = new Map<string, { at: number; by: Origin }>();

  constructor(manager: SessionManager, log: Logger) {
    this.#m = manager;
    this.#log = log;
  }

  async read(s: SessionRecord): Promise<ScreenState | null> {
    try {
      return classifyScreen(await this.#m.tmuxFor(s).capturePane(s.pane_id));
    } catch (err) {
      this.#log.debug({ err, session: s.id }, 'capture-pane failed');
      return null;
    }
  }

  /** The last `lines` non-empty lines of the screen, for error and idle reports. */
  async tail(s: SessionRecord, lines: number): Promise<string> {
    try {
      return lastLines(await this.#m.tmuxFor(s).capturePane(s.pane_id), lines);
    } catch {
      return '';
    }
  }

  /**
   * A request was just answered through its hook (a permission, an AskUserQuestion): Claude Code takes the
   * dialog down a moment later, and its last frames must not be taken for a new dialog nobody answered.
   */
  noteHookAnswered(sessionId: string): void {
    this.#answered.set(sessionId, { sig: ANY_DIALOG, at: this.#m.now() });
  }

  /** Remember that we just answered this dialog, so its last frame is not taken for a new one. */
  noteAnswered(sessionId: string, screen: ScreenState): void {
    this.#answered.set(sessionId, { sig: screenSignature(screen), at: this.#m.now() });
  }

  /**
   * An ask_user question was just asked: what is queued on screen now was typed before it, not an answer.
   * Read at once, not at the next tick: the question reaches the phone within milliseconds, and a person
   * at the laptop may answer before the next look at the screen.
   */
  async noteAsked(s: SessionRecord, requestId: string): Promise<void> {
    const screen = await this.read(s);
    const seen = this.#askBaseline.get(s.id);
    if (seen?.request === requestId) return;
    this.#askBaseline.set(s.id, { request: requestId, queued: screen?.kind === 'busy' ? screen.queued : [] });
  }

  /** Someone pressed keys in the session (keypad, typed reply to a stuck screen). */
  notePressed(sessionId: string, by: Origin): void {
    this.#pressed.set(sessionId, { at: this.#m.now(), by });
  }

  /** The session is gone (dead): nothing here is needed for it any more. */
  forget(sessionId: string): void {
    for (const map of [this.#firstSeen, this.#answered, this.#askBaseline, this.#still, this.#pressed]) map.delete(sessionId);
  }

  /** Whether the session shows a screen nobody recognises that is not surfaced yet: the monitor keeps looking. */
  watching(sessionId: string): boolean {
    return this.#still.has(sessionId);
  }

  /** Reads and applies many sessions' screens with one tmux call per tmux server. */
  async checkMany(sessions: SessionRecord[]): Promise<void> {
    for (const { tmux, sessions: group } of this.#m.byTmuxServer(sessions)) {
      let screens: Map<string, string>;
      const stamps = new Map(group.map((s) => [s.id, this.#m.statusStamp(s.id)]));
      try {
        screens = await tmux.capturePanes(group.map((s) => s.pane_id));
      } catch (err) {
        this.#log.debug({ err }, 'capture-pane failed');
        continue;
      }
      for (const s of group) {
        const text = screens.get(s.pane_id);
        if (text === undefined || this.#m.find(s.id)?.status === 'dead') continue;
        this.apply(s, classifyScreen(text), text, stamps.get(s.id));
      }
    }
  }

  /** `stamp`: the session's statusStamp when the screen was read (see SessionManager.statusStamp). */
  apply(s: SessionRecord, screen: ScreenState, text = '', stamp?: number): void {
    const m = this.#m;
    const now = m.now();
    const entry = m.pending(s.id);
    const sig = screenSignature(screen);
    const echo = this.#answered.get(s.id);
    if (echo && now - echo.at < ANSWER_ECHO_MS && (echo.sig === sig || (echo.sig === ANY_DIALOG && isDialog(screen) && !entry))) return;

    if (screen.kind === 'unknown') {
      if (this.#unknown(s, text, entry)) return;
    } else {
      this.#still.delete(s.id);
      // A screen nobody recognised has given way to one we know: whoever pressed the keys answered it.
      if (entry?.request.kind === 'screen') {
        const by = this.#pressed.get(s.id)?.by ?? { channel: 'terminal' as const };
        m.resolvePending(s.id, entry.request.request_id, 'the screen moved on', by);
        this.apply(s, screen, text, m.statusStamp(s.id));
        return;
      }
    }

    // The question of an AskUserQuestion call whose hook waits: the hook carries the answer.
    if (screen.kind === 'question' && entry?.source.type === 'hook' && entry.source.questions) return;

    if (isDialog(screen)) {
      if (entry?.source.type === 'screen' && entry.source.screen && screenSignature(entry.source.screen) === sig) return;
      if (entry?.source.type === 'screen' && !entry.source.screen) {
        // Restored after a restart or a hook timeout: attach the dialog we now see, keep the request id.
        entry.source.screen = screen;
        return;
      }
      if (screen.kind === 'permission') {
        if (entry?.request.kind === 'permission') {
          if (entry.source.type === 'hook') return;
        }
        const first = this.#firstSeen.get(s.id);
        if (!first || first.sig !== sig) {
          this.#firstSeen.set(s.id, { sig, at: now });
          return;
        }
        if (now - first.at < HOOK_GRACE_MS) return;
      }
      if (entry?.source.type === 'ask') return;
      this.#surface(s, screen);
      return;
    }

    this.#firstSeen.delete(s.id);
    // A dialog we knew of is gone and we did not answer it: the person answered at the terminal.
    if (entry && entry.source.type === 'screen') {
      m.resolvePending(s.id, entry.request.request_id, 'answered in the terminal', { channel: 'terminal' });
    }
    if (entry?.source.type === 'hook' && screen.kind !== 'unknown' && now - entry.request.created_at > HOOK_GRACE_MS) {
      m.resolvePending(s.id, entry.request.request_id, 'answered in the terminal', { channel: 'terminal' });
    }
    // The person at the laptop typed while ask_user waited: Claude Code holds it as a queued message, which
    // is their answer. (Claude also reads it as a prompt once the tool returns.)
    if (entry?.source.type === 'ask' && screen.kind === 'busy') {
      // Messages already queued when the question was first seen were typed before it: not an answer.
      const seen = this.#askBaseline.get(s.id);
      if (!seen || seen.request !== entry.request.request_id) {
        this.#askBaseline.set(s.id, { request: entry.request.request_id, queued: screen.queued });
        return;
      }
      const fresh = screen.queued.filter((q) => !seen.queued.includes(q));
      if (fresh.length === 0) return;
      const answer = fresh.join('\n');
      entry.source.respond({ answered: true, answer, channel: 'terminal' });
      m.resolvePending(s.id, entry.request.request_id, `answered: ${answer}`, { channel: 'terminal' }, 'running');
      return;
    }
    if (m.pending(s.id)) return;
    if (stamp !== undefined && m.statusStamp(s.id) !== stamp) return;
    if (screen.kind === 'idle') m.setStatus(s.id, 'idle');
    else if (screen.kind === 'busy') m.setStatus(s.id, 'running');
  }

  /**
   * A screen nobody recognises: neither the prompt nor busy nor a dialog we know. Once it has stood still for
   * sessions.stuck_seconds it goes to the owner with a keypad, because the session may be waiting for a key
   * nobody will press otherwise. Returns true when nothing else is to be done with this screen.
   */
  #unknown(s: SessionRecord, text: string, entry: ReturnType<SessionManager['pending']>): boolean {
    const m = this.#m;
    const now = m.now();
    const shown = lastLines(text, STUCK_SCREEN_LINES);
    if (entry?.request.kind === 'screen') {
      if (entry.request.detail === shown) return true;
      const pressed = this.#pressed.get(s.id);
      // Someone is working the keypad: show them what their keys did. Otherwise the program moved on by itself.
      if (pressed && now - pressed.at < PRESSED_FRESH_MS) this.#surfaceStuck(s, shown);
      else {
        m.resolvePending(s.id, entry.request.request_id, 'the screen changed', { channel: 'daemon' });
        this.#still.set(s.id, { text: shown, since: now });
      }
      return true;
    }
    if (entry) return false;
    if (shown.trim() === '') {
      this.#still.delete(s.id);
      return false;
    }
    const still = this.#still.get(s.id);
    if (!still || still.text !== shown) {
      this.#still.set(s.id, { text: shown, since: now });
      return false;
    }
    if (now - still.since < m.config.sessions.stuck_seconds * 1000) return false;
    this.#still.delete(s.id);
    this.#surfaceStuck(s, shown);
    return true;
  }

  #surfaceStuck(s: SessionRecord, shown: string): void {
    const request: PendingRequest = {
      request_id: newRequestId(),
      kind: 'screen',
      title: 'Waiting on a screen csm does not recognise',
      detail: shown,
      options: KEYPAD.map((k) => ({ key: k.key, label: k.label })),
      allows_text: true,
      created_at: this.#m.now(),
    };
    this.#log.info({ session: s.id }, 'screen not recognised and not changing: asking the owner');
    this.#m.setPending(s.id, request, { type: 'screen', screen: null });
  }

  #surface(s: SessionRecord, screen: DialogScreen): void {
    const m = this.#m;
    if (screen.kind === 'question') {
      m.setPending(s.id, {
        request_id: newRequestId(),
        kind: 'question',
        title: screen.question,
        detail: screen.text,
        options: screen.options.map((o, i) => ({ key: String(o.number ?? i + 1), label: o.label, ...(o.description ? { description: o.description } : {}) })),
        allows_text: screen.allows_text,
        multi_select: screen.multi_select,
        step: { header: screen.header, index: 0, count: 1 },
        created_at: m.now(),
      }, { type: 'screen', screen });
      this.#log.info({ session: s.id, kind: screen.kind }, 'question on screen');
      return;
    }
    const request = {
      request_id: newRequestId(),
      kind: screen.kind === 'permission' ? ('permission' as const) : ('dialog' as const),
      title: screen.kind === 'permission' ? screen.title : screen.kind === 'trust' ? 'Trust this folder?' : screen.question,
      detail:
        screen.kind === 'permission'
          ? `${screen.detail}\n\n${screen.question}`.trim()
          : screen.kind === 'trust'
            ? `${screen.path}\n\n${screen.question}`.trim()
            : screen.text,
      options:
        screen.kind === 'permission'
          ? screenOptions(screen)
          : screenOptions(screen),
      allows_text: false,
      created_at: m.now(),
    };
    this.#log.info({ session: s.id, kind: screen.kind }, 'dialog on screen');
    m.setPending(s.id, request, { type: 'screen', screen });
  }
}

export function lastLines(screen: string, n: number): string {
  // trimEnd, not /\s+$/: that regex retries from every run of blanks, costly on a screen full of padding.
  const lines = screen.trimEnd().split('\n').map((l) => l.trimEnd());
  return lines.slice(-n).join('\n');
}
