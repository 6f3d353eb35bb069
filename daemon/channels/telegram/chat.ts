import type { Api } from 'grammy';
import type { TelegramConfig } from '../../config/schema.js';
import { Outbox, type OutboxOptions } from '../../store/outbox.js';
import type { ChannelContext } from '../channel.js';
import type { Transcriber } from '../../voice/transcriber.js';
import { botIdOf, type Express, type WireGate } from './bot.js';
import { CallbackHandler } from './callbacks.js';
import type { FileFetcher } from './files.js';
import { MessageHandler, telegramRouter } from './handlers.js';
import { attachAdapter, cwdOf, type Adapter } from '../../conversation/dispatch.js';
import { Incoming, type Strangers } from './incoming.js';
import { MediaHandler } from './media.js';
import { OutboxSender } from './outbox-sender.js';
import { Outgoing } from './outgoing.js';
import { LiveStream } from './stream.js';
import { Team } from './team.js';
import { Threads } from './threads.js';
import { Turn } from './turn.js';
import { laneOf, type OutOp } from './types.js';
import { VoiceNotes } from './voice-notes.js';

export interface ChatDeps {
  ctx: ChannelContext;
  cfg: TelegramConfig;
  chatId: number;
  /** The bot's connection, shared by every chat it serves. */
  api: Api;
  gate: WireGate | undefined;
  express: Express | undefined;
  files: FileFetcher;
  transcriber: Transcriber | null;
  answerCallback: (id: string, text?: string, alert?: boolean) => Promise<void>;
  strangers: Strangers;
  signal: AbortSignal;
  home: string;
  coalesceMs: number;
  outbox: OutboxOptions | undefined;
  log: ChannelContext['log'];
}

/** The outbox of one chat: a row never goes to another chat, also after telegram.chat_id is changed. */
export const outboxName = (chatId: number): string => `telegram:${chatId}`;

/**
 * One chat the bot serves: its threads, live output, outbox and handlers. With telegram.chat_ids each chat
 * has its own, fed from the same event stream, so every chat sees every session, and a request decided in
 * one is edited in the others by the resolved event that names who decided.
 */
export class TelegramChat {
  readonly incoming: Incoming;
  readonly #ctx: ChannelContext;
  readonly #log: ChannelContext['log'];
  readonly #outbox: Outbox<OutOp>;
  readonly #sender: OutboxSender;
  readonly #outgoing: Outgoing;
  readonly #media: MediaHandler;
  readonly #adapter: Adapter;
  #detach: (() => void) | null = null;

  constructor(d: ChatDeps) {
    const { ctx, cfg, chatId, log } = d;
    const { store, commands } = ctx;
    this.#ctx = ctx;
    this.#log = log;
    const compose = { home: d.home, webUrl: ctx.config.web.public_url };
    const threads = new Threads(store, chatId);
    const stream = new LiveStream(store, chatId, cfg.stream);
    this.#outbox = new Outbox<OutOp>(store, outboxName(chatId), d.outbox);
    this.#sender = new OutboxSender(this.#outbox, d.api, threads, {
      stream, chatId, topics: cfg.topics, log, screenshot: (id, by) => commands.screenshot(id, by),
      ...(d.gate ? { gate: d.gate } : {}), ...(d.express ? { express: d.express } : {}),
    });
    this.#outgoing = new Outgoing({
      store, threads, stream, commands, enqueue: (op, o) => this.enqueue(op, o), poke: () => this.#sender.poke(),
      compose, log,
    });
    const outgoing = this.#outgoing;
    this.#adapter = {
      name: 'telegram', coalesceMs: d.coalesceMs, send: (m) => outgoing.send(m), edit: (m) => outgoing.edit(m), follow: (e) => outgoing.follow(e),
      compose: { ...compose, cwdOf: (s) => cwdOf(commands, s), nameOf: (user) => threads.name(user) },
    };
    const team = new Team(cfg, ctx.config.sessions.allowed_roots, threads);
    const router = telegramRouter(commands, d.home);
    const messages = new MessageHandler({ router, threads, team, stream, log, home: d.home });
    const media = new MediaHandler({
      commands, messages, notes: new VoiceNotes(store, chatId), files: d.files, transcriber: d.transcriber,
      maxUploadBytes: Math.floor(cfg.max_upload_mb * 1024 * 1024),
      voice: ctx.config.voice, answerCallback: d.answerCallback, signal: d.signal, log,
      later: (fill) => this.#later(fill),
    });
    this.#media = media;
    const callbacks = new CallbackHandler({ commands, router, threads, team, messages, media, answerCallback: d.answerCallback, log, home: d.home });
    this.incoming = new Incoming({
      chatId, threads, team, messages, media, callbacks, answerCallback: d.answerCallback,
      botId: botIdOf(cfg.bot_token), settled: () => this.#sender.settled(5000), strangers: d.strangers, log,
    });
  }

  /** A root is a barrier: the requests of its session reply to it, so none may be sent before it. */
  enqueue(op: OutOp, o: { urgent?: boolean } = {}): void {
    void this.#outbox.enqueue(laneOf(op.session), op, { urgent: o.urgent === true, barrier: op.op === 'root' });
  }

  /** A handled update's effects in this chat (inside the poller's commit transaction). */
  record(turn: Turn): void {
    for (const write of turn.writes) write();
    for (const op of turn.ops) this.enqueue(op);
  }

  /** Effects that belong to no update (a transcription finished): recorded as one turn, then sent. */
  async #later(fill: (turn: Turn) => void | Promise<void>): Promise<void> {
    const turn = new Turn(() => undefined);
    try {
      await fill(turn);
    } catch (err) {
      this.#log.error({ err }, 'telegram: finishing a background job failed');
    }
    this.#ctx.store.db.transaction(() => this.record(turn))();
    this.poke();
  }

  poke(): void {
    this.#sender.poke();
  }

  start(): void {
    this.#detach = attachAdapter(this.#ctx.bus, this.#ctx.reaches, this.#adapter);
    this.#sender.start();
  }

  /** Once Telegram answers: the transcriptions a stop or crash left unfinished (their files are fetched again). */
  resumeVoice(): void {
    this.#media.resume();
  }

  async stop(): Promise<void> {
    // Held idle and ended notices are queued now, so none is lost.
    this.#detach?.();
    await this.#sender.stop();
  }
}
