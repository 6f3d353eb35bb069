import type { Message } from 'grammy/types';
import type { Origin } from '../../events/types.js';
import { SESSION_ID_SOURCE } from '../../session-id.js';
import type { TextContext } from './handlers.js';
import type { Threads } from './threads.js';

/** The message's bot-side context: its session (topic or replied-to thread) and what it replies to. */
export function contextOf(m: Message, threads: Threads, origin: Origin, botId?: number): TextContext {
  let session: string | null = null;
  let strayReply = false;
  let replyKey: string | null = null;
  if (m.is_topic_message && m.message_thread_id !== undefined) session = threads.sessionByTopic(m.message_thread_id);
  const reply = m.reply_to_message;
  // In a forum topic, a plain message "replies" to the topic's opening service message: not a real reply.
  if (reply && !reply.forum_topic_created) {
    const known = threads.lookup(reply.message_id);
    if (known?.session) session = known.session;
    else if (!session) session = rootSession(reply, threads, botId);
    if (!session) strayReply = true;
    replyKey = known?.key ?? null;
  }
  return { origin, messageId: m.message_id, session, strayReply, replyKey };
}

/**
 * The session of a root message ("🚀 Session a1b2 started") that our bot sent but never recorded: Telegram
 * accepted it just before the daemon died, so it was sent again after the restart, and a reply may go to
 * either copy. Only our own bot's message counts, and only for a session whose thread we opened.
 */
function rootSession(reply: NonNullable<Message['reply_to_message']>, threads: Threads, botId: number | undefined): string | null {
  if (botId === undefined || reply.from?.id !== botId) return null;
  const id = new RegExp(`^🚀 Session (${SESSION_ID_SOURCE}) started`).exec(reply.text ?? '')?.[1];
  return id && threads.thread(id) ? id : null;
}
