/** Waits between attempts that double after each failure, up to a ceiling, and start over after a success. */
export class Backoff {
  readonly #first: number;
  readonly #max: number;
  #next: number;

  constructor(firstMs: number, maxMs: number) {
    this.#first = firstMs;
    this.#max = Math.max(firstMs, maxMs);
    this.#next = firstMs;
  }

  /** The wait before the next attempt; the one after it is twice as long, up to the ceiling. */
  next(): number {
    const wait = this.#next;
    this.#next = Math.min(this.#max, wait * 2);
    return wait;
  }

  /** It worked: the next failure waits the first wait again. */
  reset(): void {
    this.#next = this.#first;
  }

  /** Whether a failure came since the last success. */
  get failing(): boolean {
    return this.#next !== this.#first;
  }
}
