import {
  composeError, composeFinished, composeRequest, composeStarted, decisionLine, formatSeconds, shortPath,
} from '../../conversation/compose.js';
import type { Message, Part, Span } from '../../conversation/message.js';
import type { EventOf, Origin, PendingRequest, SessionInfo } from '../../events/types.js';
import { encodeAnswer, encodeCallback } from './callback-data.js';
import { CAPTION_LIMIT, escapeHtml, MESSAGE_LIMIT, preview, shortDiff, splitMessage, visibleLength, type Block } from './format.js';
import { fitScreen } from './phone-screen.js';
import type { Keyboard } from './types.js';

/**
 * Neutral messages (conversation/message.ts) and command results → Telegram messages (HTML), pure. Nothing here is cut silently: long content
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

export { formatSeconds, shortPath };

/** Spans as Telegram HTML. */
export function spansHtml(spans: readonly Span[]): string {
  return spans
    .map((s) => {
      if (typeof s === 'string') return escapeHtml(s);
      if ('strong' in s) return b(s.strong);
      if ('code' in s) return code(s.code);
      if ('em' in s) return `<i>${escapeHtml(s.em)}</i>`;
      return `<a href="${escapeHtml(s.href)}">${escapeHtml(s.link)}</a>`;
    })
    .join('');
}

function partBlock(p: Part): Block {
  if ('text' in p) return { text: p.text };
  if ('line' in p) return { html: spansHtml(p.line) };
  if ('code' in p) return { pre: p.code };
  if ('diff' in p) return { pre: shortDiff(p.diff.before, p.diff.after, p.diff.maxLines) };
  // A phone shows the end of the screen: that is where a prompt or an error is.
  return { pre: p.screen.replace(/\s+$/, '').split('\n').slice(-SCREEN_TAIL_LINES).join('\n') };
}

/** A message as blocks: its headline in one piece, then its body. */
export function messageBlocks(m: Message): Block[] {
  return [{ html: spansHtml(m.headline) }, ...m.body.map(partBlock)];
}


/** A notice (finished, an error, notify, idle, ended, a burst): messages, or a document beyond a few (the message's `file` names it). */
export function renderNotice(m: Message): Rendered {
  const blocks = messageBlocks(m);
  if (m.body.length === 0 || !m.file) return { kind: 'messages', messages: splitMessage(blocks) };
  return toRendered(blocks, { filename: m.file, header: spansHtml(m.headline) });
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
  return renderRootMessage(composeStarted(session, cwd, { home, webUrl }));
}

/** A session's first message (composeStarted), in one piece: the thread hangs from it. */
export function renderRootMessage(m: Message): string {
  return splitMessage(messageBlocks(m)).join('\n');
}

export function folderName(cwd: string): string {
  return cwd.replace(/\/+$/, '').split('/').pop() || cwd;
}

export function topicName(session: string, cwd: string): string {
  return preview(`${session} · ${folderName(cwd)}`, 120);
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
  return renderRequestMessage(composeRequest(session, r), r);
}

/** A request's message (composeRequest) and how to answer it here. */
export function renderRequestMessage(m: Message, r: PendingRequest): string[] {
  const hint = requestHint(r);
  return splitMessage([...messageBlocks(m), ...(hint ? [{ html: `<i>${escapeHtml(hint)}</i>` }] : [])], REQUEST_LIMIT);
}

/** How to answer on Telegram: the buttons, or a reply to the request's message. */
function requestHint(r: PendingRequest): string | null {
  if (r.kind === 'permission') return r.allows_text ? 'Reply to this message with a reason to deny.' : null;
  if (r.kind === 'screen') return 'Tap a key, or reply to this message to type text (then Enter).';
  if (r.kind === 'question' && r.step && r.multi_select) return 'Tick the options that apply, then Done; or reply to this message in your own words.';
  if ((r.kind === 'question' && r.step) || r.allows_text) return 'Tap an option, or reply to this message to answer in your own words.';
  return null;
}

/** Who decided, for the line added to a request's message. */
export function renderDecision(outcome: string, by: Origin, name: string | null): string {
  return escapeHtml(decisionLine(outcome, by, name));
}

export function renderFinished(e: EventOf<'finished'>): Rendered {
  return renderNotice(composeFinished(e));
}

export function renderError(e: EventOf<'error'>): Rendered {
  return renderNotice(composeError(e));
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
