import type { Origin, SessionInfo } from '../events/types.js';
import type { AskResult } from '../sessions/pending.js';
import type { PaneFrame, PanePosition } from '../sessions/pane-stream.js';
import type { TerminalInput } from '../sessions/terminal-input.js';
import type { PaneImage } from '../render/renderer.js';

/**
 * The one command layer. Every channel turns what a person sends into these calls; only the command layer
 * drives sessions. Methods throw `CommandError` (daemon/errors.ts) with a message fit to show the person.
 */
export interface Commands {
  /** Starts Claude Code in `cwd` (must exist) in a new tmux session. */
  newSession(input: { cwd: string; args?: string[] }, origin: Origin): Promise<SessionInfo>;
  list(): SessionInfo[];
  /** Throws not_found. */
  get(id: string): SessionInfo;
  /** The last `lines` lines of the screen as the person sees it, no escape codes. */
  output(id: string, lines?: number): Promise<string>;
  /**
   * The pane as a PNG, drawn as a terminal shows it (colours, wide characters, the cursor), cropped to its
   * content. An ended session gives the screen it ended with while the daemon runs. Throws unavailable
   * when no monospace font is found (the message says what to install or set). With `origin` (a person
   * asked for it) it is an action the audit records; without (a channel illustrating its own message) not.
   */
  screenshot(id: string, origin?: Origin): Promise<PaneImage>;
  /**
   * Types text into the session (verbatim; multi-line as one paste), then Enter. `/clear` and `/compact` are
   * ordinary text here. Resolves when delivery is confirmed (or `delivered: false` after the retry). With
   * `key` (an idempotency key such as the channel's message id) a repeated call never types the text twice:
   * a channel that handles a message again after a crash gets it typed exactly once.
   */
  /** `note` says how the text was changed to be typable (line ends), if it was. */
  sendInput(id: string, text: string, origin: Origin, options?: { key?: string }): Promise<{ delivered: boolean; note?: string }>;
  /**
   * Answers the pending request. `choice`: `allow` | `allow_always` | `deny` for permissions; an option's
   * key (number) or label for dialogs; any text for questions that allow text. Without `request_id` the
   * current pending request is meant. Throws conflict when it is already resolved.
   */
  answer(
    id: string,
    input: { request_id?: string; choice: string; message?: string },
    origin: Origin,
  ): Promise<{ outcome: string }>;
  kill(id: string, origin: Origin): Promise<void>;
  /**
   * Presses keys in the session's pane, by name from a fixed allow-list (daemon/events/keys.ts: Enter,
   * Escape, Up, Down, Tab, digits, y, n, …), also while a dialog is up: the keypad for screens nobody
   * recognises. Throws bad_request naming an unknown key.
   */
  keys(id: string, keys: readonly string[], origin: Origin): Promise<{ pressed: string[] }>;
  /**
   * Saves a file a person sent (a photo, a document) into the session's folder, under `.csm/inbox/` with a
   * new, safe name that keeps a sanitised form of `name`; no name can leave that folder. Returns the path
   * relative to the session's folder (`./.csm/inbox/2026-12-01-1.jpg`), for Claude to open. Nothing is typed.
   */
  saveFile(id: string, file: { name: string | null; bytes: Uint8Array; ext?: string }, origin: Origin): Promise<{ path: string }>;
  /**
   * Raw input from a person who took control of the session's terminal (the web dashboard): keystrokes as
   * the terminal sends them (escape sequences included), or a paste (as typed text: control characters
   * refused). Goes to the pane tmux confirms is the session's, also while a dialog is up. Throws bad_request
   * for input that may not be sent, conflict for a session that has ended.
   */
  terminalInput(id: string, input: TerminalInput, origin: Origin): Promise<void>;
  /**
   * Streams the session's pane to `viewer`: a snapshot of the screen (colours and cursor), then its output
   * as it comes; `after` resumes a stream without a new snapshot when the output since is still kept.
   * Watching never resizes the tmux window. Returns the function that stops watching.
   */
  watchTerminal(id: string, viewer: (frame: PaneFrame) => void, after?: PanePosition): () => void;
  /** Queues a message for the owner on the channels (the `notify` event). */
  notify(input: NotifyInput, origin: Origin): { notify_id: string; channels: string[] };
  /**
   * Asks the owner a question (MCP ask_user) and waits for the answer from any channel, or the timeout.
   * Never throws on timeout: returns `answered: false`. `signal` aborts when the asker stops waiting (Claude
   * Code cancelled the tool call): the question is then withdrawn from the channels.
   */
  ask(id: string, input: AskInput, origin: Origin, signal?: AbortSignal): Promise<AskResult>;
}

export interface NotifyInput {
  session_id?: string;
  channel?: 'telegram' | 'email' | 'auto';
  subject?: string;
  message: string;
}

export interface AskInput {
  question: string;
  options?: string[];
  timeout_seconds?: number;
  /** Where to ask. Default: the primary channel (Telegram when configured). An answer from any channel counts. */
  channel?: 'telegram' | 'email';
}

/** Defined beside the pending question that settles it. */
export type { AskResult } from '../sessions/pending.js';
