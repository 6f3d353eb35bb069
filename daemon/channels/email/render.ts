import { composeIdleReminder, composeRequest, oneLine } from '../../conversation/compose.js';
import { plain, type Message, type Part } from '../../conversation/message.js';
import { shortDiff } from '../../conversation/text.js';
import type { EventOf, PendingRequest } from '../../events/types.js';
import { escapeHtml } from '../html.js';

/** A mail ready for the outbox, before threading headers. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** What a mail's footer needs to bring a reply back to its session. */
export interface SessionRef {
  session: string;
  /** footerRef(session, token): lets a reply that lost its headers still prove it answers us. */
  ref: string;
  /** The session's page on the dashboard (web.public_url set), linked from the footer. */
  web?: string | undefined;
}

const FENCE = /^```[^\n]*\n([\s\S]*?)\n```$/gm;

/**
 * Subject tag, content, then the footer. Plain text for every client; an HTML part where code blocks stay
 * monospaced and unwrapped (a phone's mail app otherwise reflows terminal output into mush).
 */
export function compose(to: SessionRef | null, subject: string, body: string, o: { imageCid?: string } = {}): MailContent {
  const tag = to ? `[claude-${to.session}]` : '[csm]';
  const footer = to
    ? [`Reply to this email to send input to session ${to.session}.`, ...(to.web ? [`Open in browser: ${to.web}`] : []), `(${to.ref})`]
    : ['Sent by claude-session-manager.'];
  const text = `${body.trimEnd()}${o.imageCid ? '\n\n(The screen is attached as an image.)' : ''}\n\n---\n${footer.join('\n')}\n`;
  const image = o.imageCid ? `<p><img src="cid:${escapeHtml(o.imageCid)}" alt="The session's screen" style="max-width:100%;height:auto;border-radius:4px"></p>` : '';
  const html =
    `<div style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.4">${bodyHtml(body)}${image}` +
    `<hr style="border:0;border-top:1px solid #ccc"><p style="color:#777;font-size:12px">${footer.map(escapeHtml).join('<br>')}</p></div>`;
  return { subject: `${tag} ${oneLine(subject, 150)}`, text, html };
}

const PRE = 'font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre';

function bodyHtml(body: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of body.matchAll(FENCE)) {
    parts.push(paragraphs(body.slice(last, m.index)));
    parts.push(`<pre style="${PRE}">${escapeHtml(m[1]!)}</pre>`);
    last = m.index + m[0].length;
  }
  parts.push(paragraphs(body.slice(last)));
  return parts.join('');
}

function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p style="white-space:pre-wrap">${escapeHtml(p)}</p>`)
    .join('');
}

const code = (s: string): string => '```\n' + s.replace(/```/g, "'''") + '\n```';

/** A part of a message as mail text: code fenced (the HTML part keeps it monospaced, see compose). */
function partText(p: Part): string {
  if ('text' in p) return p.text;
  if ('line' in p) return plain(p.line);
  if ('code' in p) return code(p.code);
  if ('diff' in p) return code(shortDiff(p.diff.before, p.diff.after, p.diff.maxLines));
  return `The screen ends with:\n\n${code(p.screen)}`;
}

/**
 * A neutral message as a mail: its title is the subject; the headline, then the body. A request is said in
 * mail's own words, with how to answer it by reply (there are no buttons).
 */
export function renderMail(m: Message): { subject: string; body: string } {
  if (m.request) return { subject: m.title, body: requestBody(m.request) };
  const body = m.body.filter((p) => !('screen' in p) || p.screen.trim() !== '');
  return { subject: m.title, body: [plain(m.headline), ...body.map(partText)].join('\n\n') };
}

export function renderIdleSummary(e: EventOf<'idle_long'>, cwd: string | null): { subject: string; body: string } {
  return renderMail(composeIdleReminder(e, cwd));
}

export function renderRequest(r: PendingRequest, session = ''): { subject: string; body: string } {
  return renderMail(composeRequest(session, r));
}

/** How to answer a request by mail; what the incoming side understands (see incoming.ts). */
function requestBody(r: PendingRequest): string {
  const options = r.options.map((o) => `  ${o.key}. ${o.label}${o.description ? ` — ${o.description}` : ''}`).join('\n');
  if (r.kind === 'permission') {
    // Mail has room for the tool's input in full (the edit's old and new text), where a phone shows a short diff.
    return `Claude asks to use ${r.title}:\n\n${code(r.detail)}\n\nReply with "allow", "always" (allow and don't ask again) or "deny", optionally followed by a reason for Claude.`;
  }
  if (r.kind === 'question' && r.step) {
    // Claude's own question tool: the question once, the options with what they mean.
    const step = r.step.count > 1 ? ` (question ${r.step.index + 1} of ${r.step.count})` : '';
    const how = r.multi_select
      ? 'Reply with the numbers of all options that apply (for example "1,3"), or in your own words.'
      : "Reply with an option's number or label, or in your own words.";
    return `Claude asks${step}, about ${r.step.header}:\n\n${r.title}\n\nOptions:\n${options}\n\n${how}`;
  }
  if (r.kind === 'question') {
    return `Claude asks:\n\n${r.detail}${options ? `\n\nOptions:\n${options}` : ''}\n\nReply with your answer${options ? " (an option's number or label, or your own words)" : ''}.`;
  }
  if (r.kind === 'screen') {
    return `The session shows a screen csm does not know, and it has not changed for a while: it may be waiting for a key.\n\n${code(r.detail)}\n\nReply with a key name to press it (${r.options.map((o) => o.key).join(', ')}), or with text to type it followed by Enter.`;
  }
  return `The session shows a dialog:\n\n${code(r.detail)}\n\nOptions:\n${options}\n\nReply with the number of the option to choose.`;
}
