import type { OutOp } from './types.js';

/**
 * What handling one update produced: messages to queue and rows to write. They are recorded in one
 * transaction together with "this update is done" (UpdateLog.commit), never half.
 */
export class Turn {
  readonly ops: OutOp[] = [];
  readonly writes: (() => void)[] = [];
  /** Run once the turn is committed: work that must not start before its rows exist (a transcription). */
  readonly after: (() => void)[] = [];
  readonly #markEffect: () => void;

  /** `markEffect` persists that the update is about to do something that must not run twice. */
  constructor(markEffect: () => void) {
    this.#markEffect = markEffect;
  }

  send(op: OutOp): void {
    this.ops.push(op);
  }

  write(fn: () => void): void {
    this.writes.push(fn);
  }

  afterCommit(fn: () => void): void {
    this.after.push(fn);
  }

  /** Call right before typing, answering, starting or killing: see UpdateLog. */
  beforeEffect(): void {
    this.#markEffect();
  }
}
