import type { Logger } from '../logger.js';
import type { Outbox, OutboxItem } from '../store/outbox.js';
import { startable } from '../store/outbox-order.js';
import { sleep } from '../sleep.js';

/** What a failed send means for its row. */
export type Verdict<T> =
  | { action: 'done' }
  | { action: 'retry'; afterMs?: number }
  /** Send it again at once in another form (Telegram: as plain text when our HTML was refused). */
  | { action: 'rewrite'; payload: T }
  | { action: 'drop'; why: string };

/** A channel's wire: the one call that sends a row, and what a failure means. */
export interface Delivery<T> {
  /**
   * Sends the row. Returns what to record (the remote message's id, say) in the same transaction that removes
   * the row, so a crash never leaves a sent message unrecorded and still queued.
   */
  send(item: OutboxItem<T>, o: { express: boolean; signal: AbortSignal }): Promise<(() => void) | void>;
  judge(item: OutboxItem<T>, err: unknown): Verdict<T>;
  /** The failure in a line, for logs and health. */
  describe(err: unknown): string;
  /** A failure that is no failure: the send was given up because we stop; the row stays as it was. */
  isStopping?(err: unknown): boolean;
}

export interface DrainerOptions {
  /** For the log lines: "telegram", "email", "webhook". */
  name: string;
  log: Logger;
  /**
   * `parallel`: every lane at once (a chat takes many calls in flight). `serial`: one ordinary row at a time
   * (one SMTP connection), while urgent rows still go at once beside it.
   */
  ordinary: 'parallel' | 'serial';
  /** Called first thing in stop(): close the gate in front of the network (Telegram's WireGate). */
  onStop?: () => void;
}

/**
 * Drains one channel's persisted outbox: each lane in order, urgent rows first and past any pacing
 * (outbox-order.ts), failures retried with the outbox's backoff or the remote side's `retry_after`, for as
 * long as it takes. The one drain loop every channel uses; a channel brings only its `Delivery`.
 */
export class OutboxDrainer<T> {
  readonly #outbox: Outbox<T>;
  readonly #delivery: Delivery<T>;
  readonly #o: DrainerOptions;
  /** Rows being sent, by outbox id, and whether each is express. */
  readonly #busy = new Map<number, { work: Promise<void>; express: boolean }>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  /** Past the stop grace: what still runs is abandoned, its row left as it is, the store not touched. */
  #abandoned = false;
  #lastError: string | null = null;

  constructor(outbox: Outbox<T>, delivery: Delivery<T>, o: DrainerOptions) {
    this.#outbox = outbox;
    this.#delivery = delivery;
    this.#o = o;
  }

  start(): void {
    this.#running = true;
    this.poke();
  }

  /** The last failure while rows still wait, or null: for the channel's health line. */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** Something was queued or a row was done: send what may go now. */
  poke(): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const now = Date.now();
    const rows = this.#outbox.queued();
    let ordinaryBusy = [...this.#busy.values()].some((b) => !b.express);
    for (const s of startable(rows, new Set(this.#busy.keys()), now)) {
      if (this.#o.ordinary === 'serial' && !s.express) {
        if (ordinaryBusy) continue;
        ordinaryBusy = true;
      }
      const item = this.#outbox.get(s.id);
      if (!item) continue;
      const work = this.#deliver(item, s.express).finally(() => {
        this.#busy.delete(item.id);
        this.poke();
      });
      this.#busy.set(item.id, { work, express: s.express });
    }
    if (rows.length === 0) this.#lastError = null;
    const waiting = rows.filter((r) => !this.#busy.has(r.id));
    if (waiting.length === 0) return;
    // A row waiting behind one in flight is poked when that one is done; the timer is for retries and a backstop.
    const later = waiting.filter((r) => r.nextAt > now).map((r) => r.nextAt);
    const delay = later.length > 0 ? Math.min(Math.min(...later) - now, 5000) : 1000;
    this.#timer = setTimeout(() => this.poke(), delay);
    this.#timer.unref();
  }

  /** Resolves when the sends in flight now have finished (recorded or failed), or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    const waited = new AbortController();
    await Promise.race([Promise.allSettled([...this.#busy.values()].map((b) => b.work)), sleep(timeoutMs, waited.signal)]);
    waited.abort();
  }

  /**
   * Stops sending within about `graceMs`, however long the queue. Nothing new starts; sends already on the
   * wire get the grace to be answered and recorded; then the rest is aborted and left queued as it was, for
   * the next start to send again (with the same ids and keys, so a copy the remote side did take shows once).
   */
  async stop(graceMs = 2000): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#o.onStop?.();
    await this.settled(graceMs);
    this.#abandoned = true;
    this.#abort.abort();
  }

  async #deliver(item: OutboxItem<T>, express: boolean): Promise<void> {
    const d = this.#delivery;
    try {
      const record = await d.send(item, { express, signal: this.#abort.signal });
      if (this.#abandoned) return;
      this.#outbox.doneWith(item.id, record);
      this.#lastError = null;
    } catch (err) {
      // Never sent, or cut off after the grace at shutdown: the row stays exactly as it was, no attempt counted.
      if (this.#abandoned || d.isStopping?.(err)) return;
      const verdict = d.judge(item, err);
      const what = d.describe(err);
      const log = this.#o.log;
      switch (verdict.action) {
        case 'done':
          this.#outbox.done(item.id);
          return;
        case 'drop':
          log.error({ lane: item.lane, err: what }, `${this.#o.name} refused a message for good (${verdict.why}); it is dropped`);
          this.#outbox.done(item.id);
          return;
        case 'rewrite':
          this.#outbox.update(item.id, verdict.payload);
          this.#outbox.failed(item.id, what, 0);
          return;
        case 'retry': {
          this.#lastError = what;
          const level = item.attempts % 10 === 0 ? 'warn' : 'debug';
          log[level]({ lane: item.lane, attempts: item.attempts + 1, err: what }, `${this.#o.name}: sending failed; it stays queued and is retried`);
          this.#outbox.failed(item.id, what, verdict.afterMs);
        }
      }
    }
  }
}
