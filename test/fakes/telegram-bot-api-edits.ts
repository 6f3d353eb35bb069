/**
 * Telegram's pacing of message edits, for the fake Bot API. Telegram does not publish it; bots that edit a
 * message on every token get 429 with retry_after after a few edits a second in one chat (grammY and
 * python-telegram-bot users report about one edit a second as safe). Edits have their own bucket per chat,
 * on top of the chat's message bucket; a test tightens it with `FakeTelegramBotApi.editRateLimit`.
 */
export interface EditLimit {
  perSecond: number;
  burst: number;
}

export class EditLimiter {
  #limit: EditLimit;
  readonly #buckets = new Map<number, { tokens: number; at: number }>();
  /** Edits refused with 429, for tests to see that the limit was reached and obeyed. */
  refused = 0;

  constructor(limit: EditLimit = { perSecond: 1000, burst: 1000 }) {
    this.#limit = limit;
  }

  set(limit: EditLimit): void {
    this.#limit = limit;
    this.#buckets.clear();
  }

  /** Seconds the chat must wait before its next edit (0 = go ahead, token taken). */
  take(chatId: number, now = Date.now()): number {
    const b = this.#buckets.get(chatId) ?? { tokens: this.#limit.burst, at: now };
    b.tokens = Math.min(this.#limit.burst, b.tokens + ((now - b.at) / 1000) * this.#limit.perSecond);
    b.at = now;
    this.#buckets.set(chatId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    this.refused++;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#limit.perSecond));
  }
}
