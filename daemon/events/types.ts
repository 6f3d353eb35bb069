/**
 * The one stream of typed events. Sessions produce them; channels (Telegram, email, MCP, the local API)
 * render them. Nothing in here knows about any channel.
 */

export type SessionStatus = 'starting' | 'running' | 'waiting_permission' | 'waiting_input' | 'idle' | 'dead';

/** Where a command came from: shown to the owner ("allowed from Telegram") and kept in logs. */
export type ChannelName = 'telegram' | 'email' | 'mcp' | 'api' | 'cli' | 'web' | 'terminal' | 'daemon';
export interface Origin {
  channel: ChannelName;
  /** Who, within the channel (a Telegram user id, an email address). */
  user?: string;
  /** The person's name where the channel knows it (telegram.users' `name`, else their Telegram name): for the audit and "Allowed by Alice". */
  name?: string;
}

/**
 * - permission: a tool call waits for allow / deny.
 * - dialog: a selection dialog on screen (trust, plan approval, startup screens).
 * - question: Claude asks (its own AskUserQuestion tool, or our MCP ask_user): options and/or free text.
 * - screen: the session waits on a screen nobody recognises; answered with keys (see KEY_NAMES) or text.
 */
export type RequestKind = 'permission' | 'dialog' | 'question' | 'screen';

export interface RequestOption {
  /** What a channel sends back to choose this option: `allow`, `allow_always`, `deny`, or a dialog option's number. */
  key: string;
  label: string;
  /** What the option means, when the asker said (AskUserQuestion options carry one). */
  description?: string;
}

/** Something a session waits on a person for. At most one per session at a time. */
export interface PendingRequest {
  request_id: string;
  kind: RequestKind;
  /** Short headline: "Bash", "Edit", "Trust this folder?", or the question asked. */
  title: string;
  /** The command, the file and diff, the dialog's screen text. May be long. */
  detail: string;
  options: RequestOption[];
  /** A question (ask_user) also takes a free-text answer; permission denials take an optional message. */
  allows_text: boolean;
  /** A question whose answer is several options: `"1,3"`, or labels separated by commas. */
  multi_select?: boolean;
  /**
   * Claude Code's AskUserQuestion asks up to four questions in one call; they are asked one at a time, and
   * this says which one this is ("Colour", 1 of 2).
   */
  step?: { header: string; index: number; count: number };
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  created_at: number;
  /** For a question: the channel it was asked on, when the asker chose one (MCP ask_user's `channel`). */
  channel?: 'telegram' | 'email';
}

export interface SessionInfo {
  id: string;
  tmux_session: string;
  cwd: string;
  log_file: string;
  status: SessionStatus;
  started_at: number;
  last_output_at: number;
  claude_session_id: string | null;
  pending: PendingRequest | null;
  last_message: string | null;
  exit_code: number | null;
}

interface Base {
  session_id: string;
  /** ms since epoch */
  at: number;
}

export type SessionEvent =
  | (Base & { kind: 'started'; cwd: string; adopted: boolean })
  | (Base & { kind: 'permission_request'; request: PendingRequest })
  /** A dialog (trust, plan approval, startup screens, unknown) or an ask_user question waits for a choice. */
  | (Base & { kind: 'waiting_input'; request: PendingRequest })
  /** A pending request ended: answered from a channel, in the terminal, or timed out. */
  | (Base & { kind: 'resolved'; request_id: string; outcome: string; by: Origin })
  | (Base & { kind: 'idle'; idle_seconds: number; last_message: string | null })
  | (Base & { kind: 'idle_long'; idle_seconds: number; last_message: string | null; screen_tail: string })
  | (Base & { kind: 'finished'; last_message: string | null })
  | (Base & { kind: 'error'; message: string; screen_tail: string })
  | (Base & { kind: 'dead'; exit_code: number | null })
  /**
   * Live output, read from Claude Code's transcript (see sessions/transcript-follow.ts). `turn_id` names the
   * prompt the entry answers; `entry_id` is stable across restarts (the transcript line's uuid), so a channel
   * that persists the ids it has shown never shows one twice.
   */
  | (Base & { kind: 'assistant_text'; turn_id: string; entry_id: string; text: string })
  /** A tool call: `summary` is the part a person needs ("npm test", "src/auth.ts"). */
  | (Base & { kind: 'tool_call'; turn_id: string; entry_id: string; tool_use_id: string; tool: string; summary: string })
  /** A tool's result in short: its first line and how many more there were. */
  | (Base & { kind: 'tool_result'; turn_id: string; entry_id: string; tool_use_id: string; summary: string; is_error: boolean })
  /** A message for the owner (POST /notify, MCP notify/send_email). session_id may be '' when it is about no session. */
  | (Base & {
      kind: 'notify';
      notify_id: string;
      channel: 'telegram' | 'email' | 'auto';
      subject: string | null;
      message: string;
    });

export type EventKind = SessionEvent['kind'];
export type EventOf<K extends EventKind> = Extract<SessionEvent, { kind: K }>;
