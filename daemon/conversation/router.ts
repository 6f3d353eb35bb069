import type { SessionEvent } from '../events/types.js';

/**
 * What a channel declares about itself, so the router can decide what reaches it. The order of the
 * configured channels matters: the first conversation channel is the primary one (Telegram when configured).
 */
export interface Audience {
  name: string;
  /**
   * `conversation`: a person reads it and answers (Telegram, email); what needs a human goes to one of them.
   * `mirror`: gets every event and answers nothing (a webhook).
   */
  role: 'conversation' | 'mirror';
  /** Wants the session's course: started, idle, finished, ended, and how each request was resolved. */
  progress: boolean;
  /** Wants the reminder that a session has sat idle for long (`idle_long`). */
  reminders: boolean;
}

/** The primary channel: where what needs a human goes when nobody chose. */
export function primary(audiences: readonly Audience[]): Audience | undefined {
  return audiences.find((a) => a.role === 'conversation');
}

/**
 * Which channels an event reaches. The one place that decides it: a channel renders what it is handed and
 * never asks which other channels exist. Pure.
 */
export function route(e: SessionEvent, audiences: readonly Audience[]): string[] {
  const conversations = audiences.filter((a) => a.role === 'conversation');
  const first = conversations[0];
  const named = (name: string | undefined): Audience[] => {
    if (name === undefined) return first ? [first] : [];
    return conversations.filter((a) => a.name === name);
  };
  let chosen: Audience[];
  switch (e.kind) {
    case 'notify':
      chosen = named(e.channel === 'auto' ? undefined : e.channel);
      break;
    case 'permission_request':
    case 'waiting_input':
      // A question asked on a chosen channel (MCP ask_user's `channel`) goes there; an answer from any counts.
      chosen = named(e.request.channel);
      break;
    case 'error':
      chosen = first ? [first] : [];
      break;
    case 'idle_long':
      chosen = conversations.filter((a) => a.reminders);
      break;
    case 'started':
    case 'resolved':
    case 'idle':
    case 'finished':
    case 'dead':
    // What Claude writes and runs as it works (telegram.stream decides how much of it is shown).
    case 'assistant_text':
    case 'tool_call':
    case 'tool_result':
      chosen = conversations.filter((a) => a.progress);
      break;
  }
  const mirrors = audiences.filter((a) => a.role === 'mirror');
  return [...chosen, ...mirrors].map((a) => a.name);
}

/** The conversation channels by name, primary first: where notify and ask_user may go. */
export function conversationChannels(audiences: readonly Audience[]): string[] {
  return audiences.filter((a) => a.role === 'conversation').map((a) => a.name);
}
