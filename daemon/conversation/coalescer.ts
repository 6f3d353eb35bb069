/**
 * Holds low-priority notices (idle, ended) for a short window, so that a burst (ten sessions going idle at
 * once) leaves as one message instead of a flood. Channel-neutral: the channel says how what was held is
 * sent, one notice or several.
 */
export class Coalescer<T> {
  readonly #windowMs: number;
  readonly #release: (held: T[]) => void;
  #held: T[] = [];
  #timer: NodeJS.Timeout | null = null;

  /** `release` gets what was held, oldest first, never empty. */
  constructor(o: { windowMs: number; release: (held: T[]) => void }) {
    this.#windowMs = o.windowMs;
    this.#release = o.release;
  }

  /** Holds `item`; the window starts with the first item held. */
  hold(item: T): void {
    this.#held.push(item);
    this.#timer ??= setTimeout(() => this.flush(), this.#windowMs);
  }

  /** Whether something held matches (a newer event of its session must wait for it: see flush). */
  holds(match: (item: T) => boolean): boolean {
    return this.#held.some(match);
  }

  /** Releases what is held now (before a newer event of a held session, and on stop, so none is lost). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const held = this.#held;
    this.#held = [];
    if (held.length > 0) this.#release(held);
  }
}
