import { homedir } from 'node:os';
import { GrammyError, type Api } from 'grammy';
import { COMMAND_HELP } from '../../commands/parse.js';
import type { TelegramConfig } from '../../config/schema.js';
import { Outbox, type OutboxOptions } from '../../store/outbox.js';
import type { Channel, ChannelContext, ChannelHealth } from '../channel.js';
import type { Audience } from '../../conversation/router.js';
import { apiSignal, botIdOf, createBotApi, Express, WireGate, type BotApiOptions } from './bot.js';
import { CallbackHandler } from './callbacks.js';
import { MessageHandler } from './handlers.js';
import { FileFetcher } from './files.js';
import { MediaHandler } from './media.js';
import { VoiceNotes } from './voice-notes.js';
import { createTranscriber } from '../../voice/transcriber.js';
import { Incoming } from './incoming.js';
import { Outgoing } from './outgoing.js';
import { OutboxSender } from './outbox-sender.js';
import { sleep } from '../../sleep.js';
import { Poller, type PollerOptions } from './poller.js';
import { Threads } from './threads.js';
import { Team } from './team.js';
import { LiveStream } from './stream.js';
import { UpdateLog } from './update-log.js';
import { laneOf, type OutOp } from './types.js';

export interface TelegramDeps {
  /** A ready grammY Api (tests); default: createBotApi from the config with `bot` options. */
  api?: Api;
  bot?: Omit<BotApiOptions, 'apiRoot'>;
  poller?: PollerOptions;
  outbox?: OutboxOptions;
  /** Window in which idle/ended notices are merged into one message. Default 2000 ms. */
  coalesceMs?: number;
  /** For `~` in /new and in paths shown. Default: the daemon user's home. */
  home?: string;
  /** Wait between attempts to reach Telegram at start (getMe). Default 5000 ms, doubling to 5 min. */
  initRetryMs?: number;
}

/** The primary channel: a session's whole course, in its thread. */
export const TELEGRAM_AUDIENCE: Audience = { name: 'telegram', role: 'conversation', progress: true, reminders: false };

/** The Telegram channel: events → messages in per-session threads; messages and taps → commands. */
export function createTelegramChannel(ctx: ChannelContext, deps: TelegramDeps = {}): Channel {
  const cfg = ctx.config.telegram;
  if (!cfg) throw new Error('createTelegramChannel needs a telegram section in the config');
  return new TelegramChannel(ctx, cfg, deps);
}

class TelegramChannel implements Channel {
  readonly name = 'telegram';
  readonly audience = TELEGRAM_AUDIENCE;
  readonly #ctx: ChannelContext;
  readonly #cfg: TelegramConfig;
  readonly #deps: TelegramDeps;
  readonly #log: ChannelContext['log'];
  readonly #abort = new AbortController();
  #sender: OutboxSender | null = null;
  #outgoing: Outgoing | null = null;
  #poller: Poller | null = null;
  #unsubscribe: (() => void) | null = null;
  #boot: Promise<void> | null = null;
  #state: ChannelHealth = { ok: false, detail: 'connecting to the Bot API' };

  constructor(ctx: ChannelContext, cfg: TelegramConfig, deps: TelegramDeps) {
    this.#ctx = ctx;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#log = ctx.log.child({ channel: 'telegram' });
  }

  health(): ChannelHealth {
    return this.#state;
  }

  async start(): Promise<void> {
    const { store, commands, bus } = this.#ctx;
    const cfg = this.#cfg;
    const log = this.#log;
    const home = this.#deps.home ?? homedir();
    const gate = this.#deps.api ? undefined : new WireGate();
    const express = this.#deps.api ? undefined : new Express();
    const api = this.#deps.api ?? createBotApi(cfg.bot_token, { apiRoot: cfg.api_root, pollTimeoutSeconds: this.#deps.poller?.pollTimeoutSeconds, ...this.#deps.bot, ...(gate ? { gate } : {}), ...(express ? { express } : {}) });
    const threads = new Threads(store, cfg.chat_id);
    const stream = new LiveStream(store, cfg.chat_id, cfg.stream);
    const outbox = new Outbox<OutOp>(store, 'telegram', this.#deps.outbox);
    // A root is a barrier: the requests of its session reply to it, so none may be sent before it.
    const enqueue = (op: OutOp, o: { urgent?: boolean } = {}): void => void outbox.enqueue(laneOf(op.session), op, { urgent: o.urgent === true, barrier: op.op === 'root' });

    const sender = new OutboxSender(outbox, api, threads, { stream, chatId: cfg.chat_id, topics: cfg.topics, log, screenshot: (id, by) => commands.screenshot(id, by), ...(gate ? { gate } : {}), ...(express ? { express } : {}) });
    this.#sender = sender;
    const outgoing = new Outgoing({ store, threads, stream, commands, enqueue, poke: () => sender.poke(), home, webUrl: this.#ctx.config.web.public_url, coalesceMs: this.#deps.coalesceMs ?? 2000, log });
    this.#outgoing = outgoing;
    this.#unsubscribe = bus.subscribe((e) => {
      if (this.#ctx.reaches(e, this.name)) outgoing.onEvent(e);
    }, { replay: true });
    sender.start();

    // Not awaited: a slow answer must not hold up the updates behind it, and a lost one only leaves a spinner.
    const answerCallback = async (id: string, text?: string, alert?: boolean): Promise<void> => {
      api.answerCallbackQuery(id, { ...(text ? { text } : {}), ...(alert ? { show_alert: true } : {}) }).catch((err: unknown) => {
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'telegram: answerCallbackQuery failed (the tap is still handled)');
      });
    };
    const team = new Team(cfg, this.#ctx.config.sessions.allowed_roots, threads);
    const messages = new MessageHandler({ commands, threads, team, stream, log, home });
    const media = new MediaHandler({
      commands, messages, notes: new VoiceNotes(store, cfg.chat_id),
      files: new FileFetcher({ api, token: cfg.bot_token, apiRoot: cfg.api_root }),
      transcriber: createTranscriber(this.#ctx.config.voice, { home }),
      maxUploadBytes: Math.floor(cfg.max_upload_mb * 1024 * 1024),
      voice: this.#ctx.config.voice, answerCallback, signal: this.#abort.signal, log,
    });
    const callbacks = new CallbackHandler({ commands, threads, team, messages, media, answerCallback, log, home });
    const incoming = new Incoming({ telegram: cfg, threads, team, messages, media, callbacks, answerCallback, botId: botIdOf(cfg.bot_token), settled: () => sender.settled(5000), log });
    this.#poller = new Poller(
      {
        api, log, updates: new UpdateLog(store, botIdOf(cfg.bot_token)),
        handle: (u, turn) => incoming.handle(u, turn),
        interrupted: (u, turn) => incoming.interrupted(u, turn),
        record: (turn) => {
          for (const write of turn.writes) write();
          for (const op of turn.ops) enqueue(op);
        },
        committed: () => sender.poke(),
      },
      this.#deps.poller,
    );
    // Reaching Telegram may take a while (or forever, with a bad token): never hold up the daemon's start.
    this.#boot = this.#connect(api);
  }

  /** getMe until Telegram answers, then the command menu, then polling. */
  async #connect(api: Api): Promise<void> {
    const signal = this.#abort.signal;
    let wait = this.#deps.initRetryMs ?? 5000;
    for (;;) {
      try {
        const me = await api.getMe(apiSignal(signal));
        this.#log.info({ bot: me.username }, 'telegram: connected');
        this.#state = { ok: true, detail: `connected as @${me.username}, serving chat ${this.#cfg.chat_id}` };
        break;
      } catch (err) {
        if (signal.aborted) return;
        const rejected = err instanceof GrammyError && err.error_code === 401;
        this.#state = {
          ok: false,
          detail: rejected ? 'the bot token was rejected (401): check telegram.bot_token' : `cannot reach the Bot API at ${this.#cfg.api_root} (${err instanceof Error ? err.message : String(err)}); retrying`,
        };
        if (rejected) {
          this.#log.error({}, 'telegram: the bot token was rejected (401 Unauthorized): check telegram.bot_token (from @BotFather)');
        } else {
          this.#log.warn({ err: err instanceof Error ? err.message : String(err), retry_ms: wait }, 'telegram: cannot reach the Bot API yet; retrying');
        }
        await sleep(wait, signal);
        wait = Math.min(300_000, wait * 2);
        if (signal.aborted) return;
      }
    }
    try {
      await api.setMyCommands(COMMAND_HELP.map((c) => ({ command: c.command, description: c.description })), {}, apiSignal(signal));
    } catch (err) {
      this.#log.warn({ err: err instanceof Error ? err.message : String(err) }, 'telegram: could not set the command menu; commands still work when typed');
    }
    if (signal.aborted) return;
    this.#poller?.start();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#boot;
    await this.#poller?.stop();
    this.#unsubscribe?.();
    this.#outgoing?.flush();
    await this.#sender?.stop();
  }
}
