/** What the screen of a Claude Code pane shows, as a person would read it. Produced by classify.ts. */

export interface ScreenOption {
  /** The number printed before the label, when the dialog numbers its options. */
  number: number | null;
  label: string;
  /** The option the cursor (❯) is on. */
  selected: boolean;
  /** The line(s) under an option that say what it means (Claude Code's question dialog). */
  description?: string;
  /** Multi-select rows: whether the box is ticked ([✔]). */
  checked?: boolean;
}

export type ScreenState =
  /** A tool permission dialog: "Bash command ... Do you want to proceed?" */
  | { kind: 'permission'; title: string; detail: string; question: string; options: ScreenOption[] }
  /** The folder trust dialog shown before a session in an untrusted folder starts (no hooks run until answered). */
  | { kind: 'trust'; path: string; question: string; options: ScreenOption[] }
  /** Any other selection dialog: plan approval, questions, startup screens, dialogs we have never seen. */
  | { kind: 'dialog'; question: string; options: ScreenOption[]; text: string }
  /**
   * Claude Code's own question dialog (the AskUserQuestion tool): a header tab, the question, options with
   * descriptions, a free-text row ("Type something."), and below the rule "Chat about this". `options` are
   * the answers; `rows` every line the cursor can stop on, in order (options first), for choosing with keys.
   */
  | { kind: 'question'; header: string; question: string; options: ScreenOption[]; rows: ScreenOption[]; multi_select: boolean; allows_text: boolean; text: string }
  /** The input prompt, nothing running: Claude waits for the person to type. */
  | { kind: 'idle' }
  /**
   * Claude is working (spinner line). `queued`: messages the person typed meanwhile, which Claude Code holds
   * until the current step ends ("Press up to edit queued messages"); one entry per message, first line only.
   */
  | { kind: 'busy'; queued: string[] }
  /** Nothing recognisable (starting up, a shell, an empty pane). */
  | { kind: 'unknown' };
