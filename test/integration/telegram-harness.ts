import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTelegramChannel, TELEGRAM_AUDIENCE, type TelegramDeps } from '../../daemon/channels/telegram/channel.js';
import { route } from '../../daemon/conversation/router.js';
import type { Channel } from '../../daemon/channels/channel.js';
import { configSchema, type Config } from '../../daemon/config/schema.js';
import { EventBus } from '../../daemon/events/bus.js';
import type { Logger } from '../../daemon/logger.js';
import { Store } from '../../daemon/store/store.js';
import { FakeCommands } from '../fakes/commands.js';
import { memoryLogger, type LogLine } from '../helpers/memory-logger.js';
import { FakeTelegramBotApi, type FakeBotApiOptions } from '../fakes/telegram-bot-api.js';

export { FakeCommands };


export { memoryLogger, type LogLine };

/** Settings that keep tests fast: short waits everywhere, the throttler wide open (the fake enforces limits). */
export const FAST: TelegramDeps = {
  bot: {
    attemptTimeoutMs: 1500,
    retry: { maxDelaySeconds: 1, maxRetryAttempts: 2, rethrowInternalServerErrors: true, rethrowHttpErrors: true },
    throttle: {
      global: { reservoir: 10_000, reservoirRefreshAmount: 10_000, reservoirRefreshInterval: 1000 },
      group: { maxConcurrent: 10, minTime: 0 },
      out: { maxConcurrent: 10, minTime: 0 },
    },
  },
  poller: { pollTimeoutSeconds: 1, conflictRetryMs: 200, errorRetryMs: 20 },
  outbox: { baseDelayMs: 20, maxDelayMs: 300 },
  coalesceMs: 150,
  home: '/home/u',
  initRetryMs: 50,
};

export interface Harness {
  fake: FakeTelegramBotApi;
  store: Store;
  bus: EventBus;
  commands: FakeCommands;
  logs: LogLine[];
  config: Config;
  channel: Channel;
  /** A new channel instance on the same database (after stop), optionally with changed `telegram:` settings. */
  restart(telegram?: Record<string, unknown>): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startHarness(o: { telegram?: Record<string, unknown>; fake?: FakeBotApiOptions; deps?: TelegramDeps; config?: Record<string, unknown> } = {}): Promise<Harness> {
  const fake = await FakeTelegramBotApi.start(o.fake);
  const dir = mkdtempSync(join(tmpdir(), 'csm-tg-'));
  const store = new Store(join(dir, 'csm.db'));
  const logs: LogLine[] = [];
  const log = memoryLogger(logs);
  const bus = new EventBus(log);
  const commands = new FakeCommands(bus);
  const configOf = (telegram: Record<string, unknown> = {}): Config => {
    const parsed = configSchema.parse({ ...o.config, telegram: { bot_token: fake.token, chat_id: fake.owner.id, api_root: fake.url, ...o.telegram, ...telegram } });
    return { ...parsed, paths: { home: dir, db: join(dir, 'csm.db'), token: join(dir, 'token'), log_dir: dir, config_file: null, search_path: process.env.PATH ?? '' } };
  };
  let config = configOf();
  const make = (): Channel => createTelegramChannel({ config, bus, commands, store, log, reaches: (e, name) => route(e, [TELEGRAM_AUDIENCE]).includes(name) }, { ...FAST, ...o.deps });
  const h: Harness = {
    fake, store, bus, commands, logs, config,
    channel: make(),
    async restart(telegram) {
      if (telegram) h.config = config = configOf(telegram);
      h.channel = make();
      await h.channel.start();
    },
    async cleanup() {
      await h.channel.stop();
      await fake.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await h.channel.start();
  return h;
}
