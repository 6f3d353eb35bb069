import type { Update, User } from 'grammy/types';
import type { Origin } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import type { CallbackHandler } from './callbacks.js';
import { contextOf } from './context.js';
import type { MessageHandler } from './handlers.js';
import type { MediaHandler } from './media.js';
import type { Threads } from './threads.js';
import type { Turn } from './turn.js';
import type { Team } from './team.js';
import { parseCommand } from '../../commands/parse.js';

export interface IncomingDeps {
  /** The chat this serves (see chat.ts). */
  chatId: number;
  threads: Threads;
  team: Team;
  messages: MessageHandler;
  media: MediaHandler;
  callbacks: CallbackHandler;
  answerCallback: (id: string, text?: string, alert?: boolean) => Promise<void>;
  /** Our bot's user id: a root message of ours that was never recorded still routes replies (handlers.ts). */
  botId?: number;
  /** Waits for the sends in flight to be recorded (see below). */
  settled: () => Promise<void>;
  /** Shared by every chat the bot serves, and by the routing of updates from chats it does not serve. */
  strangers: Strangers;
  log: Logger;
}

/** Each stranger (chat and user) is logged once; the bot answers them nothing, so it gives nothing away. */
export class Strangers {
  readonly #seen = new Set<string>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  note(chatId: number, from: User | undefined): void {
    const key = `${chatId}:${from?.id}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#log.warn({ chat_id: chatId, user_id: from?.id, username: from?.username }, 'telegram: ignoring a message from outside the configured chats or allowed users');
  }
}

/**
 * One update → the right handler, for the configured chat (and allowed users) only. Anyone else is
 * ignored without a reply, so the bot gives nothing away; each stranger is logged once.
 */
export class Incoming {
  readonly #d: IncomingDeps;

  constructor(deps: IncomingDeps) {
    this.#d = deps;
  }

  async handle(u: Update, turn: Turn): Promise<void> {
    const m = u.message;
    if (m) {
      if (!m.from || !this.#allowed(m.chat.id, m.from)) return;
      // A reply can overtake the bookkeeping of the message it replies to (sent, not yet recorded).
      const target = m.reply_to_message;
      if (target?.from?.is_bot && this.#d.threads.lookup(target.message_id) === null) await this.#d.settled();
      const c = contextOf(m, this.#d.threads, this.#origin(m.from), this.#d.botId);
      if (m.text !== undefined) return this.#d.messages.handleText(m.text, c, turn);
      // An animation also carries a `document`: it is not a file the person means to hand over.
      if (!m.animation && (m.photo || m.document || m.voice || m.audio)) {
        // Refused before anything is fetched: a viewer's file is neither saved nor transcribed.
        const verdict = this.#d.team.check(c.origin, 'type');
        if (!verdict.ok) return this.#d.messages.refuse(turn, c, verdict.reason);
      }
      if (!m.animation && (await this.#d.media.handle(m, c, turn))) return;
      if (m.video || m.video_note || m.sticker || m.animation) this.#d.messages.unsupported(c, turn);
      return;
    }
    const q = u.callback_query;
    if (q) {
      const chatId = q.message?.chat.id;
      if (chatId === undefined || !this.#allowed(chatId, q.from)) return;
      return this.#d.callbacks.handle(q, this.#origin(q.from), turn);
    }
  }

  /**
   * The daemon stopped while this update was being acted on: whether it took effect is unknown, so it is
   * not run again (that could type a reply twice); the person is told instead.
   */
  async interrupted(u: Update, turn: Turn): Promise<void> {
    const m = u.message ?? u.callback_query?.message;
    const from = u.message?.from ?? u.callback_query?.from;
    if (!m || !from || !this.#allowed(m.chat.id, from)) return;
    // Text to type is keyed by its message (commands.sendInput): handling it again types it at most once.
    if (u.message?.text !== undefined && parseCommand(u.message.text) === null) return this.handle(u, turn);
    this.#d.log.warn({ update_id: u.update_id }, 'telegram: an update was interrupted by a restart; not repeating it');
    if (u.callback_query) await this.#d.answerCallback(u.callback_query.id, 'Interrupted by a restart: check the state and try again.', true);
    const session = u.message ? contextOf(u.message, this.#d.threads, this.#origin(from), this.#d.botId).session : null;
    turn.send({
      op: 'send', session, replyTo: m.message_id,
      html: '⚠️ The daemon restarted while acting on this, so it may or may not have reached the session. It was not repeated: check with /status or /output, and send it again if needed.',
    });
  }

  #allowed(chatId: number, from: User): boolean {
    const ok = chatId === this.#d.chatId && this.#d.team.role({ channel: 'telegram', user: String(from.id) }) !== null;
    if (!ok) this.#d.strangers.note(chatId, from);
    return ok;
  }

  #origin(from: User): Origin {
    const user = String(from.id);
    const name = this.#d.team.name(from.id) ?? (from.username ? `@${from.username}` : [from.first_name, from.last_name].filter(Boolean).join(' '));
    // Remembered at once (not with the turn): the resolved event that names who decided comes mid-handling.
    this.#d.threads.setName(user, name);
    return { channel: 'telegram', user, ...(name ? { name } : {}) };
  }
}
