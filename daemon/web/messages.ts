import { z } from 'zod';
import { SESSION_ID_HINT, SESSION_ID_RE } from '../session-id.js';
import { MAX_KEYSTROKE_CHARS } from '../sessions/terminal-input.js';
import { MAX_INPUT_CHARS } from '../sessions/input-text.js';

/**
 * Everything a browser may send the dashboard, HTTP bodies and WebSocket messages alike. All strict: an
 * unknown field is refused by name. Version 1 of the socket protocol; the server says which in `hello`.
 */
export const PROTOCOL_VERSION = 1;

const sessionId = z.string().regex(SESSION_ID_RE, SESSION_ID_HINT);

export const loginBody = z.strictObject({ token: z.string().min(1).max(200) });
export const newSessionBody = z.strictObject({ cwd: z.string().min(1).max(4096) });
export const answerBody = z.strictObject({ request_id: z.string().max(100).optional(), choice: z.string().min(1).max(MAX_INPUT_CHARS), message: z.string().max(10_000).optional() });
/** Claude Code's own slash commands the dashboard offers as buttons; typed into the session as text. */
export const commandBody = z.strictObject({ command: z.enum(['clear', 'compact']) });
export const emptyBody = z.strictObject({});

const position = z.strictObject({ epoch: z.string().min(1).max(40), seq: z.number().int().min(0) });

export const clientMessage = z.discriminatedUnion('type', [
  /** The event stream, from after `after` (the last seq this page saw) or, without it, the newest only. */
  z.strictObject({ type: z.literal('events'), after: z.number().int().min(0).optional() }),
  /** A session's terminal: a snapshot then the stream, or (with `after`) only what was missed. */
  z.strictObject({ type: z.literal('watch'), session_id: sessionId, after: position.optional() }),
  z.strictObject({ type: z.literal('unwatch'), session_id: sessionId }),
  /** "Take control": until this says on, keys and pastes for the session are refused. */
  z.strictObject({ type: z.literal('control'), session_id: sessionId, on: z.boolean() }),
  z.strictObject({ type: z.literal('keys'), session_id: sessionId, data: z.string().min(1).max(MAX_KEYSTROKE_CHARS) }),
  z.strictObject({ type: z.literal('paste'), session_id: sessionId, text: z.string().min(1).max(MAX_INPUT_CHARS) }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;
