/**
 * Text placed inside HTML elements, shared by the channels that send HTML (Telegram's parse mode, mail's HTML
 * part). Only element content is escaped here, never attribute values, so &, < and > are all there is.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
