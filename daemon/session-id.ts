import { randomBytes } from 'node:crypto';

/**
 * Session ids: short hex strings people type (`csm send a1b2 ...`, `/kill a1b2`), never reused. A reply to an
 * old Telegram thread or mail names its session by id, so an id that came back for a new session would route
 * that reply into an unrelated session: every id ever issued stays taken, even after its record is pruned.
 */
export const MIN_ID_LENGTH = 4;
export const MAX_ID_LENGTH = 8;
/** The id as it appears inside other patterns (subject tags, Message-IDs, log file names). */
export const SESSION_ID_SOURCE = `[0-9a-f]{${MIN_ID_LENGTH},${MAX_ID_LENGTH}}`;
/** A whole string that is a session id (case-insensitive: people type A1B2). */
export const SESSION_ID_RE = new RegExp(`^${SESSION_ID_SOURCE}$`, 'i');
export const SESSION_ID_HINT = 'a session id is 4 to 8 hex digits, like a1b2';

/**
 * How many hex digits the next id gets: the shortest length whose space stays at most 1/16 used, so a random
 * draw hits a free id at the first try almost always (4 digits for the first 4,096 sessions, then 5, ...).
 */
export function sessionIdLength(issued: number): number {
  let length = MIN_ID_LENGTH;
  while (length < MAX_ID_LENGTH && issued >= 16 ** length / 16) length++;
  return length;
}

const DRAWS_PER_LENGTH = 64;

/**
 * A random id never issued before. `random(n)` gives n hex digits (injected for tests). Falls back to a longer
 * length when draws keep hitting taken ids (a space fuller than the count says, e.g. ids adopted from old data).
 */
export function drawSessionId(
  isIssued: (id: string) => boolean,
  issuedCount: number,
  random: (digits: number) => string = (digits) => randomBytes(Math.ceil(digits / 2)).toString('hex').slice(0, digits),
): string | null {
  for (let length = sessionIdLength(issuedCount); length <= MAX_ID_LENGTH; length++) {
    for (let i = 0; i < DRAWS_PER_LENGTH; i++) {
      const id = random(length).toLowerCase();
      if (!isIssued(id)) return id;
    }
  }
  return null;
}
