import { isAbsolute, join } from 'node:path';
import { parseCommand, type ChannelCommand, type StreamSetting } from '../commands/parse.js';
import type { Commands } from '../commands/types.js';
import { permissionChoice } from '../events/choices.js';
import type { Origin, PendingRequest, SessionInfo } from '../events/types.js';
import { isAlwaysAllow, keysMayAlwaysAllow, type Action, type Verdict } from './roles.js';

/**
 * The incoming router: what a person sends on any channel (a text, a reply to a request, a tap, a slash command)
 * → at most one `Commands` call, and a neutral result the channel renders. The one place that decides which
 * session a text is for, whether it answers a request or is typed, what a command does, and what the
 * person's role allows. A channel hands in what it knows (the thread's session, the request replied to, an
 * idempotency key) and says how it differs (buttons or not); it never dispatches commands itself.
 */

/** What a channel hands in: a person's text and where it stands. */
export interface IncomingText {
  text: string;
  origin: Origin;
  /** The session of the thread, topic or mail it came in, or picked on a "which session?" question. */
  session: string | null;
  /** The request whose message it replies to (the request belongs to `session`): it answers that or nothing. */
  answering: string | null;
  /** It replies to a message of ours that belongs to no session: nothing is typed anywhere. */
  stray: boolean;
  /** The person's message: the text is typed at most once under this key, also when handled again after a crash. */
  key: string;
}

/** How a channel differs, declared once. */
export interface IncomingProfile {
  /**
   * Requests come with buttons. Without (mail), a text to a session that waits on a permission or a dialog
   * answers it ("allow", "2"); with, a text replying to a permission is the reason for denying it.
   */
  buttons: boolean;
  /** A signature may follow (mail): only the first line of a command or of a choice counts. */
  signature: boolean;
  /** The commands the channel offers; the others get `unsupported`. */
  commands: ReadonlySet<ChannelCommand['name']>;
  /** /output without a count. */
  outputLines: number;
  /** How many of the screen's last lines /status shows; none: the status alone (no screen read). */
  statusLines?: number;
  /** The folder `~` and relative paths in /new are taken from (a channel that offers /new). */
  home?: string;
}

/** What the channel lets the router do on the person's behalf; none of it is required. */
export interface Guard {
  /** The person's role: a refusal says why. Asked for `kill` without a session: may they stop any at all. */
  permit?(origin: Origin, action: Action, o?: { cwd?: string; session?: SessionInfo }): Verdict;
  /** The session a text is for is known, before anything is done (a channel remembers the person's message by it). */
  target?(session: string): void;
  /** Right before typing, answering, starting or stopping: a channel that survives crashes records it. */
  beforeEffect?(): void;
}

/** What came of it, for the channel to render. Failures of the command layer throw `CommandError`. */
export type Handled =
  | { kind: 'bad_command'; error: string }
  | { kind: 'unsupported'; command: ChannelCommand['name'] }
  | { kind: 'refused'; reason: string }
  /** It replied to a message that belongs to no session. */
  | { kind: 'stray' }
  | { kind: 'none_running' }
  /** Several sessions run and none was named: ask, then hand the text in again with the one picked. */
  | { kind: 'which'; sessions: SessionInfo[] }
  | { kind: 'unknown_session'; session: string }
  | { kind: 'ended'; info: SessionInfo }
  | { kind: 'empty'; session: string }
  /** It replied to a request that is no longer open: nothing was sent. */
  | { kind: 'stale'; session: string; text: string }
  /** Without buttons: the session waits on a permission and the text is none of its words. */
  | { kind: 'not_an_answer'; session: string; request: PendingRequest }
  | { kind: 'typed'; session: string; delivered: boolean }
  | { kind: 'answered'; session: string; outcome: string }
  | { kind: 'help' }
  | { kind: 'list'; sessions: SessionInfo[] }
  | { kind: 'started'; info: SessionInfo }
  | { kind: 'status'; info: SessionInfo; screen: string | null }
  | { kind: 'output'; session: string; screen: string; lines: number }
  | { kind: 'screenshot'; session: string }
  | { kind: 'sent'; session: string; command: 'clear' | 'compact'; delivered: boolean }
  | { kind: 'stream'; session: string; mode: StreamSetting | undefined }
  /** With buttons, /kill asks first: the channel shows Stop / Cancel, and the tap calls `Commands.kill`. */
  | { kind: 'confirm_kill'; info: SessionInfo }
  | { kind: 'killed'; session: string }
  | { kind: 'pressed'; session: string; pressed: string[] };

/** The refusal when the person's role does not allow the action, else null; channels without roles allow all. */
function refusal(guard: Guard, origin: Origin, action: Action, o?: { cwd?: string; session?: SessionInfo }): Handled | null {
  const v = guard.permit?.(origin, action, o) ?? { ok: true };
  return v.ok ? null : { kind: 'refused', reason: v.reason };
}

export class IncomingRouter {
  readonly #commands: Commands;
  readonly #p: IncomingProfile;

  constructor(commands: Commands, profile: IncomingProfile) {
    this.#commands = commands;
    this.#p = profile;
  }

  /** A text as the person typed it: a slash command, or input for a session. */
  async text(t: IncomingText, guard: Guard = {}): Promise<Handled> {
    const parsed = parseCommand(this.#firstLine(t.text));
    if (parsed === null) return this.input(t, guard);
    if (!parsed.ok) return { kind: 'bad_command', error: parsed.error };
    return this.#command(parsed.command, t, guard);
  }

  /** Text that is never a command (a file's caption, a transcript): typed, or the answer to a request. */
  async input(t: IncomingText, guard: Guard = {}): Promise<Handled> {
    const known = t.session ? this.#known(t.session) : null;
    if (known && 'kind' in known) return known;
    if (known && t.text.trim() === '') return { kind: 'empty', session: known.info.id };
    if (t.answering && known) return this.#answerByText(t, known.info, guard);
    const typing = refusal(guard, t.origin, 'type');
    if (typing) return typing;
    if (t.stray && !t.session) return { kind: 'stray' };
    const target = known ?? this.onlyLive();
    if ('kind' in target) return target;
    const { info } = target;
    const pending = info.pending;
    if (!this.#p.buttons && pending?.kind === 'permission') return this.#permissionWords(t, info.id, pending, guard);
    if (!this.#p.buttons && pending?.kind === 'dialog') return this.#decide(t.origin, info.id, pending, { choice: this.#firstLine(t.text) }, guard);
    guard.target?.(info.id);
    guard.beforeEffect?.();
    const r = await this.#commands.sendInput(info.id, t.text, t.origin, { key: t.key });
    return { kind: 'typed', session: info.id, delivered: r.delivered };
  }

  /**
   * A tap on one of a request's options (a button): its answer, while the request is still the one its
   * session waits on. The channel vouches that the button is its own and names the request's session.
   */
  async choose(c: { origin: Origin; session: string; request: string; choice: string }, guard: Guard = {}): Promise<Handled> {
    const known = this.#known(c.session);
    if ('kind' in known) return known;
    const pending = known.info.pending;
    if (!pending || pending.request_id !== c.request) return { kind: 'stale', session: c.session, text: c.choice };
    return this.#decide(c.origin, c.session, pending, { choice: c.choice }, guard);
  }

  /** Keys from a keypad (screens nobody recognises, a dialog's "Keys…"): pressed in the session's pane. */
  async press(c: { origin: Origin; session: string; keys: readonly string[] }, guard: Guard = {}): Promise<Handled> {
    const known = this.#known(c.session);
    if ('kind' in known) return known;
    const refused = refusal(guard, c.origin, keysMayAlwaysAllow(known.info.pending, c.keys) ? 'always_allow' : 'answer');
    if (refused) return refused;
    guard.beforeEffect?.();
    const { pressed } = await this.#commands.keys(c.session, c.keys, c.origin);
    return { kind: 'pressed', session: c.session, pressed };
  }

  /** A text replying to a request's message: its answer, or (with buttons) the reason for denying a permission. */
  async #answerByText(t: IncomingText, info: SessionInfo, guard: Guard): Promise<Handled> {
    const pending = info.pending;
    if (!pending || pending.request_id !== t.answering) return { kind: 'stale', session: info.id, text: t.text };
    // A dialog's choice is an option (the first line, under a signature); a question's answer is all of it.
    if (pending.kind === 'dialog') return this.#decide(t.origin, info.id, pending, { choice: this.#firstLine(t.text) }, guard);
    if (pending.kind !== 'permission') return this.#decide(t.origin, info.id, pending, { choice: t.text }, guard);
    if (!this.#p.buttons) return this.#permissionWords(t, info.id, pending, guard);
    return this.#decide(t.origin, info.id, pending, { choice: 'deny', message: t.text }, guard);
  }

  /** "allow", "always", "deny <reason>" and their synonyms (events/choices.ts). */
  #permissionWords(t: IncomingText, session: string, pending: PendingRequest, guard: Guard): Promise<Handled> | Handled {
    const [word = '', ...rest] = t.text.trim().split(/\s+/);
    const choice = permissionChoice(word);
    if (!choice) return { kind: 'not_an_answer', session, request: pending };
    const message = rest.join(' ').trim();
    return this.#decide(t.origin, session, pending, { choice, ...(choice === 'deny' && message ? { message } : {}) }, guard);
  }

  async #decide(origin: Origin, session: string, pending: PendingRequest, a: { choice: string; message?: string }, guard: Guard): Promise<Handled> {
    // On a screen nobody recognises, the options are keys: what they choose is read from the screen.
    const always = pending.kind === 'screen' ? keysMayAlwaysAllow(pending, [a.choice]) : a.choice === 'allow_always' || (pending.kind !== 'permission' && isAlwaysAllow(a.choice, pending.options));
    const refused = refusal(guard, origin, always ? 'always_allow' : 'answer');
    if (refused) return refused;
    guard.beforeEffect?.();
    const r = await this.#commands.answer(session, { request_id: pending.request_id, ...a }, origin);
    return { kind: 'answered', session, outcome: r.outcome };
  }

  async #command(cmd: ChannelCommand, t: IncomingText, guard: Guard): Promise<Handled> {
    if (!this.#p.commands.has(cmd.name)) return { kind: 'unsupported', command: cmd.name };
    const permit = (action: Action, o?: { cwd?: string; session?: SessionInfo }): Handled | null => refusal(guard, t.origin, action, o);
    const commands = this.#commands;
    switch (cmd.name) {
      case 'help':
        return { kind: 'help' };
      case 'list':
        return { kind: 'list', sessions: commands.list() };
      case 'new': {
        const cwd = expandPath(cmd.path, this.#p.home ?? '/');
        const refused = permit('new', { cwd });
        if (refused) return refused;
        guard.beforeEffect?.();
        return { kind: 'started', info: await commands.newSession({ cwd }, t.origin) };
      }
      default:
        break;
    }
    // Refused before "which session?": a viewer gets the reason at once.
    const early = cmd.name === 'clear' || cmd.name === 'compact' ? permit(cmd.name) : cmd.name === 'stream' && cmd.mode !== undefined ? permit('stream') : cmd.name === 'kill' ? permit('kill') : null;
    if (early) return early;
    const named = cmd.session ?? t.session;
    const target = named ? { info: { id: named } } : this.onlyLive();
    if ('kind' in target) return target;
    // An id nobody knows still goes on: the command layer says it is not found, in its words.
    const session = target.info.id;
    switch (cmd.name) {
      case 'status': {
        const info = commands.get(session);
        const lines = this.#p.statusLines;
        const screen = info.status === 'dead' || !lines ? null : await commands.output(session, lines).catch(() => null);
        return { kind: 'status', info, screen };
      }
      case 'output': {
        const lines = cmd.lines ?? this.#p.outputLines;
        return { kind: 'output', session, screen: await commands.output(session, lines), lines };
      }
      case 'screenshot':
        commands.get(session);
        return { kind: 'screenshot', session };
      case 'clear':
      case 'compact': {
        guard.beforeEffect?.();
        const r = await commands.sendInput(session, `/${cmd.name}`, t.origin);
        return { kind: 'sent', session, command: cmd.name, delivered: r.delivered };
      }
      case 'stream':
        commands.get(session);
        return { kind: 'stream', session, mode: cmd.mode };
      case 'kill': {
        const info = commands.get(session);
        const refused = permit('kill', { session: info });
        if (refused) return refused;
        if (this.#p.buttons) return { kind: 'confirm_kill', info };
        guard.beforeEffect?.();
        await commands.kill(session, t.origin);
        return { kind: 'killed', session };
      }
    }
  }

  /** The session a text names is still known and running. */
  #known(session: string): { info: SessionInfo } | Handled {
    let info: SessionInfo;
    try {
      info = this.#commands.get(session);
    } catch {
      return { kind: 'unknown_session', session };
    }
    return info.status === 'dead' ? { kind: 'ended', info } : { info };
  }

  /** The only live session; several → ask, none → say so. */
  onlyLive(): { info: SessionInfo } | Handled {
    const live = this.#commands.list().filter((s) => s.status !== 'dead');
    if (live.length === 1) return { info: live[0]! };
    if (live.length === 0) return { kind: 'none_running' };
    return { kind: 'which', sessions: live };
  }

  #firstLine(text: string): string {
    return this.#p.signature ? (text.trim().split('\n')[0] ?? '').trim() : text;
  }
}

/** `~`, `~/x` and relative paths are taken from `home`. */
export function expandPath(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : join(home, path);
}
