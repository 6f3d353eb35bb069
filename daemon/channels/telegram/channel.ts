import { homedir } from 'node:os';
import { GrammyError, type Api } from 'grammy';
import type { Update } from 'grammy/types';
import { COMMAND_HELP } from '../../commands/parse.js';
import type { TelegramConfig } from '../../config/schema.js';
import { discardOutbox, outboxChannels, renameOutbox, type OutboxOptions } from '../../store/outbox.js';
import type { Channel, ChannelContext, ChannelHealth } from '../channel.js';
import type { Audience } from '../../conversation/router.js';
import { apiSignal, botIdOf, createBotApi, Express, WireGate, type BotApiOptions } from './bot.js';
import { outboxName, TelegramChat } from './chat.js';
import { FileFetcher } from './files.js';
import { createTranscriber } from '../../voice/transcriber.js';
import { Backoff } from '../../backoff.js';
import { sleep } from '../../sleep.js';
import { Poller, type PollerOptions } from './poller.js';
import type { Turn } from './turn.js';
import { UpdateLog } from './update-log.js';
import { Strangers } from './incoming.js';

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
  readonly #chats = new Map<number, TelegramChat>();
  /** Which chat each update's turn belongs to, for the commit that records its effects. */
  readonly #turnChat = new WeakMap<Turn, TelegramChat>();
  readonly #strangers: Strangers;
  #poller: Poller | null = null;
  #boot: Promise<void> | null = null;
  #state: ChannelHealth = { ok: false, detail: 'connecting to the Bot API' };

  constructor(ctx: ChannelContext, cfg: TelegramConfig, deps: TelegramDeps) {
    this.#ctx = ctx;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#log = ctx.log.child({ channel: 'telegram' });
    this.#strangers = new Strangers(this.#log);
  }

  health(): ChannelHealth {
    return this.#state;
  }

  async start(): Promise<void> {
    const cfg = this.#cfg;
    const log = this.#log;
    const home = this.#deps.home ?? homedir();
    const gate = this.#deps.api ? undefined : new WireGate();
    const express = this.#deps.api ? undefined : new Express();
    const api = this.#deps.api ?? createBotApi(cfg.bot_token, { apiRoot: cfg.api_root, pollTimeoutSeconds: this.#deps.poller?.pollTimeoutSeconds, ...this.#deps.bot, ...(gate ? { gate } : {}), ...(express ? { express } : {}) });

    // Not awaited: a slow answer must not hold up the updates behind it, and a lost one only leaves a spinner.
    const answerCallback = async (id: string, text?: string, alert?: boolean): Promise<void> => {
      api.answerCallbackQuery(id, { ...(text ? { text } : {}), ...(alert ? { show_alert: true } : {}) }).catch((err: unknown) => {
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'telegram: answerCallbackQuery failed (the tap is still handled)');
      });
    };
    this.#sortOutbox();
    const files = new FileFetcher({ api, token: cfg.bot_token, apiRoot: cfg.api_root });
    const transcriber = createTranscriber(this.#ctx.config.voice, { home });
    for (const chatId of cfg.chat_ids) {
      const chat = new TelegramChat({
        ctx: this.#ctx, cfg, chatId, api, gate, express, files, transcriber, answerCallback, strangers: this.#strangers, signal: this.#abort.signal,
        home, coalesceMs: this.#deps.coalesceMs ?? 2000, outbox: this.#deps.outbox, log: cfg.chat_ids.length > 1 ? log.child({ chat: chatId }) : log,
      });
      this.#chats.set(chatId, chat);
      chat.start();
    }
    this.#poller = new Poller(
      {
        api, log, updates: new UpdateLog(this.#ctx.store, botIdOf(cfg.bot_token)),
        handle: (u, turn) => this.#chatOf(u, turn)?.incoming.handle(u, turn) ?? Promise.resolve(),
        interrupted: (u, turn) => this.#chatOf(u, turn)?.incoming.interrupted(u, turn) ?? Promise.resolve(),
        record: (turn) => this.#turnChat.get(turn)?.record(turn),
        committed: () => {
          for (const chat of this.#chats.values()) chat.poke();
        },
      },
      this.#deps.poller,
    );
    // Reaching Telegram may take a while (or forever, with a bad token): never hold up the daemon's start.
    this.#boot = this.#connect(api);
  }

  /**
   * Each chat has its own outbox (chat.ts). What a version before that queued, under the channel's name, was
   * for the one chat it served, taken to be the first chat now. What is queued for a chat no longer served
   * has nowhere to go: it is dropped, and said so.
   */
  #sortOutbox(): void {
    const store = this.#ctx.store;
    const first = this.#cfg.chat_id;
    const moved = renameOutbox(store, 'telegram', outboxName(first));
    if (moved > 0) this.#log.info({ chat_id: first, messages: moved }, 'telegram: messages queued before an upgrade go to the first chat');
    const served = new Set(this.#cfg.chat_ids.map(outboxName));
    for (const name of outboxChannels(store).filter((n) => n.startsWith('telegram:') && !served.has(n))) {
      const dropped = discardOutbox(store, name);
      this.#log.warn({ chat_id: Number(name.slice('telegram:'.length)), messages: dropped }, 'telegram: dropped the messages queued for a chat that is no longer in telegram.chat_id / chat_ids');
    }
  }

  /** The chat an update comes from, if it is one we serve; anyone else is ignored without a reply, logged once. */
  #chatOf(u: Update, turn: Turn): TelegramChat | undefined {
    const id = (u.message ?? u.callback_query?.message)?.chat.id;
    if (id === undefined) return undefined;
    const chat = this.#chats.get(id);
    if (chat) {
      this.#turnChat.set(turn, chat);
      return chat;
    }
    this.#strangers.note(id, u.message?.from ?? u.callback_query?.from);
    return undefined;
  }

  /** getMe until Telegram answers, then the command menu, then polling. */
  async #connect(api: Api): Promise<void> {
    const signal = this.#abort.signal;
    const backoff = new Backoff(this.#deps.initRetryMs ?? 5000, 300_000);
    for (;;) {
      try {
        const me = await api.getMe(apiSignal(signal));
        this.#log.info({ bot: me.username }, 'telegram: connected');
        const chats = this.#cfg.chat_ids;
        const unreachable = await this.#unreachable(api, me.username);
        this.#state = {
          ok: unreachable.length < chats.length,
          detail: `connected as @${me.username}, serving ${chats.length === 1 ? `chat ${chats[0]}` : `chats ${chats.join(', ')}`}${unreachable.length ? `; ${unreachable.join('; ')}` : ''}`,
        };
        break;
      } catch (err) {
        if (signal.aborted) return;
        const rejected = err instanceof GrammyError && err.error_code === 401;
        const wait = backoff.next();
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
        if (signal.aborted) return;
      }
    }
    try {
      await api.setMyCommands(COMMAND_HELP.map((c) => ({ command: c.command, description: c.description })), {}, apiSignal(signal));
    } catch (err) {
      this.#log.warn({ err: err instanceof Error ? err.message : String(err) }, 'telegram: could not set the command menu; commands still work when typed');
    }
    if (signal.aborted) return;
    for (const chat of this.#chats.values()) chat.resumeVoice();
    this.#poller?.start();
  }

  /**
   * The configured chats Telegram says the bot cannot reach, each with what to do. A private chat is known
   * to the bot only after its person pressed Start; until then every message to it is refused.
   */
  async #unreachable(api: Api, bot: string): Promise<string[]> {
    const out: string[] = [];
    for (const chat of this.#cfg.chat_ids) {
      try {
        await api.getChat(chat, apiSignal(this.#abort.signal));
      } catch (err) {
        if (!(err instanceof GrammyError) || err.error_code !== 400) continue;
        const what = `chat ${chat} cannot be reached (${err.description}): ${chat > 0 ? `that person must open @${bot} and press Start` : `add @${bot} to that group`}`;
        this.#log.warn({ chat_id: chat }, `telegram: ${what}`);
        out.push(what);
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#boot;
    await this.#poller?.stop();
    await Promise.all([...this.#chats.values()].map((chat) => chat.stop()));
  }
}
