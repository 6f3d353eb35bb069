import type { HookOrigin, HookPayload } from '../hook-endpoint/payloads.js';
import type { Logger } from '../logger.js';
import type { Tmux } from '../tmux/tmux.js';
import { newRequestId, PERMISSION_OPTIONS, type HookDecision, type QuestionFlow } from './pending.js';
import { ASK_USER_QUESTION, parseAskUserQuestion, questionRequest } from './questions.js';
import type { SessionManager } from './session-manager.js';
import type { SessionRecord } from './session-store.js';

/** What the hook endpoint answers: a decision for PermissionRequest, nothing for the rest. */
export type HookAnswer = { hookSpecificOutput: { hookEventName: 'PermissionRequest'; decision: HookDecision } } | null;

export interface HookIntakeDeps {
  manager: SessionManager;
  log: Logger;
  tmuxAt: (socketPath: string) => Tmux;
  ownTmux: Tmux;
  ownSocketPath: () => Promise<string | null>;
  /** Called when a prompt reached Claude (UserPromptSubmit, or /clear's new SessionStart): input.ts waits on it. */
  onPromptSubmitted: (sessionId: string, prompt: string | null) => void;
  /** The daemon noticed activity: screen state is worth checking soon. */
  onActivity: (sessionId: string) => void;
  /** Every hook names the session's transcript: live output follows it (see transcript-follow.ts). */
  onTranscript?: (sessionId: string, path: string) => void;
  /**
   * Resolves once the transcript follower has emitted the turn's last text (or gave up waiting), so the live
   * output is complete before the turn's `finished` event.
   */
  transcriptRead?: (sessionId: string, lastText: string | null) => Promise<void>;
}

/**
 * Turns hook events into session state and events. Hooks are the exact, fast signal; the screen watcher
 * covers what hooks do not say (dialogs without a hook, answers typed in the terminal, crashes).
 */
export class HookIntake {
  readonly #d: HookIntakeDeps;
  readonly #unknownLogged = new Set<string>();

  constructor(deps: HookIntakeDeps) {
    this.#d = deps;
  }

  /** Our MCP server in session `id` is connected (see SessionManager.mcpReady). */
  mcpReady(id: string): void {
    this.#d.manager.markMcpReady(id);
  }

  async handle(payload: HookPayload, origin: HookOrigin, signal: AbortSignal): Promise<HookAnswer> {
    const session = await this.#sessionFor(payload, origin);
    if (!session) return null;
    const m = this.#d.manager;
    const id = session.id;
    m.touch(id);
    this.#d.onActivity(id);
    if (payload.session_id && payload.session_id !== session.claude_session_id) m.update(id, { claude_session_id: payload.session_id });
    if (payload.transcript_path && payload.transcript_path !== session.transcript_path) m.update(id, { transcript_path: payload.transcript_path });
    if (payload.transcript_path) this.#d.onTranscript?.(id, payload.transcript_path);

    switch (payload.hook_event_name) {
      case 'SessionStart':
        if (payload.source === 'clear' || payload.source === 'compact') this.#d.onPromptSubmitted(id, `/${payload.source}`);
        m.setStatus(id, 'idle');
        return null;
      case 'UserPromptSubmit':
        this.#releaseTerminalAnswered(session);
        m.setStatus(id, 'running');
        this.#d.onPromptSubmitted(id, payload.prompt ?? null);
        return null;
      case 'PreToolUse':
      case 'PostToolUse':
      case 'PostToolUseFailure':
        // A tool moved on: whatever permission dialog was up has been answered, here or in the terminal.
        this.#releaseTerminalAnswered(session);
        m.setStatus(id, 'running');
        return null;
      case 'PermissionRequest':
        return this.#permission(session, payload, signal);
      case 'Stop': {
        this.#releaseTerminalAnswered(session);
        const last = payload.last_assistant_message ?? null;
        m.update(id, { last_message: last ?? session.last_message });
        m.setStatus(id, 'idle');
        // Not awaited: Claude Code may write the turn's last line only once this hook has been answered.
        const finished = (): void => m.emit(id, { kind: 'finished', last_message: last });
        const read = this.#d.transcriptRead?.(id, last);
        if (read) void read.then(finished);
        else finished();
        return null;
      }
      case 'Notification':
      case 'SessionEnd':
        // Notification is late or missing (facts file); PermissionRequest and Stop say the same, on time.
        // SessionEnd: the liveness check sees the pane die and reports the exit code.
        return null;
      default:
        this.#d.log.debug({ event: payload.hook_event_name }, 'hook event not used');
        return null;
    }
  }

  #releaseTerminalAnswered(session: SessionRecord): void {
    const entry = this.#d.manager.pending(session.id);
    // ask_user (MCP) waits across its own tool's hooks; everything else on screen has been dealt with.
    if (entry && entry.source.type !== 'ask') {
      this.#d.manager.resolvePending(session.id, entry.request.request_id, 'answered in the terminal', { channel: 'terminal' });
    }
  }

  #permission(session: SessionRecord, payload: HookPayload, signal: AbortSignal): Promise<HookAnswer> {
    const m = this.#d.manager;
    const timeoutMs = m.config.permissions.remote_timeout_seconds * 1000;
    const suggestions = payload.permission_suggestions ?? [];
    const toolName = payload.tool_name ?? 'Tool';
    const input = payload.tool_input ?? {};
    // Claude's own question tool asks for an answer, not a permission: each question goes to the owner, and
    // the answers go back through this hook (see questions.ts).
    const questions = toolName === ASK_USER_QUESTION ? parseAskUserQuestion(input) : null;
    const flow: QuestionFlow | undefined = questions ? { questions, input, answers: {} } : undefined;
    const request = questions
      ? questionRequest(questions, 0, newRequestId(), m.now())
      : {
          request_id: newRequestId(),
          kind: 'permission' as const,
          title: toolName,
          detail: describeToolInput(toolName, input),
          options: PERMISSION_OPTIONS(suggestions.length > 0),
          allows_text: true,
          tool_name: toolName,
          tool_input: input,
          created_at: m.now(),
        };
    return new Promise<HookAnswer>((resolve) => {
      let done = false;
      const finish = (decision: HookDecision | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', toScreen);
        resolve(decision ? { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } } : null);
      };
      // Nobody answered from afar in time: the dialog stays in the terminal, and channels can still answer it
      // by pressing keys, so the request is kept, now answered through the screen. (A question's later steps
      // have their own request ids: the source is what identifies this hook call.)
      const toScreen = (): void => {
        const entry = m.pending(session.id);
        if (entry?.source === source) {
          entry.source = { type: 'screen', screen: null };
          this.#d.log.info({ session: session.id, request: entry.request.request_id }, 'the hook stopped waiting: the request is answered with keys from now on');
        }
        finish(null);
      };
      const timer = setTimeout(toScreen, timeoutMs);
      signal.addEventListener('abort', toScreen, { once: true });
      const source = { type: 'hook' as const, suggestions, respond: finish, ...(flow ? { questions: flow } : {}) };
      m.setPending(session.id, request, source);
    });
  }

  async #sessionFor(payload: HookPayload, origin: HookOrigin): Promise<SessionRecord | null> {
    const m = this.#d.manager;
    if (origin.sessionId) {
      const s = m.find(origin.sessionId);
      if (s && s.status !== 'dead') return s;
      // A late hook of an ended session (SessionEnd after kill): nothing to do.
      if (origin.bound) return null;
    }
    if (!origin.paneId) {
      this.#logOnce(`nopane:${payload.session_id}`, 'hook from a Claude Code session outside tmux: it cannot be driven, ignored');
      return null;
    }
    const own = await this.#d.ownSocketPath();
    const socket = origin.tmuxSocket && origin.tmuxSocket !== own ? origin.tmuxSocket : null;
    const known = m.findByPane(origin.paneId, socket);
    if (known) return known;
    const tmux = socket ? this.#d.tmuxAt(socket) : this.#d.ownTmux;
    const pane = (await tmux.listPanes()).find((p) => p.paneId === origin.paneId && !p.dead);
    if (!pane) return null;
    this.#d.log.info({ pane: pane.paneId, tmux: pane.session }, 'adopting a Claude Code session started by hand');
    return m.adopt({ paneId: pane.paneId, tmuxSession: pane.session, socketPath: socket, cwd: payload.cwd ?? pane.cwd, logFile: '' });
  }

  #logOnce(key: string, msg: string): void {
    if (this.#unknownLogged.has(key)) return;
    // Keyed by Claude's session id: bounded, so hooks from endless sessions outside tmux cost no memory.
    if (this.#unknownLogged.size >= 1000) this.#unknownLogged.clear();
    this.#unknownLogged.add(key);
    this.#d.log.info({ key }, msg);
  }
}

/** The part of a tool call a person needs to decide: the command, the file, the edit. */
export function describeToolInput(tool: string, input: Record<string, unknown>): string {
  const str = (k: string): string | undefined => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const command = str('command');
  if (command !== undefined) return [command, str('description')].filter(Boolean).join('\n');
  const file = str('file_path') ?? str('notebook_path') ?? str('path');
  if (file) {
    if (str('old_string') !== undefined || str('new_string') !== undefined) {
      return `${file}\n--- old\n${str('old_string') ?? ''}\n+++ new\n${str('new_string') ?? ''}`;
    }
    if (str('content') !== undefined) return `${file}\n${str('content')}`;
    return file;
  }
  if (str('url')) return str('url')!;
  return JSON.stringify(input, null, 2).slice(0, 4000) || tool;
}
