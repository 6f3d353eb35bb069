import type { EventOf } from '../../events/types.js';

/**
 * Live output as Telegram text. Pure. A turn is one message edited in place; what does not fit goes on in
 * the next message of the turn, split at a line (or, for one very long line, a space), never cut.
 * Plain text, no parse mode: Claude's text is shown as written and can never fail to parse.
 */

/** telegram.stream and /stream: what the live output shows. */
export type StreamMode = 'off' | 'messages' | 'tools' | 'all';
export const STREAM_MODES: readonly StreamMode[] = ['off', 'messages', 'tools', 'all'];

export type StreamEvent = EventOf<'assistant_text'> | EventOf<'tool_call'> | EventOf<'tool_result'>;

/** Room for a part's text: Telegram takes 4096 characters, and the header line needs a few. */
export const STREAM_PART_LIMIT = 4000;

/** `text`: Claude's words (paragraphs apart); `line`: a tool call or result (one under the other). */
export type PieceKind = 'text' | 'line';

export function wants(mode: StreamMode, e: StreamEvent): boolean {
  if (e.kind === 'assistant_text') return mode !== 'off';
  if (e.kind === 'tool_call') return mode === 'tools' || mode === 'all';
  return mode === 'all';
}

const ICONS: Record<string, string> = {
  Bash: '⚙', BashOutput: '⚙', KillShell: '⚙', Edit: '✏', MultiEdit: '✏', Write: '✏', NotebookEdit: '✏',
  Read: '📖', Grep: '🔎', Glob: '🔎', WebFetch: '🌐', WebSearch: '🌐', Task: '🤖', Agent: '🤖', TodoWrite: '📋',
};

export function renderPiece(e: StreamEvent): { kind: PieceKind; text: string } {
  switch (e.kind) {
    case 'assistant_text':
      return { kind: 'text', text: e.text.trim() };
    case 'tool_call':
      return { kind: 'line', text: `${ICONS[e.tool] ?? (e.tool.startsWith('mcp__') ? '🔌' : '⚙')} ${e.tool}${e.summary ? ` ${e.summary}` : ''}` };
    case 'tool_result':
      return { kind: 'line', text: `   ${e.is_error ? '✗' : '↳'} ${e.summary}` };
  }
}

export function streamHeader(session: string, part: number): string {
  return part === 0 ? `💬 ${session}` : `💬 ${session} (${part + 1})`;
}

/** The whole text of part `part` as sent. */
export function streamText(session: string, part: number, body: string): string {
  return `${streamHeader(session, part)}\n${body}`;
}

/**
 * Adds a piece to the turn's last part: the new text of that part (null: unchanged) and the parts that
 * follow it. `last` null = the turn has no part yet (or its last one is closed).
 */
export function appendPiece(
  last: { body: string; lastKind: PieceKind } | null,
  piece: { kind: PieceKind; text: string },
  limit = STREAM_PART_LIMIT,
): { updated: string | null; added: string[] } {
  if (piece.text === '') return { updated: null, added: [] };
  if (last && last.body !== '') {
    const sep = piece.kind === 'line' && last.lastKind === 'line' ? '\n' : '\n\n';
    const joined = `${last.body}${sep}${piece.text}`;
    if (joined.length <= limit) return { updated: joined, added: [] };
  }
  return { updated: null, added: splitText(piece.text, limit) };
}

/** Chunks of at most `limit` characters that together are `text`: split after a newline, else a space, else anywhere. */
export function splitText(text: string, limit = STREAM_PART_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    // At the last newline (or space) that leaves the chunk at least half full; that one character goes.
    let at = window.lastIndexOf('\n');
    if (at < limit / 2) at = Math.max(at, window.lastIndexOf(' '));
    if (at > 0) {
      chunks.push(rest.slice(0, at));
      rest = rest.slice(at + 1);
      continue;
    }
    // Never split a surrogate pair (an emoji) in two.
    const cut = /[\uD800-\uDBFF]/.test(rest[limit - 1]!) ? limit - 1 : limit;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  chunks.push(rest);
  return chunks.filter((c) => c !== '');
}
