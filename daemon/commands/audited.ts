import type { Origin } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { AuditEntry } from '../store/audit.js';
import type { Commands } from './types.js';

export interface AuditSink {
  record(e: AuditEntry): void;
}

/** Longest `detail` kept: enough to recognise the text, not a copy of every paste. */
export const DETAIL_MAX = 300;

/**
 * The command layer with an audit trail: every action (not the reads: list, get, output, watching) is
 * recorded with who asked, the session, what, when and the outcome, from whichever channel it came. A
 * failure to record is logged and never fails the action.
 */
export function audited(inner: Commands, sink: AuditSink, log: Logger, now: () => number = Date.now): Commands {
  const write = (e: AuditEntry): void => {
    try {
      sink.record(e);
    } catch (err) {
      log.error({ err, action: e.action }, 'could not write the audit log');
    }
  };
  const entry = (action: string, origin: Origin, at: number, session: string | null, detail: string | null): AuditEntry => ({
    at, channel: origin.channel, user: origin.user ?? null, name: origin.name ?? null,
    session_id: session?.toLowerCase() ?? null, action, detail: detail === null ? null : cut(detail), outcome: 'ok', error: null,
  });
  /** Runs `act`, then records it with the detail its result adds; rethrows after recording a failure. */
  const track = async <T>(action: string, origin: Origin, session: string | null, detail: string | null, act: () => Promise<T>, after?: (r: T) => { session?: string; detail?: string }): Promise<T> => {
    const at = now();
    try {
      const r = await act();
      const more = after?.(r);
      write(entry(action, origin, at, more?.session ?? session, more?.detail ?? detail));
      return r;
    } catch (err) {
      write({ ...entry(action, origin, at, session, detail), outcome: 'error', error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  };

  return {
    list: () => inner.list(),
    get: (id) => inner.get(id),
    output: (id, lines) => inner.output(id, lines),
    watchTerminal: (id, viewer, after) => inner.watchTerminal(id, viewer, after),
    // Drawn for a person (origin given) it is recorded; drawn for a channel's own message (an idle mail) it is not.
    screenshot: (id, origin) => (origin ? track('screenshot', origin, id, null, () => inner.screenshot(id, origin)) : inner.screenshot(id)),
    newSession: (input, origin) =>
      track('newSession', origin, null, [input.cwd, ...(input.args ?? [])].join(' '), () => inner.newSession(input, origin), (s) => ({ session: s.id })),
    sendInput: (id, text, origin, options) =>
      track('sendInput', origin, id, text, () => inner.sendInput(id, text, origin, options), (r) => (r.delivered ? {} : { detail: `${cut(text)} (typed, not confirmed)` })),
    answer: (id, input, origin) =>
      track('answer', origin, id, describeAnswer(input), () => inner.answer(id, input, origin), (r) => ({ detail: `${describeAnswer(input)} → ${r.outcome}` })),
    kill: (id, origin) => track('kill', origin, id, null, () => inner.kill(id, origin)),
    keys: (id, keys, origin) => track('keys', origin, id, keys.join(' '), () => inner.keys(id, keys, origin)),
    // Keystrokes from a terminal can be a password typed at a prompt: only their size is kept.
    terminalInput: (id, input, origin) =>
      track('terminalInput', origin, id, 'keys' in input ? `${input.keys.length} characters of keystrokes` : `paste of ${input.paste.length} characters`, () => inner.terminalInput(id, input, origin)),
    saveFile: (id, file, origin) =>
      track('saveFile', origin, id, `${file.name ?? 'unnamed file'} (${file.bytes.length} bytes)`, () => inner.saveFile(id, file, origin), (r) => ({ detail: `${file.name ?? 'unnamed file'} (${file.bytes.length} bytes) → ${r.path}` })),
    notify: (input, origin) => {
      const at = now();
      const base = entry('notify', origin, at, input.session_id ?? null, input.subject ? `${input.subject}: ${input.message}` : input.message);
      try {
        const r = inner.notify(input, origin);
        write(base);
        return r;
      } catch (err) {
        write({ ...base, outcome: 'error', error: err instanceof Error ? err.message : String(err) });
        throw err;
      }
    },
    ask: (id, input, origin, signal) =>
      track('ask', origin, id, input.question, () => inner.ask(id, input, origin, signal), (r) => ({ detail: `${cut(input.question, 200)} → ${r.answered ? `answered (${r.channel}): ${r.answer}` : `not answered: ${r.reason}`}` })),
  };
}

function describeAnswer(input: { request_id?: string; choice: string; message?: string }): string {
  return `${input.choice}${input.message ? ` (${input.message})` : ''}${input.request_id ? ` [${input.request_id}]` : ''}`;
}

function cut(text: string, max = DETAIL_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
