import type { AskResult, Commands } from '../../daemon/commands/types.js';
import { CommandError } from '../../daemon/errors.js';
import { inboxFileName, localDate } from '../../daemon/inbox-name.js';
import type { PaneFrame } from '../../daemon/sessions/pane-stream.js';
import type { TerminalInput } from '../../daemon/sessions/terminal-input.js';
import type { EventBus } from '../../daemon/events/bus.js';
import type { Origin, PendingRequest, SessionEvent, SessionInfo } from '../../daemon/events/types.js';
import { PaneRenderer, type PaneImage } from '../../daemon/render/renderer.js';

/** An in-memory command layer that behaves like the real one where the channel can tell. */
export class FakeCommands implements Commands {
  readonly sessions = new Map<string, SessionInfo>();
  readonly calls: { method: string; id?: string; args: unknown }[] = [];
  readonly existingDirs = new Set<string>();
  readonly screens = new Map<string, string>();
  /** Texts that were typed (a repeated idempotency key types nothing). */
  readonly typed: { id: string; text: string }[] = [];
  readonly #keys = new Set<string>();
  readonly #bus: EventBus;
  #next = 0xa000;

  constructor(bus: EventBus) {
    this.#bus = bus;
  }

  emit(session_id: string, e: Record<string, unknown> & { kind: SessionEvent['kind'] }): void {
    this.#bus.emit({ session_id, at: Date.now(), ...e } as SessionEvent);
  }

  addSession(id: string, cwd: string, o: { emit?: boolean; status?: SessionInfo['status'] } = {}): SessionInfo {
    const info: SessionInfo = {
      id, tmux_session: `csm-${id}`, cwd, log_file: `/tmp/${id}.log`, status: o.status ?? 'running', started_at: Date.now(),
      last_output_at: Date.now(), claude_session_id: null, pending: null, last_message: null, exit_code: null,
    };
    this.sessions.set(id, info);
    if (o.emit ?? true) this.emit(id, { kind: 'started', cwd, adopted: false });
    return info;
  }

  /** Puts a request on the session and emits it, as the core does. */
  request(id: string, r: Partial<PendingRequest> & { request_id: string }): PendingRequest {
    const request: PendingRequest = {
      kind: 'permission', title: 'Bash', detail: '', allows_text: true, created_at: Date.now(),
      options: [{ key: 'allow', label: 'Allow' }, { key: 'allow_always', label: 'Always allow' }, { key: 'deny', label: 'Deny' }],
      ...r,
    };
    const s = this.get(id);
    s.pending = request;
    s.status = request.kind === 'permission' ? 'waiting_permission' : 'waiting_input';
    this.emit(id, { kind: request.kind === 'permission' ? 'permission_request' : 'waiting_input', request });
    return request;
  }

  /** The person answered in the terminal. */
  resolveInTerminal(id: string): void {
    const s = this.get(id);
    const r = s.pending!;
    s.pending = null;
    this.emit(id, { kind: 'resolved', request_id: r.request_id, outcome: 'answered in the terminal', by: { channel: 'terminal' } });
  }

  async newSession(input: { cwd: string }, origin: Origin): Promise<SessionInfo> {
    this.calls.push({ method: 'newSession', args: { input, origin } });
    if (!this.existingDirs.has(input.cwd)) throw new CommandError('bad_request', `The folder ${input.cwd} does not exist; nothing was started.`);
    return this.addSession((this.#next++).toString(16), input.cwd);
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()];
  }

  get(id: string): SessionInfo {
    const s = this.sessions.get(id);
    if (!s) throw new CommandError('not_found', `No session ${id}.`);
    return s;
  }

  async output(id: string, lines = 50): Promise<string> {
    this.calls.push({ method: 'output', id, args: { lines } });
    this.get(id);
    return (this.screens.get(id) ?? '').split('\n').slice(-lines).join('\n');
  }

  /** The session's screen text drawn by the real renderer, as an 80-column pane. */
  async screenshot(id: string, origin?: Origin): Promise<PaneImage> {
    this.calls.push({ method: 'screenshot', id, args: origin ? { origin } : {} });
    this.get(id);
    const lines = (this.screens.get(id) ?? '').split('\n');
    return new PaneRenderer().render({ ansi: lines.join('\n'), cols: 80, rows: Math.max(1, lines.length), cursor: { x: 0, y: 0, visible: false } });
  }

  async sendInput(id: string, text: string, origin: Origin, options?: { key?: string }): Promise<{ delivered: boolean }> {
    this.calls.push({ method: 'sendInput', id, args: { text, origin, ...(options?.key ? { key: options.key } : {}) } });
    const s = this.get(id);
    if (s.status === 'dead') throw new CommandError('conflict', `Session ${id} has ended.`);
    // Like the real input ledger: a key already delivered is not typed again, and still reported delivered.
    if (options?.key !== undefined && this.#keys.has(options.key)) return { delivered: true };
    if (options?.key !== undefined) this.#keys.add(options.key);
    this.typed.push({ id, text });
    return { delivered: true };
  }

  async answer(id: string, input: { request_id?: string; choice: string; message?: string }, origin: Origin): Promise<{ outcome: string }> {
    this.calls.push({ method: 'answer', id, args: { input, origin } });
    const s = this.get(id);
    const r = s.pending;
    if (!r || (input.request_id && r.request_id !== input.request_id)) throw new CommandError('conflict', `That request of session ${id} was already resolved; nothing was sent.`);
    const outcome = input.choice === 'deny' ? `denied${input.message ? `: ${input.message}` : ''}` : input.choice === 'allow' ? 'allowed' : input.choice === 'allow_always' ? 'always allowed' : `answered: ${input.choice}`;
    s.pending = null;
    s.status = 'running';
    this.emit(id, { kind: 'resolved', request_id: r.request_id, outcome, by: origin });
    return { outcome };
  }

  async keys(id: string, keys: readonly string[], origin: Origin): Promise<{ pressed: string[] }> {
    this.calls.push({ method: 'keys', id, args: { keys, origin } });
    this.get(id);
    return { pressed: [...keys] };
  }

  async terminalInput(id: string, input: TerminalInput, origin: Origin): Promise<void> {
    this.calls.push({ method: 'terminalInput', id, args: { input, origin } });
    this.get(id);
  }

  /** No pane here: the viewer gets an empty screen and nothing more. */
  watchTerminal(id: string, viewer: (frame: PaneFrame) => void): () => void {
    this.calls.push({ method: 'watchTerminal', id, args: {} });
    this.get(id);
    viewer({ type: 'snapshot', epoch: 'fake', seq: 0, cols: 80, rows: 24, data: '' });
    return () => undefined;
  }

  async kill(id: string, origin: Origin): Promise<void> {
    this.calls.push({ method: 'kill', id, args: { origin } });
    const s = this.get(id);
    s.status = 'dead';
    this.emit(id, { kind: 'dead', exit_code: null });
  }

  /** Files saved by saveFile, as the real command layer would name them (nothing is written). */
  readonly saved: { id: string; name: string | null; bytes: Uint8Array; path: string }[] = [];

  async saveFile(id: string, file: { name: string | null; bytes: Uint8Array; ext?: string }, origin: Origin): Promise<{ path: string }> {
    this.calls.push({ method: 'saveFile', id, args: { name: file.name, bytes: file.bytes.length, origin } });
    const s = this.get(id);
    if (s.status === 'dead') throw new CommandError('conflict', `Session ${id} has ended.`);
    const path = `./.csm/inbox/${inboxFileName(localDate(Date.now()), this.saved.length + 1, file.name, file.ext)}`;
    this.saved.push({ id, name: file.name, bytes: file.bytes, path });
    return { path };
  }

  notify(): { notify_id: string; channels: string[] } {
    throw new Error('not used by the channels under test');
  }

  ask(): Promise<AskResult> {
    throw new Error('not used by the channels under test');
  }

  callsOf(method: string): { method: string; id?: string; args: unknown }[] {
    return this.calls.filter((c) => c.method === method);
  }
}
