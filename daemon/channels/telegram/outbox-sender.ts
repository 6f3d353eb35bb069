import { GrammyError, HttpError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { CommandError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { PaneImage } from '../../render/renderer.js';
import type { Outbox, OutboxItem } from '../../store/outbox.js';
import { startable } from '../../store/outbox-order.js';
import type { Store } from '../../store/store.js';
import { sleep } from '../../sleep.js';
import { apiSignal, StoppingError, type ApiSignal, type Express, type WireGate } from './bot.js';
import { htmlToText } from './format.js';
import type { Threads } from './threads.js';
import type { Keyboard, OutOp } from './types.js';

export interface SenderOptions {
  chatId: number;
  /** Open one forum topic per session. */
  topics: boolean;
  log: Logger;
  /** The gate in front of the network (see WireGate); without one, stop() waits up to its grace for each call. */
  gate?: WireGate;
  /** Marks the calls that skip the throttler (urgent rows); without one, every call is throttled. */
  express?: Express;
  /** Draws a session's screen for a photo op (the command layer's screenshot). */
  screenshot?: (session: string) => Promise<PaneImage>;
}

type Verdict = { action: 'done' } | { action: 'retry'; afterMs?: number } | { action: 'plain' } | { action: 'drop'; why: string };

/**
 * Drains the Outbox into Telegram: every lane at once, each in order, urgent rows first (outbox-order.ts),
 * and those past the throttler's pacing (Express). A sent
 * message's id is recorded in the same transaction that removes it from the outbox. Rate limits and 5xx
 * are first retried by grammY's auto-retry; what it gives up on (long outages, network errors) is retried
 * here with the outbox's backoff, for as long as it takes.
 */
export class OutboxSender {
  readonly #outbox: Outbox<OutOp>;
  readonly #api: Api;
  readonly #threads: Threads;
  readonly #store: Store;
  readonly #o: SenderOptions;
  /** Rows being sent, by outbox id. */
  readonly #busy = new Map<number, Promise<void>>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #stopped = false;
  #topicsUnavailable = false;

  constructor(outbox: Outbox<OutOp>, api: Api, threads: Threads, store: Store, o: SenderOptions) {
    this.#outbox = outbox;
    this.#api = api;
    this.#threads = threads;
    this.#store = store;
    this.#o = o;
  }

  start(): void {
    this.#running = true;
    this.poke();
  }

  /** Something was queued or a row was done: send what may go now. */
  poke(): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const now = Date.now();
    const rows = this.#outbox.queued();
    for (const s of startable(rows, new Set(this.#busy.keys()), now)) {
      const item = this.#outbox.get(s.id);
      if (!item) continue;
      const work = this.#deliver(item, s.express).finally(() => {
        this.#busy.delete(item.id);
        this.poke();
      });
      this.#busy.set(item.id, work);
    }
    const waiting = rows.filter((r) => !this.#busy.has(r.id));
    if (waiting.length === 0) return;
    // A row waiting behind one in flight is poked when that one is done; the timer is for retries and a backstop.
    const later = waiting.filter((r) => r.nextAt > now).map((r) => r.nextAt);
    const delay = later.length > 0 ? Math.min(Math.min(...later) - now, 5000) : 1000;
    this.#timer = setTimeout(() => this.poke(), delay);
  }

  /** Resolves when the sends in flight now have finished (recorded or failed), or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.#busy.values()]), timeout]);
    clearTimeout(timer);
  }

  /**
   * Stops sending within about `graceMs`, however long the queue. Nothing new starts; what waits in the
   * throttler or in a retry pause is given up at once (see WireGate) and stays in the outbox as it was;
   * calls already on the wire get the grace to be answered and recorded; then the rest is aborted.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#o.gate?.close();
    const waited = new AbortController();
    await Promise.race([Promise.allSettled([...this.#busy.values()]), sleep(graceMs, waited.signal)]);
    waited.abort();
    this.#stopped = true;
    this.#abort.abort();
  }

  async #deliver(item: OutboxItem<OutOp>, express: boolean): Promise<void> {
    try {
      const record = await this.#perform(item, express);
      this.#store.db.transaction(() => {
        record?.();
        this.#outbox.done(item.id);
      })();
    } catch (err) {
      // Never sent, or cut off after the grace at shutdown: the row stays exactly as it was, no attempt counted.
      if (err instanceof StoppingError || this.#stopped) return;
      const verdict = this.#judge(item, err);
      const what = describe(err);
      switch (verdict.action) {
        case 'done':
          this.#outbox.done(item.id);
          return;
        case 'drop':
          this.#o.log.error({ op: item.payload.op, lane: item.lane, err: what }, `telegram refused a message for good (${verdict.why}); it is dropped`);
          this.#outbox.done(item.id);
          return;
        case 'plain':
          this.#o.log.warn({ op: item.payload.op, err: what }, 'telegram could not parse our HTML; sending it as plain text');
          this.#outbox.update(item.id, { ...item.payload, plain: true } as OutOp);
          this.#outbox.failed(item.id, what, 0);
          return;
        case 'retry': {
          const log = item.attempts % 10 === 0 ? this.#o.log.warn.bind(this.#o.log) : this.#o.log.debug.bind(this.#o.log);
          log({ op: item.payload.op, lane: item.lane, attempts: item.attempts + 1, err: what }, 'telegram send failed; will retry');
          this.#outbox.failed(item.id, what, verdict.afterMs);
        }
      }
    }
  }

  #judge(item: OutboxItem<OutOp>, err: unknown): Verdict {
    if (!(err instanceof GrammyError)) return { action: 'retry' };
    const d = err.description;
    if (err.error_code === 429) return { action: 'retry', afterMs: (err.parameters.retry_after ?? 5) * 1000 };
    if (err.error_code !== 400) return { action: 'retry' };
    if (/message is not modified/i.test(d)) return { action: 'done' };
    const op = item.payload;
    if (/can't parse entities/i.test(d) && (op.op === 'send' || op.op === 'edit') && !('plain' in op && op.plain)) return { action: 'plain' };
    return { action: 'drop', why: d };
  }

  /** Makes the call; returns what to record once the outbox row is gone. */
  async #perform(item: OutboxItem<OutOp>, express: boolean): Promise<(() => void) | void> {
    const op = item.payload;
    const chat = this.#o.chatId;
    const signal = express && this.#o.express ? this.#o.express.signal(this.#abort.signal) : apiSignal(this.#abort.signal);
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
        const image = await this.#screenshot(op.of);
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

  /** The image, or the sentence saying why there is none (an ended session, no font): sent instead. */
  async #screenshot(session: string): Promise<PaneImage | string> {
    if (!this.#o.screenshot) return 'Screen images are not available here.';
    try {
      return await this.#o.screenshot(session);
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

function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code}: ${err.description}`;
  if (err instanceof HttpError) return `network: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
