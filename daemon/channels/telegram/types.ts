import type { Origin } from '../../events/types.js';

/**
 * What the Telegram channel queues in the Outbox. Each op is plain JSON (it is persisted) and names its
 * target logically (a session, a key like `req:<request_id>`), because the message ids it depends on may
 * not exist yet when it is queued: they are looked up when it is sent.
 */
export interface Button {
  text: string;
  data: string;
}
export type Keyboard = Button[][];

export type OutOp =
  /** A session's first message; opens its forum topic first when topics are on. */
  | { op: 'root'; session: string; html: string; topicName: string; topicId?: number; noTopic?: boolean }
  /**
   * A message in the thread of `session` (replying to its root, unless `replyTo`), or standalone when null.
   * `key` names it for later edits; `plain` = resend without HTML after Telegram refused to parse it.
   */
  | { op: 'send'; session: string | null; html: string; keyboard?: Keyboard; key?: string; replyTo?: number; plain?: boolean }
  | { op: 'document'; session: string | null; filename: string; content: string; caption: string; replyTo?: number }
  /**
   * The screen of session `of` as an image, drawn when it is sent (so it shows the pane as it is then, and
   * the outbox keeps no image bytes). If it cannot be drawn, the reason is sent as text instead.
   */
  /** `by`: the person who asked for it (the audit records the screenshot); none when the channel illustrates its own message. */
  | { op: 'photo'; session: string | null; of: string; caption: string; replyTo?: number; keyboard?: Keyboard; by?: Origin }
  /** Replaces the text of a sent message; no keyboard = buttons removed. */
  | { op: 'edit'; session: string | null; key?: string; messageId?: number; html: string; keyboard?: Keyboard }
  /**
   * Brings message `part` of a turn's live output up to date (sends it, or edits it): the text is read from
   * the LiveStream when the op is sent, so one op carries every entry added while it waited.
   */
  | { op: 'stream'; session: string; turn: string; part: number }
  /** Acknowledges a person's message; `fallback` is sent as a reply where reactions are not allowed. */
  | { op: 'react'; session: string | null; messageId: number; emoji: string; fallback: string };

/** The lane of the outbox an op belongs to: order is kept per session. */
export function laneOf(session: string | null): string {
  return session ?? '_';
}
