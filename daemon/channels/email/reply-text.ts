import EmailReplyParser from 'email-reply-parser';
import { SESSION_ID_SOURCE } from '../../session-id.js';

/** Lines from which on a reply is our own footer (quoted without `>`) or a mail app's signature. */
const CUT_AT = [new RegExp(`^Reply to this email to send input to session ${SESSION_ID_SOURCE}\\.`, 'i'), /^(Get Outlook for|Sent from Outlook)/i];

/**
 * The text the owner wrote in a reply, without quoted history or signature: Gmail's "On … wrote:", Apple
 * Mail's and Outlook's headers, `>` lines, "Sent from my iPhone" (email-reply-parser knows these). `text` is
 * mailparser's text, which it derives from the HTML part when a mail has no text/plain part.
 */
export function replyText(text: string): string {
  const visible = new EmailReplyParser().parseReply(text.replace(/\r\n?/g, '\n'));
  const lines = visible.split('\n');
  const cut = lines.findIndex((line) => CUT_AT.some((re) => re.test(line.trim())));
  if (cut === -1) return visible.trim();
  const kept = lines.slice(0, cut).join('\n').trim();
  // The `---` that opens our footer goes with it; a rule elsewhere in the owner's text stays.
  return kept.replace(/(^|\n)-{3}$/, '').trim();
}
