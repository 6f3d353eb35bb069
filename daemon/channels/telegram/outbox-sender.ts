import { GrammyError, HttpError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { CommandError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { OutboxDrainer, type Delivery, type Verdict } from '../../conversation/outbox-drainer.js';
import type { PaneImage } from '../../render/renderer.js';
import type { Origin } from '../../events/types.js';
import type { Outbox, OutboxItem } from '../../store/outbox.js';
import { apiSignal, StoppingError, type ApiSignal, type Express, type WireGate } from './bot.js';
import { htmlToText } from './format.js';
import type { Threads } from './threads.js';
import type { LiveStream } from './stream.js';
import type { Keyboard, OutOp } from './types.js';

export interface SenderOptions {
  chatId: number;
  /** Where the text of live-output ops is read (see LiveStream). */
  stream: LiveStream;
  /** Open one forum topic per session. */
  topics: boolean;
  log: Logger;
  /** The gate in front of the network (see WireGate); without one, stop() waits up to its grace for each call. */
  gate?: WireGate;
  /** Marks the calls that skip the throttler (urgent rows); without one, every call is throttled. */
  express?: Express;
  /** Draws a session's screen for a photo op (the command layer's screenshot). */
  screenshot?: (session: string, by?: Origin) => Promise<PaneImage>;
}

/**
 * Telegram's wire for the outbox drainer (conversation/outbox-drainer.ts): sends one row as the Bot API call
 * it stands for, records the sent message's id, and says what a refusal means. Rate limits and 5xx are first
 * retried by grammY's auto-retry; what it gives up on (long outages, network errors) the drainer retries
 * with the outbox's backoff, for as long as it takes. Urgent rows go past the throttler's pacing (Express).
 */
export class OutboxSender implements Delivery<OutOp> {
  readonly #outbox: Outbox<OutOp>;
  readonly #api: Api;
  readonly #threads: Threads;
  readonly #o: SenderOptions;
  readonly #drainer: OutboxDrainer<OutOp>;
  #topicsUnavailable = false;

  constructor(outbox: Outbox<OutOp>, api: Api, threads: Threads, o: SenderOptions) {
    this.#outbox = outbox;
    this.#api = api;
    this.#threads = threads;
    this.#o = o;
    this.#drainer = new OutboxDrainer(outbox, this, { name: 'telegram', log: o.log, ordinary: 'parallel', onStop: () => o.gate?.close() });
  }

  start(): void {
    this.#drainer.start();
  }

  /** Something was queued or a row was done: send what may go now. */
  poke(): void {
    this.#drainer.poke();
  }

  /** Resolves when the sends in flight now have finished (recorded or failed), or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    return this.#drainer.settled(timeoutMs);
  }

  /**
   * Stops sending within about `graceMs`, however long the queue. What waits in the throttler or in a retry
   * pause is given up at once (see WireGate) and stays in the outbox as it was.
   */
  stop(graceMs = 2000): Promise<void> {
    return this.#drainer.stop(graceMs);
  }

  isStopping(err: unknown): boolean {
    return err instanceof StoppingError;
  }

  describe(err: unknown): string {
    if (err instanceof GrammyError) return `${err.error_code}: ${err.description}`;
    if (err instanceof HttpError) return `network: ${err.message}`;
    return err instanceof Error ? err.message : String(err);
  }

  judge(item: OutboxItem<OutOp>, err: unknown): Verdict<OutOp> {
    if (!(err instanceof GrammyError)) return { action: 'retry' };
    const d = err.description;
    if (err.error_code === 429) return { action: 'retry', afterMs: (err.parameters.retry_after ?? 5) * 1000 };
    if (err.error_code !== 400) return { action: 'retry' };
    if (/message is not modified/i.test(d)) return { action: 'done' };
    const op = item.payload;
    if (/can't parse entities/i.test(d) && (op.op === 'send' || op.op === 'edit') && !('plain' in op && op.plain)) {
      this.#o.log.warn({ op: op.op, err: d }, 'telegram could not parse our HTML; sending it as plain text');
      return { action: 'rewrite', payload: { ...op, plain: true } as OutOp };
    }
    return { action: 'drop', why: `${op.op}: ${d}` };
  }

  /** Makes the call; returns what to record once the outbox row is gone. */
  async send(item: OutboxItem<OutOp>, o: { express: boolean; signal: AbortSignal }): Promise<(() => void) | void> {
    const op = item.payload;
    const chat = this.#o.chatId;
    const signal = o.express && this.#o.express ? this.#o.express.signal(o.signal) : apiSignal(o.signal);
    switch (op.op) {
      case 'root': {
        const topicId = await this.#topicFor(item, op, signal);
        const sent = await this.#api.sendMessage(chat, op.html, { parse_mode: 'HTML', ...(topicId !== undefined ? { message_thread_id: topicId } : {}) }, signal);
        return () => {
          this.#threads.setRoot(op.session, sent.message_id, topicId ?? null);
          this.#threads.recordMessage(sent.message_id, op.session, 'root');
        };
      }
      case 'send': {
        const text = op.plain ? htmlToText(op.html) : op.html;
        const sent = await this.#api.sendMessage(chat, text, {
          ...(op.plain ? {} : { parse_mode: 'HTML' as const }),
          ...this.#placement(op.session, op.replyTo),
          ...(op.keyboard && op.keyboard.length > 0 ? { reply_markup: markup(op.keyboard) } : {}),
          link_preview_options: { is_disabled: true },
        }, signal);
        return () => this.#threads.recordMessage(sent.message_id, op.session, op.key ?? null);
      }
      case 'document': {
        const file = new InputFile(Buffer.from(op.content, 'utf8'), op.filename);
        const sent = await this.#api.sendDocument(chat, file, { caption: op.caption, parse_mode: 'HTML', ...this.#placement(op.session, op.replyTo) }, signal);
        return () => this.#threads.recordMessage(sent.message_id, op.session, null);
      }
      case 'photo': {
        const image = await this.#screenshot(op.of, op.by);
        if (typeof image === 'string') {
          const sent = await this.#api.sendMessage(chat, `🖼 ${image}`, { ...this.#placement(op.session, op.replyTo) }, signal);
          return () => this.#threads.recordMessage(sent.message_id, op.session, null);
        }
        const sent = await this.#api.sendPhoto(chat, new InputFile(image.png, `${op.of}-screen.png`), {
          caption: op.caption,
          parse_mode: 'HTML',
          ...this.#placement(op.session, op.replyTo),
          ...(op.keyboard && op.keyboard.length > 0 ? { reply_markup: markup(op.keyboard) } : {}),
        }, signal);
        return () => this.#threads.recordMessage(sent.message_id, op.session, null);
      }
      case 'edit': {
        const id = op.messageId ?? (op.key ? this.#threads.messageByKey(op.key) : null);
        if (id === null) {
          this.#o.log.warn({ key: op.key }, 'telegram: the message to edit was never sent; skipping the edit');
          return;
        }
        const text = 'plain' in op && op.plain ? htmlToText(op.html) : op.html;
        await this.#api.editMessageText(chat, id, text, {
          ...('plain' in op && op.plain ? {} : { parse_mode: 'HTML' as const }),
          ...(op.keyboard && op.keyboard.length > 0 ? { reply_markup: markup(op.keyboard) } : {}),
          link_preview_options: { is_disabled: true },
        }, signal);
        return;
      }
      case 'stream':
        return this.#stream(op, signal);
      case 'react': {
        try {
          await this.#api.setMessageReaction(chat, op.messageId, [{ type: 'emoji', emoji: op.emoji as '👍' }], {}, signal);
          return;
        } catch (err) {
          if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
        }
        // Reactions are off in this chat (or the message is gone): say it in words instead.
        const sent = await this.#api.sendMessage(chat, op.fallback, { ...this.#placement(op.session, op.messageId) }, signal);
        return () => this.#threads.recordMessage(sent.message_id, op.session, null);
      }
    }
  }

  /**
   * A turn's live message: sent the first time, edited after. Telegram refuses an edit to the same text, so
   * none is made; a message deleted in the chat is sent again; a refusal for good is judged like any other.
   */
  async #stream(op: Extract<OutOp, { op: 'stream' }>, signal: ApiSignal): Promise<(() => void) | void> {
    const stream = this.#o.stream;
    const part = stream.take(op.session, op.turn, op.part);
    if (!part || part.unchanged) return;
    const record = (id: number) => () => stream.sent(op.session, op.turn, op.part, id, part.text);
    if (part.messageId !== null) {
      try {
        await this.#api.editMessageText(this.#o.chatId, part.messageId, part.text, { link_preview_options: { is_disabled: true } }, signal);
        return record(part.messageId);
      } catch (err) {
        if (!(err instanceof GrammyError && err.error_code === 400 && /message to edit not found/i.test(err.description))) throw err;
        this.#o.log.info({ session: op.session }, 'telegram: a live-output message was deleted in the chat; sending it again');
        stream.lost(op.session, op.turn, op.part);
      }
    }
    const sent = await this.#api.sendMessage(this.#o.chatId, part.text, { ...this.#placement(op.session), link_preview_options: { is_disabled: true } }, signal);
    return () => {
      stream.sent(op.session, op.turn, op.part, sent.message_id, part.text);
      this.#threads.recordMessage(sent.message_id, op.session, null);
    };
  }

  /** The image, or the sentence saying why there is none (an ended session, no font): sent instead. */
  async #screenshot(session: string, by: Origin | undefined): Promise<PaneImage | string> {
    if (!this.#o.screenshot) return 'Screen images are not available here.';
    try {
      return await this.#o.screenshot(session, by);
    } catch (err) {
      if (err instanceof CommandError) return err.message;
      this.#o.log.error({ err, session }, 'telegram: drawing a screen image failed');
      return `The screen of ${session} could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  async #topicFor(item: OutboxItem<OutOp>, op: Extract<OutOp, { op: 'root' }>, signal: ApiSignal): Promise<number | undefined> {
    if (op.topicId !== undefined) return op.topicId;
    if (!this.#o.topics || op.noTopic || this.#topicsUnavailable) return undefined;
    try {
      const topic = await this.#api.createForumTopic(this.#o.chatId, op.topicName, {}, signal);
      // Remember the topic before sending the root, so a retry does not open a second one.
      this.#outbox.update(item.id, { ...op, topicId: topic.message_thread_id });
      return topic.message_thread_id;
    } catch (err) {
      if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
      // Roots of several sessions may have tried at once: say it once.
      if (!this.#topicsUnavailable) this.#o.log.warn({ err: err.description }, 'telegram: cannot open forum topics in this chat (topics: true needs a supergroup with topics on and the bot allowed to manage them); threading by replies instead');
      this.#topicsUnavailable = true;
      this.#outbox.update(item.id, { ...op, noTopic: true });
      return undefined;
    }
  }

  /** Into the session's topic, replying to `replyTo` or to the session's root message. */
  #placement(session: string | null, replyTo?: number): { message_thread_id?: number; reply_parameters?: { message_id: number; allow_sending_without_reply: true } } {
    const thread = session ? this.#threads.thread(session) : null;
    const target = replyTo ?? thread?.root ?? undefined;
    return {
      ...(thread?.topic != null ? { message_thread_id: thread.topic } : {}),
      ...(target !== undefined ? { reply_parameters: { message_id: target, allow_sending_without_reply: true as const } } : {}),
    };
  }
}

function markup(keyboard: Keyboard): InlineKeyboardMarkup {
  return { inline_keyboard: keyboard.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))) };
}
