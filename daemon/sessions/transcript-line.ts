import { isAbsolute, relative } from 'node:path';
import { z } from 'zod';

/**
 * One line of Claude Code's transcript (the JSONL file at every hook's `transcript_path`) → what it says for
 * live output. Pure. Checked on the lines 2.1.197 and the latest write (test/fixtures/transcripts/): a prompt
 * and each tool result are `type: "user"` lines carrying the prompt's `promptId`; each content block of an
 * assistant message is its own `type: "assistant"` line with its own `uuid` (no promptId); everything else
 * (attachments, snapshots, api-request records, turn_duration) says nothing a person follows.
 */
export type TranscriptEntry =
  | { type: 'assistant_text'; entry_id: string; text: string }
  | { type: 'tool_call'; entry_id: string; tool_use_id: string; tool: string; summary: string }
  | { type: 'tool_result'; entry_id: string; tool_use_id: string; summary: string; is_error: boolean };

export interface ParsedLine {
  /** The turn this line belongs to, when the line says (user lines carry their prompt's id). */
  turn_id: string | null;
  entries: TranscriptEntry[];
}

const NOTHING: ParsedLine = { turn_id: null, entries: [] };

// Loose on purpose: Claude Code adds fields with every release; only what is read here is checked.
const block = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.record(z.string(), z.unknown()).optional(),
  tool_use_id: z.string().optional(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});
const lineSchema = z.looseObject({
  type: z.string(),
  uuid: z.string().optional(),
  promptId: z.string().optional(),
  isSidechain: z.boolean().optional(),
  isMeta: z.boolean().optional(),
  cwd: z.string().optional(),
  message: z.looseObject({ role: z.string().optional(), content: z.union([z.string(), z.array(block)]).optional() }).optional(),
});
type Block = z.infer<typeof block>;

export function parseTranscriptLine(line: string): ParsedLine {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return NOTHING;
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) return NOTHING;
  const l = parsed.data;
  // A subagent's lines are its own conversation; the person follows the main one.
  if (l.isSidechain || !l.uuid || !l.message) return NOTHING;
  const content = l.message.content;
  const blocks: Block[] = typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);
  const idOf = (i: number): string => (blocks.length > 1 ? `${l.uuid}:${i}` : l.uuid!);

  if (l.type === 'user') {
    const results: TranscriptEntry[] = [];
    blocks.forEach((b, i) => {
      if (b.type === 'tool_result' && b.tool_use_id) {
        results.push({ type: 'tool_result', entry_id: idOf(i), tool_use_id: b.tool_use_id, summary: summarizeResult(b.content), is_error: b.is_error === true });
      }
    });
    // Meta lines (command caveats, hook output) are not prompts; a prompt without promptId counts by its uuid.
    const isPrompt = !l.isMeta && results.length === 0;
    return { turn_id: l.promptId ?? (isPrompt ? l.uuid : null), entries: results };
  }
  if (l.type !== 'assistant') return NOTHING;
  const entries: TranscriptEntry[] = [];
  blocks.forEach((b, i) => {
    if (b.type === 'text' && b.text && b.text.trim() !== '') entries.push({ type: 'assistant_text', entry_id: idOf(i), text: b.text });
    else if (b.type === 'tool_use' && b.name && b.id) {
      entries.push({ type: 'tool_call', entry_id: idOf(i), tool_use_id: b.id, tool: b.name, summary: summarizeToolCall(b.name, b.input ?? {}, l.cwd) });
    }
  });
  return { turn_id: null, entries };
}

const MAX_SUMMARY = 200;

/** The one part of a tool call a person glances at: the command, the file (relative to the session), the pattern. */
export function summarizeToolCall(tool: string, input: Record<string, unknown>, cwd?: string): string {
  const str = (k: string): string | undefined => (typeof input[k] === 'string' && input[k] !== '' ? (input[k] as string) : undefined);
  const path = (p: string): string => {
    if (!cwd || !isAbsolute(p)) return p;
    const rel = relative(cwd, p);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  const file = str('file_path') ?? str('notebook_path');
  const pick =
    str('command') ??
    (file ? path(file) : undefined) ??
    (str('pattern') ? [str('pattern'), str('path') ? path(str('path')!) : undefined].filter(Boolean).join(' in ') : undefined) ??
    str('url') ?? str('query') ?? str('description') ?? str('prompt') ?? str('skill') ??
    (str('path') ? path(str('path')!) : undefined);
  if (pick !== undefined) return oneLine(pick);
  if (tool === 'TodoWrite' && Array.isArray(input['todos'])) return `${input['todos'].length} items`;
  return '';
}

/** A tool result in short: its first non-empty line, and how many more lines there were. */
export function summarizeResult(content: unknown): string {
  const text = typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((c) => (typeof c === 'object' && c !== null && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : '')).join('\n')
      : '';
  const lines = text.split('\n').filter((x) => x.trim() !== '');
  if (lines.length === 0) return '(no output)';
  const more = lines.length - 1;
  return `${oneLine(lines[0]!)}${more > 0 ? ` (+${more} line${more === 1 ? '' : 's'})` : ''}`;
}

function oneLine(s: string): string {
  const first = s.split('\n').find((x) => x.trim() !== '') ?? '';
  const extra = s.trim().includes('\n') ? ' …' : '';
  const line = first.trim();
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : `${line}${extra}`;
}
