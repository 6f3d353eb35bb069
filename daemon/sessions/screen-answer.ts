import { setTimeout as delay } from 'node:timers/promises';
import { classifyScreen, keysToChoose, nextQuestionStep, REVIEW_QUESTION, type QuestionTarget } from '../screen/classify.js';
import type { ScreenState } from '../screen/types.js';

/** What answering on screen needs of a pane: read it, press one key, type text. */
export interface PaneIo {
  capture(): Promise<string>;
  press(key: string): Promise<void>;
  type(text: string): Promise<void>;
}

/** How long one key may take to show on screen before the screen is read again anyway. */
const STEP_MS = 1500;
/** A frame unchanged this long after a key is the program's answer to it, not a half-drawn one. */
const SETTLE_MS = 120;
const SETTLE_POLL_MS = 30;
/** A dialog needs only a few keys; this bounds a program that never reacts. */
const MAX_STEPS = 40;
/** How long Claude Code may take to draw a question dialog's "Review your answers" step. */
const REVIEW_MS = 2000;

/**
 * Answers the question dialog on screen by pressing one key at a time and reading the screen after each:
 * keys sent in a burst reach Claude Code as one read, and 2.1.197 then takes "Down Enter" as Enter alone.
 * Ends when the question is no longer shown; submits the "Review your answers" step if one follows.
 * Returns false when the program did not get there within the step bound.
 */
export async function answerQuestionOnScreen(io: PaneIo, question: string, target: QuestionTarget): Promise<boolean> {
  let text = await io.capture();
  let typed = false;
  for (let i = 0; i < MAX_STEPS; i++) {
    const screen = classifyScreen(text);
    if (screen.kind !== 'question' || screen.question !== question) return submitReview(io, text);
    const step = nextQuestionStep(screen, target, typed);
    if ('literal' in step) {
      await io.type(step.literal);
      typed = true;
    } else await io.press(step.key);
    text = await changed(io, text);
  }
  return false;
}

async function submitReview(io: PaneIo, first: string): Promise<boolean> {
  const deadline = Date.now() + REVIEW_MS;
  let text = first;
  for (;;) {
    const screen: ScreenState = classifyScreen(text);
    if (screen.kind === 'dialog' && screen.question === REVIEW_QUESTION) {
      const submit = screen.options.findIndex((o) => /^Submit/i.test(o.label));
      if (submit < 0) return false;
      for (const key of keysToChoose(screen.options, submit)) {
        await io.press(key);
        text = await changed(io, text);
      }
      return true;
    }
    // Back at the prompt or working: there was no review step. (In between, frames may be half drawn.)
    if (screen.kind === 'idle' || screen.kind === 'busy' || Date.now() > deadline) return true;
    await delay(100);
    text = await io.capture();
  }
}

/**
 * The screen once it differs from `before` and has stopped changing: Claude Code redraws in parts (the
 * footer before the cursor), and a half-drawn frame would show the cursor where it no longer is.
 * Bounded: a key that changed nothing still moves on.
 */
async function changed(io: PaneIo, before: string): Promise<string> {
  const deadline = Date.now() + STEP_MS;
  let last = before;
  let stableSince = 0;
  for (;;) {
    await delay(SETTLE_POLL_MS);
    const now = await io.capture();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (last !== before && Date.now() - stableSince >= SETTLE_MS) return last;
    if (Date.now() > deadline) return last;
  }
}
