import type { SessionEvent } from '../../events/types.js';
import type { WebhookConfig } from './config.js';

export interface WebhookBody {
  body: string;
  headers: Record<string, string>;
}

/** The event in one line, for people: what every format but `json` shows. Pure. */
export function summary(e: SessionEvent): string {
  const who = e.session_id ? `[${e.session_id}] ` : '';
  switch (e.kind) {
    case 'started': return `${who}${e.adopted ? 'adopted' : 'started'} in ${e.cwd}`;
    case 'permission_request': return `${who}🔐 wants to run ${e.request.title}: ${firstLine(e.request.detail)}`;
    case 'waiting_input': return `${who}❓ ${e.request.title}${e.request.options.length ? ` (${e.request.options.map((o) => o.label).join(' / ')})` : ''}`;
    case 'resolved': return `${who}${e.outcome} (by ${e.by.channel}${e.by.user ? ` ${e.by.user}` : ''})`;
    case 'idle': return `${who}💤 waiting for input${e.last_message ? `: ${firstLine(e.last_message)}` : ''}`;
    case 'idle_long': return `${who}💤 idle for ${Math.round(e.idle_seconds / 60)} min${e.last_message ? `: ${firstLine(e.last_message)}` : ''}`;
    case 'finished': return `${who}✅ finished${e.last_message ? `: ${firstLine(e.last_message)}` : ''}`;
    case 'error': return `${who}⚠️ ${e.message}`;
    case 'dead': return `${who}ended${e.exit_code !== null ? ` (exit ${e.exit_code})` : ''}`;
    case 'notify': return `${who}${e.subject ? `${e.subject}: ` : ''}${e.message}`;
    case 'assistant_text': return `${who}💬 ${firstLine(e.text)}`;
    case 'tool_call': return `${who}⚙ ${e.tool} ${e.summary}`;
    case 'tool_result': return `${who}${e.is_error ? '✗' : '↳'} ${e.summary}`;
  }
}

const firstLine = (text: string): string => {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
};

/** The request for one event, as the configured receiver wants it. Pure. */
export function formatEvent(e: SessionEvent, format: WebhookConfig['format'], urgent: boolean): WebhookBody {
  const text = summary(e);
  const json = { 'content-type': 'application/json' };
  switch (format) {
    case 'json': return { body: JSON.stringify({ event: e, text, urgent }), headers: json };
    case 'slack': return { body: JSON.stringify({ text }), headers: json };
    // Discord refuses content over 2,000 characters.
    case 'discord': return { body: JSON.stringify({ content: text.length > 2000 ? `${text.slice(0, 1999)}…` : text }), headers: json };
    case 'ntfy': return {
      body: text,
      headers: { 'content-type': 'text/plain; charset=utf-8', Title: `csm ${e.session_id || ''}`.trim(), Priority: urgent ? 'high' : 'default', Tags: e.kind },
    };
  }
}
