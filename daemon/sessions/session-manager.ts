import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { CommandError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Origin, PendingRequest, SessionEvent, SessionInfo, SessionStatus } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { Tmux } from '../tmux/tmux.js';
import { McpReadiness } from './mcp-readiness.js';
import { startSession } from './session-start.js';
import type { PendingEntry, PendingSource } from './pending.js';
import { newSessionRecord, type SessionRecord, type SessionStore } from './session-store.js';

type EventBody = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'session_id' | 'at'> : never) : never;

export interface SessionManagerDeps {
  config: Config;
  tmux: Tmux;
  /** A tmux client for another server (adopted sessions live on the user's own tmux server). */
  tmuxAt: (socketPath: string) => Tmux;
  store: SessionStore;
  bus: EventBus;
  log: Logger;
  url: string;
  hookScript: string;
  /** Test instrumentation only: the random hex digits session ids are drawn from (see session-id.ts). */
  idRandom?: (digits: number) => string;
  /** Test instrumentation only (CSM_TEST_CRASH_AT=after-spawn:<cwd>): called once tmux has started a session. */
  fault?: (step: 'after-spawn', cwd: string) => void;
  mcpServer: { command: string; args: string[] } | null;
  /** Opens the visible terminal window; failures are logged, never fatal. */
  openWindow: (tmuxSession: string) => Promise<void>;
  now?: () => number;
}

/**
 * The registry of sessions and their pending requests: creates, adopts, reconciles and kills sessions, and
 * is the one place that changes a session's state and emits its events.
 */
export class SessionManager {
  readonly #d: SessionManagerDeps;
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #pending = new Map<string, PendingEntry>();
  /** sha256(credential) → session id: looked up by digest, so no comparison leaks a credential's prefix. */
  readonly #credentials = new Map<string, string>();
  /** session → how many times its status (or pending request) changed: see statusStamp. */
  readonly #stamps = new Map<string, number>();
  readonly now: () => number;
  readonly #mcp: McpReadiness;

  constructor(deps: SessionManagerDeps) {
    this.#d = deps;
    this.#mcp = new McpReadiness(deps.log);
    this.now = deps.now ?? Date.now;
    for (const record of deps.store.all()) this.#add(record);
  }

  #add(record: SessionRecord): void {
    this.#sessions.set(record.id, record);
    if (record.credential) this.#credentials.set(digest(record.credential), record.id);
  }

  /** The session whose own credential `token` is (dead ones too: their late hooks are then ignored), or undefined. */
  sessionOfCredential(token: string): SessionRecord | undefined {
    const id = this.#credentials.get(digest(token));
    return id === undefined ? undefined : this.#sessions.get(id);
  }

  get config(): Config {
    return this.#d.config;
  }

  list(): SessionRecord[] {
    return [...this.#sessions.values()];
  }

  live(): SessionRecord[] {
    return this.list().filter((s) => s.status !== 'dead');
  }

  find(id: string): SessionRecord | undefined {
    return this.#sessions.get(id.toLowerCase());
  }

  /** Throws not_found with a hint. */
  get(id: string): SessionRecord {
    const s = this.find(id);
    if (!s) {
      const live = this.live().map((x) => x.id);
      throw new CommandError('not_found', `No session "${id}". ${live.length ? `Live sessions: ${live.join(', ')}.` : 'No session is running: start one with `csm new <path>`.'}`);
    }
    return s;
  }

  getLive(id: string): SessionRecord {
    const s = this.get(id);
    if (s.status === 'dead') throw new CommandError('conflict', `Session ${s.id} has ended${s.exit_code !== null ? ` (exit code ${s.exit_code})` : ''}: start a new one with \`csm new ${s.cwd}\`.`);
    return s;
  }

  tmuxFor(s: SessionRecord): Tmux {
    return s.tmux_socket ? this.#d.tmuxAt(s.tmux_socket) : this.#d.tmux;
  }

  /** `sessions` grouped by the tmux server they run on, for one tmux call per server. */
  byTmuxServer(sessions: readonly SessionRecord[]): { tmux: Tmux; sessions: SessionRecord[] }[] {
    const groups = new Map<string | null, SessionRecord[]>();
    for (const s of sessions) groups.set(s.tmux_socket, [...(groups.get(s.tmux_socket) ?? []), s]);
    return [...groups.values()].map((group) => ({ tmux: this.tmuxFor(group[0]!), sessions: group }));
  }

  info(s: SessionRecord): SessionInfo {
    const { pane_id: _p, tmux_socket: _t, adopted: _a, transcript_path: _tp, credential: _c, ...info } = s;
    return { ...info, pending: this.#pending.get(s.id)?.request ?? s.pending };
  }

  emit(id: string, body: EventBody): void {
    this.#d.bus.emit({ ...body, session_id: id, at: this.now() } as SessionEvent);
  }

  update(id: string, patch: Partial<SessionRecord>): SessionRecord {
    const s = this.get(id);
    if ('status' in patch || 'pending' in patch) this.#stamps.set(id, this.statusStamp(id) + 1);
    Object.assign(s, patch);
    this.#d.store.save(s);
    return s;
  }

  /**
   * Counts the session's status changes. A screen read takes a moment; a hook that changed the status
   * meanwhile is newer than that screen, which must then not set the status back.
   */
  statusStamp(id: string): number {
    return this.#stamps.get(id) ?? 0;
  }

  /**
   * Activity seen (a hook): noted in memory only. The monitor writes last_output_at to the database every
   * few seconds, so a busy session's hooks do not each cost a database write.
   */
  touch(id: string): void {
    const s = this.find(id);
    if (s) s.last_output_at = this.now();
  }

  setStatus(id: string, status: SessionStatus): void {
    const s = this.find(id);
    if (s && s.status !== status && s.status !== 'dead') this.update(id, { status });
  }

  /** Our MCP server in session `id` has been initialized by Claude Code. */
  markMcpReady(id: string): void {
    this.#mcp.connected(id);
  }

  /** Resolves when the session's MCP server is connected, at once if it has no pending one, or after `ms`. */
  mcpReady(id: string, ms: number): Promise<void> {
    // Only Claude Code connects MCP servers; it announces itself with its SessionStart hook, or by its prompt
    // box on screen (status idle), which can come first when the hook script is slow on a loaded machine. A
    // program that shows neither (a wrapper, a test stand-in) is not kept waiting.
    const s = this.find(id);
    return this.#mcp.wait(id, ms, s !== undefined && (s.claude_session_id !== null || s.status === 'idle'));
  }

  async create(cwd: string, args: string[] = []): Promise<SessionRecord> {
    const d = this.#d;
    const record = await startSession({ ...d, now: this.now }, cwd, args);
    this.#add(record);
    if (d.mcpServer) this.#mcp.expect(record.id);
    this.#pending.delete(record.id);
    this.emit(record.id, { kind: 'started', cwd, adopted: false });
    d.openWindow(record.tmux_session).catch((err: unknown) => d.log.warn({ err, session: record.id }, 'could not open a terminal window; `csm attach` still works'));
    return record;
  }

  /** A session stored as starting whose tmux session never came: it never existed for anyone, so it is forgotten. */
  dropUnstarted(id: string): void {
    const s = this.#sessions.get(id);
    if (!s || s.pane_id !== '') return;
    this.#drop(s);
    this.#d.store.remove(id);
    this.#d.log.info({ session: id }, 'forgot a session whose start was interrupted by a restart before tmux ran it');
  }

  /**
   * A session whose start the daemon did not see through (killed between storing it and tmux answering):
   * its tmux session was found running, so it gets its pane, its log and the "started" it never had.
   */
  async resumeStart(id: string, paneId: string): Promise<void> {
    const s = this.update(id, { pane_id: paneId });
    await this.tmuxFor(s).pipePane(paneId, s.log_file).catch((err: unknown) => this.#d.log.warn({ err, session: id }, 'could not log the output of a session found starting'));
    this.#d.log.info({ session: id, pane: paneId }, 'found a session whose start was interrupted by a restart, running in tmux: adopted');
    this.emit(id, { kind: 'started', cwd: s.cwd, adopted: false });
  }

  /** A session started by hand in tmux, with our hooks installed, announced itself through a hook. */
  adopt(input: { paneId: string; tmuxSession: string; socketPath: string | null; cwd: string; logFile: string }): SessionRecord {
    const id = this.#d.store.issueId(this.now(), this.#d.idRandom);
    const record = newSessionRecord({
      id, tmux_session: input.tmuxSession, pane_id: input.paneId, tmux_socket: input.socketPath, adopted: true,
      cwd: input.cwd, log_file: input.logFile, status: 'running', credential: null,
    }, this.now());
    this.#add(record);
    this.#d.store.save(record);
    this.emit(id, { kind: 'started', cwd: input.cwd, adopted: true });
    return record;
  }

  findByPane(paneId: string, socketPath: string | null): SessionRecord | undefined {
    return this.live().find((s) => s.pane_id === paneId && (s.tmux_socket ?? null) === socketPath);
  }

  pending(id: string): PendingEntry | undefined {
    return this.#pending.get(id);
  }

  /** Replaces any earlier pending request of the session (the earlier one is resolved as superseded). */
  setPending(id: string, request: PendingRequest, source: PendingSource): void {
    const old = this.#pending.get(id);
    if (old) this.resolvePending(id, old.request.request_id, 'superseded by a new request', { channel: 'daemon' });
    this.#pending.set(id, { request, source });
    this.update(id, { pending: request, status: request.kind === 'permission' ? 'waiting_permission' : 'waiting_input' });
    this.emit(id, request.kind === 'permission' ? { kind: 'permission_request', request } : { kind: 'waiting_input', request });
  }

  /**
   * Moves a pending request on to its next step (the next question of one AskUserQuestion call): the step
   * answered is resolved for the channels, while whatever waits (the hook) keeps waiting for the last one.
   */
  nextStep(id: string, requestId: string, outcome: string, by: Origin, next: PendingRequest): boolean {
    const entry = this.#pending.get(id);
    if (!entry || entry.request.request_id !== requestId) return false;
    this.emit(id, { kind: 'resolved', request_id: requestId, outcome, by });
    entry.request = next;
    this.update(id, { pending: next, status: 'waiting_input' });
    this.emit(id, { kind: 'waiting_input', request: next });
    return true;
  }

  /** Clears the pending request if it is still `requestId`, releasing any hook still waiting. */
  resolvePending(id: string, requestId: string, outcome: string, by: Origin, nextStatus: SessionStatus = 'running'): boolean {
    const entry = this.#pending.get(id);
    if (!entry || entry.request.request_id !== requestId) return false;
    this.#pending.delete(id);
    if (entry.source.type === 'hook') entry.source.respond(null);
    if (entry.source.type === 'ask') entry.source.respond({ answered: false, reason: outcome });
    const s = this.find(id);
    if (s) this.update(id, { pending: null, status: s.status === 'dead' ? 'dead' : nextStatus });
    this.emit(id, { kind: 'resolved', request_id: requestId, outcome, by });
    return true;
  }

  /** Marks the session dead (once), releasing whatever waits on it. */
  markDead(id: string, exitCode: number | null, screenTail: string, reason: string | null): void {
    const s = this.find(id);
    if (!s || s.status === 'dead') return;
    const entry = this.#pending.get(id);
    if (entry) this.resolvePending(id, entry.request.request_id, 'the session ended', { channel: 'daemon' }, 'dead');
    this.update(id, { status: 'dead', exit_code: exitCode, pending: null });
    if (reason) this.emit(id, { kind: 'error', message: reason, screen_tail: screenTail });
    this.emit(id, { kind: 'dead', exit_code: exitCode });
  }

  /** Retention: dead sessions leave the registry (their records and files are the sweep's); live ones never do. */
  forget(ids: readonly string[]): string[] {
    const gone: string[] = [];
    for (const id of ids) {
      const s = this.#sessions.get(id);
      if (!s || s.status !== 'dead') continue;
      this.#drop(s);
      gone.push(id);
    }
    return gone;
  }

  /** Everything held in memory for a session, for one that leaves the registry. */
  #drop(s: SessionRecord): void {
    this.#sessions.delete(s.id);
    if (s.credential) this.#credentials.delete(digest(s.credential));
    this.#pending.delete(s.id);
    this.#stamps.delete(s.id);
    this.#mcp.forget(s.id);
  }

  /** Drops in-memory waiters on shutdown; pending requests stay persisted for the next start. */
  releaseAllWaiters(): void {
    for (const entry of this.#pending.values()) {
      if (entry.source.type === 'hook') entry.source.respond(null);
      if (entry.source.type === 'ask') entry.source.respond({ answered: false, reason: 'the csm daemon is shutting down' });
    }
  }

  /** After a restart: hook connections are gone, so a persisted pending request is answered by keys from now on. */
  restorePending(): void {
    for (const s of this.live()) {
      if (!s.pending || this.#pending.has(s.id)) continue;
      if (s.pending.kind === 'question') {
        this.update(s.id, { pending: null });
        continue;
      }
      this.#pending.set(s.id, { request: s.pending, source: { type: 'screen', screen: null } });
    }
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
