import type { EventOf, Origin, PendingRequest, SessionEvent } from '../events/types.js';
import { isUrgent } from './urgent.js';
import { code, strong, type Message, type Part, type Span } from './message.js';
import { preview } from './text.js';

/**
 * Events → neutral messages (message.ts): what is said about a session, once, for every channel. Pure.
 * How it looks (HTML and buttons, a mail and its instructions) is each channel's rendering.
 */

/** What composing needs beyond the event. */
export interface ComposeContext {
  /** For `~` in the paths shown (none: paths in full). */
  home?: string;
  /** web.public_url: a session's first message links to its page on the dashboard. */
  webUrl?: string | undefined;
}

/** `~` for the home folder, so a path reads on a phone. */
export function shortPath(path: string, home: string): string {
  if (home && (path === home || path.startsWith(home.endsWith('/') ? home : `${home}/`))) return `~${path.slice(home.replace(/\/$/, '').length)}`;
  return path;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export const oneLine = (s: string, max: number): string => preview(s.replace(/\s+/g, ' ').trim(), max);

/** A session's first message: where it runs, and its dashboard page when there is one. */
export function composeStarted(session: string, cwd: string, ctx: ComposeContext, adopted = false): Message {
  const body: Part[] = ctx.webUrl ? [{ line: [{ link: 'Open in browser', href: `${ctx.webUrl}/web/#/s/${session}` }] }] : [];
  return { kind: 'started', opens: { cwd, adopted }, session, title: `Session ${session} started in ${cwd}`, headline: ['🚀 Session ', strong(session), ' started: ', code(shortPath(cwd, ctx.home ?? ''))], body, urgent: false };
}

/** The key a request's message is known by, for the edit that says how it was decided. */
export const requestKey = (requestId: string): string => `req:${requestId}`;

/**
 * A request a session waits on: a permission (what the tool would do: the command, the diff, the new file),
 * Claude's own question, a dialog, or a screen nobody recognises. The options are the request's.
 */
export function composeRequest(session: string, r: PendingRequest): Message {
  const base = { kind: 'request' as const, session, request: r, urgent: isUrgent(r.kind), key: requestKey(r.request_id) };
  if (r.kind === 'permission') return { ...base, title: `Permission: ${oneLine(`${r.title}: ${r.detail}`, 100)}`, ...permission(session, r) };
  if (r.kind === 'screen') {
    return { ...base, title: 'Waiting on a screen csm does not recognise', headline: ['🖥 ', strong(session), ` ${r.title}`], body: [{ code: r.detail }], screen: session };
  }
  if (r.kind === 'question' && r.step) {
    const step = r.step.count > 1 ? ` (${r.step.index + 1} of ${r.step.count})` : '';
    const list = r.options.map((o) => `${o.key}. ${o.label}${o.description ? ` — ${o.description}` : ''}`).join('\n');
    return { ...base, title: `Question: ${oneLine(r.title, 100)}`, headline: ['❓ ', strong(session), ` ${r.step.header}${step}: `, strong(preview(r.title, 300))], body: list ? [{ text: list }] : [] };
  }
  const body: Part[] = r.detail && r.detail !== r.title ? [r.kind === 'dialog' ? { code: r.detail } : { text: r.detail }] : [];
  return { ...base, title: `${r.kind === 'question' ? 'Question' : 'Waiting'}: ${oneLine(r.title, 100)}`, headline: ['❓ ', strong(session), ` ${preview(r.title, 300)}`], body };
}

/** A permission: the tool and what it acts on, its description, then the command, diff or detail. */
function permission(session: string, r: PendingRequest): { headline: Span[]; body: Part[] } {
  const input = r.tool_input ?? {};
  const str = (k: string): string | undefined => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const tool = r.tool_name ?? r.title;
  const command = str('command');
  const file = str('file_path') ?? str('notebook_path') ?? str('path');
  const summary = command ?? file ?? r.title;
  const headline: Span[] = ['🔔 ', strong(session), ` ${tool}: `, code(preview(summary.split('\n')[0] ?? '', 200))];
  const body: Part[] = [];
  const description = str('description');
  if (description) body.push({ text: description });
  if (command && command.includes('\n')) body.push({ code: command });
  if (tool === 'Edit' && str('old_string') !== undefined) body.push({ diff: { before: str('old_string') ?? '', after: str('new_string') ?? '' } });
  else if (tool === 'MultiEdit' && Array.isArray(input['edits'])) {
    for (const e of input['edits'] as { old_string?: string; new_string?: string }[]) body.push({ diff: { before: e.old_string ?? '', after: e.new_string ?? '' } });
  } else if (tool === 'Write' && str('content') !== undefined) {
    const content = str('content') ?? '';
    body.push({ text: `New content, ${content.split('\n').length} lines:` }, { diff: { before: '', after: content, maxLines: 20 } });
  } else if (!command && r.detail && r.detail !== summary) body.push({ code: r.detail });
  return { headline, body };
}

/**
 * Who decided a request and how, in one line: "Denied by Alice (Telegram): not now". `name`: the person's
 * name where the channel knows it better than the origin does.
 */
export function decisionLine(outcome: string, by: Origin, name: string | null): string {
  const icon = /^denied|^deny/i.test(outcome) ? '🚫' : by.channel === 'daemon' ? '⌛' : '✅';
  if (by.channel === 'terminal') return `${icon} ${outcome === 'answered in the terminal' ? 'Answered in the terminal' : `${outcome} (in the terminal)`}`;
  if (by.channel === 'daemon') return `${icon} ${outcome}`;
  const who = by.name ?? name ?? (by.user ? `user ${by.user}` : null);
  const where = by.channel === 'telegram' ? 'Telegram' : by.channel === 'web' ? 'the dashboard' : by.channel;
  const by_ = who ? `by ${who} (${where})` : `via ${where}`;
  // The person right after what they did.
  const colon = outcome.indexOf(': ');
  const text = colon > 0 ? `${capitalize(outcome.slice(0, colon))} ${by_}: ${outcome.slice(colon + 2)}` : `${capitalize(outcome)} ${by_}`;
  return `${icon} ${text}`;
}

/** How a request was decided: an edit of the request's message (its key), for a channel that can edit. */
export function composeDecision(e: EventOf<'resolved'>, name: string | null): Message {
  const line = decisionLine(e.outcome, e.by, name);
  return { kind: 'decision', session: e.session_id, title: line, headline: [line], body: [], urgent: false, key: requestKey(e.request_id), decides: e.request_id };
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function composeFinished(e: EventOf<'finished'>): Message {
  const s = e.session_id;
  return {
    kind: 'finished', session: s, title: e.last_message ? `Finished: ${oneLine(e.last_message, 80)}` : 'Finished', headline: ['✅ ', strong(s), ' finished'],
    body: e.last_message ? [{ text: e.last_message }] : [], urgent: false, file: `${s}-last-message.txt`,
  };
}

export function composeError(e: EventOf<'error'>): Message {
  const s = e.session_id;
  return {
    kind: 'error', session: s, title: `Error: ${oneLine(e.message, 80)}`, headline: ['❌ ', strong(s), ` error: ${preview(e.message, 500)}`],
    body: [{ screen: e.screen_tail }], screen: s, urgent: false, file: `${s}-error.txt`,
  };
}

export function composeNotify(e: EventOf<'notify'>): Message {
  const s = e.session_id || null;
  const headline: Span[] = ['📣', ...(s ? [' ', strong(s)] : []), ...(e.subject ? [' ', strong(preview(e.subject, 200))] : [])];
  return { kind: 'notify', session: s, title: e.subject ?? oneLine(e.message.split('\n')[0] ?? '', 80), headline, body: [{ text: e.message }], urgent: false, file: `notify-${e.notify_id}.txt` };
}

export function composeIdle(e: EventOf<'idle'>): Message {
  const s = e.session_id;
  return { kind: 'idle', session: s, title: `Idle for ${formatSeconds(e.idle_seconds)}`, headline: ['💤 ', strong(s), ` idle for ${formatSeconds(e.idle_seconds)}`], body: [], screen: s, urgent: false };
}

export function composeDead(e: EventOf<'dead'>): Message {
  const s = e.session_id;
  const exit = e.exit_code !== null ? ` (exit code ${e.exit_code})` : '';
  return { kind: 'ended', session: s, title: `Ended${exit}`, headline: ['⚰️ ', strong(s), ` ended${exit}`], body: [], urgent: false };
}

/** Many sessions going idle or ending at once: one message instead of a flood. */
export function composeBurst(events: readonly (EventOf<'idle'> | EventOf<'dead'>)[]): Message {
  const idle = events.filter((e): e is EventOf<'idle'> => e.kind === 'idle');
  const dead = events.filter((e): e is EventOf<'dead'> => e.kind === 'dead');
  const list = (label: string, spans: Span[][]): Part => ({ line: [label, ...spans.flatMap((x, i) => (i > 0 ? [', ', ...x] : x))] });
  const body: Part[] = [];
  if (idle.length > 0) body.push(list('💤 idle: ', idle.map((e) => [strong(e.session_id), ` (${formatSeconds(e.idle_seconds)})`])));
  if (dead.length > 0) body.push(list('⚰️ ended: ', dead.map((e) => [strong(e.session_id)])));
  return { kind: 'burst', session: null, title: `${events.length} updates`, headline: [`🔔 ${events.length} updates`], body, urgent: false };
}

/** A session that has sat idle for long (`idle_long`): a reminder with what it last said and showed. */
export function composeIdleReminder(e: EventOf<'idle_long'>, cwd: string | null): Message {
  const minutes = Math.round(e.idle_seconds / 60);
  const spell = minutes >= 1 ? `${minutes} min` : `${e.idle_seconds} s`;
  const body: Part[] = [];
  if (e.last_message) body.push({ text: "Claude's last message:" }, { text: e.last_message });
  if (e.screen_tail.trim()) body.push({ screen: e.screen_tail });
  return {
    kind: 'reminder', session: e.session_id, title: `Idle for ${spell}: waiting for you`,
    headline: [`Session ${e.session_id}${cwd ? ` (${cwd})` : ''} has been idle for ${spell} and waits for you.`], body, screen: e.session_id, urgent: false,
  };
}

/**
 * The message an event makes on its own, for channels that take each event as it comes; null for the
 * events that are a channel's own business (live output, how a request was decided).
 */
export function composeEvent(e: SessionEvent, ctx: ComposeContext & { cwdOf: (session: string) => string | null }): Message | null {
  switch (e.kind) {
    case 'started': return composeStarted(e.session_id, e.cwd, ctx, e.adopted);
    case 'permission_request':
    case 'waiting_input': return composeRequest(e.session_id, e.request);
    case 'finished': return composeFinished(e);
    case 'error': return composeError(e);
    case 'notify': return composeNotify(e);
    case 'idle': return composeIdle(e);
    case 'dead': return composeDead(e);
    case 'idle_long': return composeIdleReminder(e, ctx.cwdOf(e.session_id));
    case 'resolved':
    case 'assistant_text':
    case 'tool_call':
    case 'tool_result': return null;
  }
}
