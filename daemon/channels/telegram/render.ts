import type { EventOf, Origin, PendingRequest, SessionEvent, SessionInfo } from '../../events/types.js';
import { encodeAnswer, encodeCallback } from './callback-data.js';
import { CAPTION_LIMIT, escapeHtml, MESSAGE_LIMIT, preview, shortDiff, splitMessage, visibleLength, type Block } from './format.js';
import { fitScreen } from './phone-screen.js';
import type { Keyboard } from './types.js';

/**
 * Events and command results → Telegram messages (HTML), pure. Nothing here is cut silently: long content
 * is split over several messages, or attached as a .txt document beyond `DOCUMENT_THRESHOLD`.
 */

/** Beyond this many characters (about three messages), a text goes out as a .txt document instead. */
export const DOCUMENT_THRESHOLD = 3 * MESSAGE_LIMIT;
/** A request's message leaves room for the "decided by" line added when it is resolved. */
export const REQUEST_LIMIT = MESSAGE_LIMIT - 300;
const SCREEN_TAIL_LINES = 15;

export type Rendered =
  | { kind: 'messages'; messages: string[] }
  | { kind: 'document'; filename: string; content: string; caption: string };

const b = (s: string): string => `<b>${escapeHtml(s)}</b>`;
const code = (s: string): string => `<code>${escapeHtml(s)}</code>`;

export function shortPath(path: string, home: string): string {
  if (home && (path === home || path.startsWith(home.endsWith('/') ? home : `${home}/`))) return `~${path.slice(home.replace(/\/$/, '').length)}`;
  return path;
}

/** Blocks → messages, or a document when they would make more than a few messages. */
export function toRendered(blocks: Block[], doc: { filename: string; header: string }): Rendered {
  if (visibleLength(blocks) <= DOCUMENT_THRESHOLD) return { kind: 'messages', messages: splitMessage(blocks) };
  const content = blocks.map((bl) => ('html' in bl ? '' : 'text' in bl ? bl.text : bl.pre)).filter((s) => s !== '').join('\n');
  const note = `\n(${content.length} characters: the full text is in the attached file)`;
  const caption = `${doc.header}\n${escapeHtml(preview(content, CAPTION_LIMIT - doc.header.length - note.length - 20))}${escapeHtml(note)}`;
  return { kind: 'document', filename: doc.filename, content, caption };
}

/** `webUrl`: web.public_url; the root then links to the session's page on the dashboard. */
export function renderRoot(session: string, cwd: string, home: string, webUrl?: string): string {
  const link = webUrl ? `\n<a href="${escapeHtml(`${webUrl}/web/#/s/${session}`)}">Open in browser</a>` : '';
  return `🚀 Session ${b(session)} started: ${code(shortPath(cwd, home))}${link}`;
}

export function folderName(cwd: string): string {
  return cwd.replace(/\/+$/, '').split('/').pop() || cwd;
}

export function topicName(session: string, cwd: string): string {
  return preview(`${session} · ${folderName(cwd)}`, 120);
}

/** The blocks of a permission request: headline, description, then the command, diff or detail. */
function requestBlocks(session: string, r: PendingRequest): Block[] {
  const input = r.tool_input ?? {};
  const str = (k: string): string | undefined => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const tool = r.tool_name ?? r.title;
  const command = str('command');
  const file = str('file_path') ?? str('notebook_path') ?? str('path');
  const summary = command ?? file ?? r.title;
  const blocks: Block[] = [{ html: `🔔 ${b(session)} ${escapeHtml(tool)}: ${code(preview(summary.split('\n')[0] ?? '', 200))}` }];
  const description = str('description');
  if (description) blocks.push({ text: description });
  if (command && command.includes('\n')) blocks.push({ pre: command });
  if (tool === 'Edit' && str('old_string') !== undefined) blocks.push({ pre: shortDiff(str('old_string') ?? '', str('new_string') ?? '') });
  else if (tool === 'MultiEdit' && Array.isArray(input['edits'])) {
    for (const e of input['edits'] as { old_string?: string; new_string?: string }[]) blocks.push({ pre: shortDiff(e.old_string ?? '', e.new_string ?? '') });
  } else if (tool === 'Write' && str('content') !== undefined) {
    const content = str('content') ?? '';
    blocks.push({ text: `New content, ${content.split('\n').length} lines:` }, { pre: shortDiff('', content, 20) });
  } else if (!command && r.detail && r.detail !== summary) blocks.push({ pre: r.detail });
  return blocks;
}

/**
 * The buttons of a request: Allow/Deny in one row; one option per row for dialogs and questions; boxes
 * to tick and Done for a multi-select question (`mask` = the boxes ticked so far); the keypad for a screen
 * nobody recognises. Every dialog on screen also offers "Keys…", the keypad, for when its options are not
 * enough (a permission is decided by its hook, an ask_user question has no screen).
 */
export function requestKeyboard(session: string, r: Pick<PendingRequest, 'request_id' | 'kind' | 'options' | 'multi_select' | 'step'>, mask = 0): Keyboard {
  const keys: Keyboard = [[{ text: '⌨ Keys…', data: encodeCallback({ type: 'keypad', session }) }, screenButton(session)]];
  if (r.kind === 'screen') return keypadRows(r.options.map((o, i) => ({ text: o.label, data: encodeAnswer(session, r.request_id, o.key, i) })));
  if (r.multi_select) {
    const boxes = r.options.map((o, i) => [{ text: `${mask & (1 << i) ? '☑' : '☐'} ${preview(o.label, 38)}`, data: encodeCallback({ type: 'toggle', session, request: r.request_id, mask: mask ^ (1 << i) }) }]);
    const chosen = r.options.filter((_, i) => mask & (1 << i)).map((o) => o.key).join(',');
    const done = chosen ? { text: `✅ Done (${chosen})`, data: encodeAnswer(session, r.request_id, chosen, -1) } : { text: '✅ Done', data: encodeCallback({ type: 'toggle', session, request: r.request_id, mask }) };
    return [...boxes, [done], ...keys];
  }
  const buttons = r.options.map((o, i) => ({ text: preview(o.label, 40), data: encodeAnswer(session, r.request_id, o.key, i) }));
  if (r.kind === 'permission') return [buttons, [screenButton(session)]];
  // Only a dialog drawn on screen can need other keys: an ask_user question has none to press.
  return [...buttons.map((btn) => [btn]), ...(r.kind === 'dialog' || r.step ? keys : [])];
}

/** 🖼: the session's screen as an image. */
export function screenButton(session: string): { text: string; data: string } {
  return { text: '🖼 Screen', data: encodeCallback({ type: 'screenshot', session }) };
}

/** The keypad: arrows and Enter first, then the rest, four to a row. */
export function keypadRows(buttons: { text: string; data: string }[]): Keyboard {
  const rows: Keyboard = [];
  for (let i = 0; i < buttons.length; i += 4) rows.push(buttons.slice(i, i + 4));
  return rows;
}

/** A permission request or a waiting dialog/question: the messages (buttons go on the last one). */
export function renderRequest(session: string, r: PendingRequest): string[] {
  let blocks: Block[];
  if (r.kind === 'permission') {
    blocks = requestBlocks(session, r);
    if (r.allows_text) blocks.push({ html: '<i>Reply to this message with a reason to deny.</i>' });
  } else if (r.kind === 'screen') {
    blocks = [{ html: `🖥 ${b(session)} ${escapeHtml(r.title)}` }, { pre: r.detail }, { html: '<i>Tap a key, or reply to this message to type text (then Enter).</i>' }];
  } else if (r.kind === 'question' && r.step) {
    // Claude's own question tool: the header and step, the question, each option with what it means.
    const step = r.step.count > 1 ? ` (${r.step.index + 1} of ${r.step.count})` : '';
    blocks = [{ html: `❓ ${b(session)} ${escapeHtml(r.step.header)}${step}: ${b(preview(r.title, 300))}` }];
    const list = r.options.map((o) => `${o.key}. ${o.label}${o.description ? ` — ${o.description}` : ''}`).join('\n');
    if (list) blocks.push({ text: list });
    blocks.push({
      html: r.multi_select
        ? '<i>Tick the options that apply, then Done; or reply to this message in your own words.</i>'
        : '<i>Tap an option, or reply to this message to answer in your own words.</i>',
    });
  } else {
    blocks = [{ html: `❓ ${b(session)} ${escapeHtml(preview(r.title, 300))}` }];
    if (r.detail && r.detail !== r.title) blocks.push(r.kind === 'dialog' ? { pre: r.detail } : { text: r.detail });
    if (r.allows_text) blocks.push({ html: '<i>Tap an option, or reply to this message to answer in your own words.</i>' });
  }
  return splitMessage(blocks, REQUEST_LIMIT);
}

/** Who decided, for the line added to a request's message. */
export function renderDecision(outcome: string, by: Origin, name: string | null): string {
  const icon = /^denied|^deny/i.test(outcome) ? '🚫' : by.channel === 'daemon' ? '⌛' : '✅';
  if (by.channel === 'terminal') return `${icon} ${escapeHtml(outcome === 'answered in the terminal' ? 'Answered in the terminal' : `${outcome} (in the terminal)`)}`;
  if (by.channel === 'daemon') return `${icon} ${escapeHtml(outcome)}`;
  const who = by.name ?? name ?? (by.user ? `user ${by.user}` : null);
  const where = by.channel === 'telegram' ? 'Telegram' : by.channel === 'web' ? 'the dashboard' : by.channel;
  const by_ = who ? `by ${who} (${where})` : `via ${where}`;
  // "Denied: not now" → "Denied by Alice (Telegram): not now": the person right after what they did.
  const colon = outcome.indexOf(': ');
  const text = colon > 0 ? `${capitalize(outcome.slice(0, colon))} ${by_}: ${outcome.slice(colon + 2)}` : `${capitalize(outcome)} ${by_}`;
  return `${icon} ${escapeHtml(text)}`;
}

export function renderIdle(e: EventOf<'idle'>): string {
  return `💤 ${b(e.session_id)} idle for ${formatSeconds(e.idle_seconds)}`;
}

export function renderDead(e: EventOf<'dead'>): string {
  return `⚰️ ${b(e.session_id)} ended${e.exit_code !== null ? ` (exit code ${e.exit_code})` : ''}`;
}

/** Many idle/dead events at once → one message. */
export function renderBurst(events: SessionEvent[]): string {
  const idle = events.filter((e): e is EventOf<'idle'> => e.kind === 'idle');
  const dead = events.filter((e): e is EventOf<'dead'> => e.kind === 'dead');
  const lines = [`🔔 ${events.length} updates`];
  if (idle.length > 0) lines.push(`💤 idle: ${idle.map((e) => `${b(e.session_id)} (${formatSeconds(e.idle_seconds)})`).join(', ')}`);
  if (dead.length > 0) lines.push(`⚰️ ended: ${dead.map((e) => b(e.session_id)).join(', ')}`);
  return lines.join('\n');
}

export function renderFinished(e: EventOf<'finished'>): Rendered {
  const header = `✅ ${b(e.session_id)} finished`;
  if (!e.last_message) return { kind: 'messages', messages: [header] };
  return toRendered([{ html: header }, { text: e.last_message }], { filename: `${e.session_id}-last-message.txt`, header });
}

export function renderError(e: EventOf<'error'>): Rendered {
  const header = `❌ ${b(e.session_id)} error: ${escapeHtml(preview(e.message, 500))}`;
  const tail = e.screen_tail.replace(/\s+$/, '').split('\n').slice(-SCREEN_TAIL_LINES).join('\n');
  return toRendered([{ html: header }, { pre: tail }], { filename: `${e.session_id}-error.txt`, header });
}

export function renderNotify(e: EventOf<'notify'>): Rendered {
  const who = e.session_id ? ` ${b(e.session_id)}` : '';
  const header = `📣${who}${e.subject ? ` ${b(preview(e.subject, 200))}` : ''}`;
  return toRendered([{ html: header }, { text: e.message }], { filename: `notify-${e.notify_id}.txt`, header });
}

export function renderStatusLine(s: SessionInfo, home: string): string {
  const pending = s.pending ? ` — waiting: ${escapeHtml(preview(s.pending.title, 60))}` : '';
  return `${statusIcon(s)} ${b(s.id)} ${escapeHtml(s.status)} · ${code(shortPath(s.cwd, home))}${pending}`;
}

export function renderSessionList(sessions: SessionInfo[], home: string): { html: string; keyboard: Keyboard } {
  if (sessions.length === 0) return { html: 'No sessions. Start one with /new &lt;path&gt;.', keyboard: [] };
  const html = [`${sessions.length} session${sessions.length === 1 ? '' : 's'}:`, ...sessions.map((s) => renderStatusLine(s, home))].join('\n');
  const keyboard = sessions.map((s) => [{ text: topicName(s.id, s.cwd), data: encodeCallback({ type: 'open', session: s.id }) }]);
  return { html, keyboard };
}

/** Status and the last screen lines of one session. */
export function renderStatus(s: SessionInfo, screen: string | null, home: string): string[] {
  const blocks: Block[] = [{ html: renderStatusLine(s, home) }];
  if (s.last_message) blocks.push({ text: `Last message: ${preview(s.last_message, 600)}` });
  if (screen !== null && screen.trim() !== '') blocks.push({ pre: screen });
  return splitMessage(blocks);
}

/**
 * `/output`: the screen's last lines made to read on a phone (phone-screen.ts), in one message, with 🖼 for
 * the image of the whole screen; what did not fit is said, never cut silently.
 */
export function renderOutput(session: string, screen: string, lines: number): { html: string; keyboard: Keyboard } {
  const keyboard = [[screenButton(session)]];
  const header = `🖥 ${b(session)} last ${lines} lines`;
  const fit = fitScreen(screen, MESSAGE_LIMIT - 200);
  if (fit.text === '') return { html: `${header}: (empty screen)`, keyboard };
  const note = fit.dropped > 0 ? `\n<i>${fit.dropped} line${fit.dropped === 1 ? '' : 's'} above did not fit: 🖼 shows the whole screen.</i>` : '';
  return { html: `${header}\n<pre>${escapeHtml(fit.text)}</pre>${note}`, keyboard };
}

/** The caption of a screen image. */
export function renderScreenCaption(session: string, why?: string): string {
  return `🖼 ${b(session)} ${escapeHtml(why ?? 'screen')}`;
}

export function renderHelp(commands: ReadonlyArray<{ command: string; description: string }>): string {
  return [
    '<b>Claude Session Manager</b>',
    ...commands.map((c) => `/${c.command} — ${escapeHtml(c.description)}`),
    '',
    'Reply to any message of a session to type into it. Tap the buttons to answer permission requests; reply to one with a reason to deny it.',
  ].join('\n');
}

function statusIcon(s: SessionInfo): string {
  switch (s.status) {
    case 'waiting_permission': return '🔔';
    case 'waiting_input': return '❓';
    case 'idle': return '💤';
    case 'dead': return '⚰️';
    default: return '▶️';
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
