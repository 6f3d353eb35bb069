import { attachAdapter } from '../../conversation/dispatch.js';
import { OutboxDrainer, type Delivery, type Verdict } from '../../conversation/outbox-drainer.js';
import type { Audience } from '../../conversation/router.js';
import type { SessionEvent } from '../../events/types.js';
import { Outbox, type OutboxItem } from '../../store/outbox.js';
import type { Channel, ChannelContext, ChannelHealth } from '../channel.js';
import { isUrgent } from '../../conversation/urgent.js';
import type { WebhookConfig } from './config.js';
import { formatEvent } from './format.js';

/** A mirror: it gets every event and answers nothing. */
export const WEBHOOK_AUDIENCE: Audience = { name: 'webhook', role: 'mirror', progress: true, reminders: true };

interface WebhookOp {
  /** Sent as Idempotency-Key: the same event retried after a crash is recognisable as one. */
  key: string;
  body: string;
  headers: Record<string, string>;
}

class HttpRefusal extends Error {
  constructor(readonly status: number, readonly retryAfterMs: number | undefined) {
    super(`HTTP ${status}`);
  }
}

export function createWebhookChannel(ctx: ChannelContext): Channel {
  const cfg = ctx.config.webhook;
  if (!cfg) throw new Error('createWebhookChannel needs a webhook section in the config');
  return new WebhookChannel(ctx, cfg);
}

/** Every event as a POST to one URL, through the shared outbox: retried until the receiver takes it. */
class WebhookChannel implements Channel, Delivery<WebhookOp> {
  readonly name = 'webhook';
  readonly audience = WEBHOOK_AUDIENCE;
  readonly #ctx: ChannelContext;
  readonly #cfg: WebhookConfig;
  #outbox: Outbox<WebhookOp> | null = null;
  #drainer: OutboxDrainer<WebhookOp> | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(ctx: ChannelContext, cfg: WebhookConfig) {
    this.#ctx = ctx;
    this.#cfg = cfg;
  }

  health(): ChannelHealth {
    const queued = this.#outbox?.size() ?? 0;
    const error = this.#drainer?.lastError;
    if (error && queued > 0) return { ok: false, detail: `${queued} event(s) waiting for ${new URL(this.#cfg.url).host}: ${error}` };
    return { ok: this.#drainer !== null, detail: this.#drainer ? `posting to ${new URL(this.#cfg.url).host}` : 'not started' };
  }

  async start(): Promise<void> {
    const log = this.#ctx.log.child({ channel: 'webhook' });
    this.#outbox = new Outbox<WebhookOp>(this.#ctx.store, 'webhook', { baseDelayMs: 1000, maxDelayMs: 60_000 });
    this.#drainer = new OutboxDrainer(this.#outbox, this, { name: 'webhook', log, ordinary: 'parallel' });
    this.#unsubscribe = attachAdapter(this.#ctx.bus, this.#ctx.reaches, { name: this.name, mirror: true, follow: (e) => this.#onEvent(e) });
    this.#drainer.start();
  }

  #onEvent(e: SessionEvent): void {
    const urgent = (e.kind === 'permission_request' || e.kind === 'waiting_input') && isUrgent(e.request.kind);
    const { body, headers } = formatEvent(e, this.#cfg.format, urgent);
    const key = `${e.session_id || '-'}:${e.kind}:${e.at}:${'request' in e ? e.request.request_id : 'request_id' in e ? e.request_id : 'notify_id' in e ? e.notify_id : ''}`;
    this.#outbox!.enqueue(e.session_id || '-', { key, body, headers }, { urgent });
    this.#drainer!.poke();
  }

  async send(item: OutboxItem<WebhookOp>, o: { signal: AbortSignal }): Promise<void> {
    const op = item.payload;
    const res = await fetch(this.#cfg.url, {
      method: 'POST', body: op.body, headers: { ...op.headers, ...this.#cfg.headers, 'idempotency-key': op.key },
      signal: AbortSignal.any([o.signal, AbortSignal.timeout(15_000)]),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new HttpRefusal(res.status, retryAfterMs(res.headers.get('retry-after')));
  }

  /** 429 and 5xx and the network are passing trouble; any other refusal will not change on a retry. */
  judge(_item: OutboxItem<WebhookOp>, err: unknown): Verdict<WebhookOp> {
    if (!(err instanceof HttpRefusal)) return { action: 'retry' };
    if (err.status === 429 || err.status >= 500) return { action: 'retry', ...(err.retryAfterMs !== undefined ? { afterMs: err.retryAfterMs } : {}) };
    return { action: 'drop', why: `the receiver answered HTTP ${err.status}; check webhook.url and webhook.headers` };
  }

  describe(err: unknown): string {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return err instanceof Error ? `${err.message}${cause ? ` (${cause})` : ''}` : String(err);
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#drainer?.stop();
  }
}

/** Retry-After in seconds or as an HTTP date; capped at an hour. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.min(3600, Math.max(0, seconds)) * 1000 : undefined;
}
