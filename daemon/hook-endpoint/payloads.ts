import { z } from 'zod';
import { SESSION_ID_RE } from '../session-id.js';

/**
 * The hook JSON Claude Code sends (see ../shared/claude-code-facts.md). Only the fields we use are checked;
 * everything else passes through, because every Claude Code release adds fields.
 */
export const hookPayloadSchema = z.looseObject({
  hook_event_name: z.string().min(1),
  session_id: z.string().optional(),
  cwd: z.string().optional(),
  transcript_path: z.string().optional(),
  source: z.string().optional(),
  prompt: z.string().optional(),
  tool_name: z.string().optional(),
  tool_input: z.record(z.string(), z.unknown()).optional(),
  tool_use_id: z.string().optional(),
  permission_suggestions: z.array(z.unknown()).optional(),
  message: z.string().optional(),
  notification_type: z.string().optional(),
  last_assistant_message: z.string().optional(),
  reason: z.string().optional(),
});
export type HookPayload = z.infer<typeof hookPayloadSchema>;

/** Where the hook ran: headers set by hooks/csm-hook.sh from its environment. */
export interface HookOrigin {
  /** CSM_SESSION_ID: set in sessions the daemon started. */
  sessionId: string | null;
  /** TMUX_PANE, e.g. %3. */
  paneId: string | null;
  /** The socket path from $TMUX ("/tmp/tmux-0/default,1234,0"). */
  tmuxSocket: string | null;
  /** The session came from its own credential: this session or none, never a pane adopted in its name. */
  bound?: boolean;
}

export function hookOriginFromHeaders(headers: Record<string, string | string[] | undefined>): HookOrigin {
  const one = (name: string): string | null => {
    const v = headers[name];
    const s = (Array.isArray(v) ? v[0] : v)?.trim();
    return s ? s : null;
  };
  const tmux = one('x-csm-tmux');
  const session = one('x-csm-session');
  const pane = one('x-csm-pane');
  return {
    sessionId: session && SESSION_ID_RE.test(session) ? session.toLowerCase() : null,
    paneId: pane && /^%\d+$/.test(pane) ? pane : null,
    tmuxSocket: tmux ? tmux.split(',')[0]! : null,
  };
}
