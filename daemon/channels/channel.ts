import type { Commands } from '../commands/types.js';
import type { Config } from '../config/schema.js';
import type { Audience } from '../conversation/router.js';
import type { EventBus } from '../events/bus.js';
import type { SessionEvent } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

/** Whether a channel can reach the owner right now, in a sentence (`csm doctor`, GET /channels). */
export interface ChannelHealth {
  ok: boolean;
  detail: string;
}

/**
 * A channel renders events for a person and turns their replies into commands. It never touches tmux or
 * session internals: everything goes through `commands`, everything comes from `bus`.
 */
export interface Channel {
  readonly name: string;
  /** What it is and wants: the router (conversation/router.ts) decides from this which events reach it. */
  readonly audience: Audience;
  health(): ChannelHealth;
  /** Subscribes to the bus and starts any I/O loops. Must not throw for a remote service being down. */
  start(): Promise<void>;
  /** Stops loops and waits for in-flight work; never loses persisted outbox rows. */
  stop(): Promise<void>;
}

export interface ChannelContext {
  config: Config;
  bus: EventBus;
  commands: Commands;
  store: Store;
  log: Logger;
  /** Whether the event is for the named channel: the router's decision, over all configured channels. */
  reaches: (e: SessionEvent, channel: string) => boolean;
}
