import { Backoff } from '../../backoff.js';
import { sleep } from '../../sleep.js';
import { GrammyError, type Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../../logger.js';
import { apiSignal } from './bot.js';
import { Turn } from './turn.js';
import type { UpdateLog } from './update-log.js';

export interface PollerOptions {
  /** getUpdates long-poll seconds. Default 30. */
  pollTimeoutSeconds?: number;
  /** Wait after a 409 (someone else polls this token) before asking again. Default 30 000: never fight. */
  conflictRetryMs?: number;
  /** Wait after any other failure; doubles up to 60 s. Default 1000. */
  errorRetryMs?: number;
}

export interface PollerDeps {
  api: Api;
  updates: UpdateLog;
  log: Logger;
  /** Handles one update, queuing its effects on the turn. */
  handle: (u: Update, turn: Turn) => Promise<void>;
  /** Tells the handler the update was already being acted on when the daemon stopped. */
  interrupted: (u: Update, turn: Turn) => Promise<void>;
  /** Records a turn's effects (called inside the commit transaction). */
  record: (turn: Turn) => void;
  /** After a commit: there may be something to send. */
  committed: () => void;
}

/**
 * Our own getUpdates loop, so we own the offset: an update is handled, then committed as done together
 * with its effects, and only the next getUpdates (with the stored offset) confirms it to Telegram.
 */
export class Poller {
  readonly #d: PollerDeps;
  readonly #timeout: number;
  readonly #conflictMs: number;
  readonly #errorMs: number;
  readonly #abort = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(deps: PollerDeps, o: PollerOptions = {}) {
    this.#d = deps;
    this.#timeout = o.pollTimeoutSeconds ?? 30;
    this.#conflictMs = o.conflictRetryMs ?? 30_000;
    this.#errorMs = o.errorRetryMs ?? 1000;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops polling; an update being handled is finished and committed first. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let conflict = false;
    let failures = 0;
    // errorMs doubling, at most 64 times it and at most a minute.
    const backoff = new Backoff(this.#errorMs, Math.min(60_000, this.#errorMs * 64));
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await this.#d.api.getUpdates(
          { offset: this.#d.updates.nextOffset(), timeout: this.#timeout, allowed_updates: ['message', 'callback_query'] },
          apiSignal(signal),
        );
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GrammyError && err.error_code === 409) {
          if (!conflict && /webhook/i.test(err.description)) {
            this.#d.log.warn(
              { err: err.description, retry_ms: this.#conflictMs },
              'telegram: this bot token has a webhook set, so it cannot be polled (409). csm polls: remove the webhook (Bot API deleteWebhook) if nothing else uses it.',
            );
          } else if (!conflict) {
            this.#d.log.warn(
              { err: err.description, retry_ms: this.#conflictMs },
              'telegram: another process is polling this bot token (409 Conflict); not competing with it, asking again slowly. Stop the other bot process to use Telegram here.',
            );
          }
          conflict = true;
          await sleep(this.#conflictMs, signal);
          continue;
        }
        failures++;
        const wait = backoff.next();
        const level = failures === 1 || failures % 20 === 0 ? 'warn' : 'debug';
        this.#d.log[level]({ err: describe(err), failures, retry_ms: wait }, 'telegram: getUpdates failed; retrying');
        await sleep(wait, signal);
        continue;
      }
      if (conflict) this.#d.log.info({}, 'telegram: polling again; the other poller is gone');
      conflict = false;
      failures = 0;
      backoff.reset();
      try {
        for (const u of updates) {
          // Not checking `signal` here: updates already fetched are handled, then the loop ends.
          if (this.#d.updates.isDone(u.update_id)) continue;
          await this.#process(u);
        }
      } catch (err) {
        // Only the commit can throw (the database); the update stays undone and comes again.
        this.#d.log.error({ err }, 'telegram: could not record a handled update; retrying');
        await sleep(this.#errorMs, signal);
      }
    }
  }

  async #process(u: Update): Promise<void> {
    const { updates, log } = this.#d;
    const turn = new Turn(() => updates.markInFlight(u.update_id));
    try {
      if (updates.wasInterrupted(u.update_id)) await this.#d.interrupted(u, turn);
      else await this.#d.handle(u, turn);
    } catch (err) {
      log.error({ err, update_id: u.update_id }, 'telegram: handling an update failed');
    }
    updates.commit(u.update_id, () => this.#d.record(turn));
    this.#d.committed();
    for (const fn of turn.after) fn();
  }
}

function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code}: ${err.description}`;
  return err instanceof Error ? err.message : String(err);
}

