import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { EventOf } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { parseTranscriptLine, type TranscriptEntry } from './transcript-line.js';

export type TranscriptEvent =
  | Omit<EventOf<'assistant_text'>, 'session_id' | 'at'>
  | Omit<EventOf<'tool_call'>, 'session_id' | 'at'>
  | Omit<EventOf<'tool_result'>, 'session_id' | 'at'>;

export interface TranscriptFollowDeps {
  /** Where each session's read position is kept (kv), so a restart neither repeats nor skips lines. */
  store: Store;
  emit: (sessionId: string, event: TranscriptEvent) => void;
  log: Logger;
  /** The backstop poll, for file systems where fs.watch misses changes and for files that do not exist yet. Default 1000 ms. */
  pollMs?: number;
}

/** What is persisted per session: the file, how far its complete lines were read, and the turn they were in. */
interface FollowState {
  path: string;
  offset: number;
  /** The file's inode when last read: a different one means the file was replaced, and is read from its start. */
  ino: number | null;
  turn_id: string | null;
}

/** Entries read before any prompt line was seen (the follower started mid-turn and found no prompt). */
const UNKNOWN_TURN = 'unknown';
const NEWLINE = 0x0a;

/**
 * Follows each live session's transcript (the JSONL Claude Code writes and names in every hook as
 * `transcript_path`) and emits what it says as events: assistant text, tool calls and results, each with
 * its turn and a stable id. Reads only appended bytes and only complete lines: a half-written last line is
 * read again once it ends. A truncated or replaced file is read from its start; a missing one is waited for.
 * A session seen for the first time starts at the file's end, so history (a resumed or adopted session) is
 * not replayed.
 */
export class TranscriptFollower {
  readonly #d: TranscriptFollowDeps;
  readonly #followed = new Map<string, { state: FollowState; watcher: FSWatcher | null }>();
  #timer: NodeJS.Timeout | null = null;
  readonly #failing = new Set<string>();
  /** The last assistant text emitted in the session's current turn: what whenRead compares with. */
  readonly #lastText = new Map<string, string>();
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(deps: TranscriptFollowDeps) {
    this.#d = deps;
  }

  /** Starts following `path` for the session, or switches to it (after /clear Claude Code writes a new file). */
  follow(sessionId: string, path: string): void {
    const current = this.#followed.get(sessionId);
    if (current?.state.path === path) return;
    current?.watcher?.close();
    const saved = this.#load(sessionId);
    const state = saved?.path === path ? saved : this.#startAt(path);
    this.#followed.set(sessionId, { state, watcher: this.#watch(sessionId, path) });
    this.#save(sessionId, state);
    this.#timer ??= setInterval(() => this.#pollAll(), this.#d.pollMs ?? 1000).unref();
    this.read(sessionId);
  }

  /**
   * Resolves once the turn's last text (`text`, from the Stop hook) has been read and emitted, or after
   * `timeoutMs`. Claude Code may write its last transcript line after it has run the Stop hook (2.1.197
   * does): the turn's `finished` waits for it, so the live output is complete before the message that
   * closes it. Resolves at once for a session that is not followed, a transcript in which no prompt was
   * seen (not one that Claude Code writes), or a turn that ended without text.
   */
  whenRead(sessionId: string, text: string | null, timeoutMs = 3000): Promise<void> {
    this.read(sessionId);
    const want = text?.trim();
    const f = this.#followed.get(sessionId);
    if (!want || !f || f.state.turn_id === null || this.#lastText.get(sessionId) === want) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(sessionId) ?? new Set<() => void>();
      this.#waiters.set(sessionId, waiters);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (this.#lastText.get(sessionId) === want || !this.#followed.has(sessionId)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(check);
    });
  }

  unfollow(sessionId: string): void {
    this.#followed.get(sessionId)?.watcher?.close();
    this.#followed.delete(sessionId);
    this.#lastText.delete(sessionId);
    for (const wake of [...(this.#waiters.get(sessionId) ?? [])]) wake();
    if (this.#followed.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  stop(): void {
    for (const id of [...this.#followed.keys()]) this.unfollow(id);
  }

  /**
   * Reads what was appended since the last read and emits it, now. The Stop hook calls this before the
   * turn's `finished` event, so the last text comes before the message that closes the turn.
   */
  read(sessionId: string): void {
    const f = this.#followed.get(sessionId);
    if (!f) return;
    try {
      const s = f.state;
      let fd: number;
      try {
        fd = openSync(s.path, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      try {
        const st = fstatSync(fd);
        if ((s.ino !== null && st.ino !== s.ino) || st.size < s.offset) {
          this.#d.log.info({ session: sessionId, path: s.path }, 'transcript replaced or truncated: reading it from its start');
          Object.assign(s, { offset: 0, ino: st.ino });
        }
        s.ino = st.ino;
        if (st.size === s.offset) return;
        const buf = Buffer.alloc(st.size - s.offset);
        const n = readSync(fd, buf, 0, buf.length, s.offset);
        const end = buf.subarray(0, n).lastIndexOf(NEWLINE);
        if (end < 0) return;
        let at = 0;
        while (at <= end) {
          const nl = buf.indexOf(NEWLINE, at);
          const line = buf.subarray(at, nl).toString('utf8');
          at = nl + 1;
          if (line.trim() !== '') this.#line(sessionId, s, line);
        }
        s.offset += end + 1;
      } finally {
        closeSync(fd);
      }
      this.#save(sessionId, s);
      this.#failing.delete(sessionId);
    } catch (err) {
      if (!this.#failing.has(sessionId)) this.#d.log.warn({ session: sessionId, err: (err as Error).message }, 'cannot read the session transcript; live output waits');
      this.#failing.add(sessionId);
    }
  }

  #line(sessionId: string, s: FollowState, line: string): void {
    const parsed = parseTranscriptLine(line);
    if (parsed.turn_id && parsed.turn_id !== s.turn_id) {
      s.turn_id = parsed.turn_id;
      this.#lastText.delete(sessionId);
    }
    for (const e of parsed.entries) {
      this.#d.emit(sessionId, toEvent(e, s.turn_id ?? UNKNOWN_TURN));
      if (e.type === 'assistant_text') {
        this.#lastText.set(sessionId, e.text.trim());
        for (const wake of [...(this.#waiters.get(sessionId) ?? [])]) wake();
      }
    }
  }

  /** A file seen for the first time: from its end, with the turn its last prompt started (read, not emitted). */
  #startAt(path: string): FollowState {
    let st;
    try {
      st = statSync(path);
    } catch {
      return { path, offset: 0, ino: null, turn_id: null };
    }
    const state: FollowState = { path, offset: 0, ino: st.ino, turn_id: null };
    try {
      const fd = openSync(path, 'r');
      try {
        const buf = Buffer.alloc(st.size);
        const n = readSync(fd, buf, 0, st.size, 0);
        const end = buf.subarray(0, n).lastIndexOf(NEWLINE);
        for (const line of buf.subarray(0, end + 1).toString('utf8').split('\n')) {
          if (line.includes('"promptId"') || line.includes('"type":"user"')) {
            const turn = parseTranscriptLine(line).turn_id;
            if (turn) state.turn_id = turn;
          }
        }
        state.offset = end + 1;
      } finally {
        closeSync(fd);
      }
    } catch {
      state.offset = st.size;
    }
    return state;
  }

  #watch(sessionId: string, path: string): FSWatcher | null {
    try {
      const name = basename(path);
      const w = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.read(sessionId);
      });
      w.on('error', () => w.close());
      return w;
    } catch {
      // The folder does not exist yet: the poll picks the file up once Claude Code writes it.
      return null;
    }
  }

  #pollAll(): void {
    for (const [id, f] of this.#followed) {
      if (!f.watcher) f.watcher = this.#watch(id, f.state.path);
      this.read(id);
    }
  }

  #key(sessionId: string): string {
    return `transcript-follow:${sessionId}`;
  }

  #load(sessionId: string): FollowState | null {
    const raw = this.#d.store.getKv(this.#key(sessionId));
    if (!raw) return null;
    try {
      const v = JSON.parse(raw) as FollowState;
      return typeof v.path === 'string' && typeof v.offset === 'number' ? v : null;
    } catch {
      return null;
    }
  }

  #save(sessionId: string, s: FollowState): void {
    this.#d.store.setKv(this.#key(sessionId), JSON.stringify(s));
  }
}

function toEvent(e: TranscriptEntry, turn_id: string): TranscriptEvent {
  switch (e.type) {
    case 'assistant_text':
      return { kind: 'assistant_text', turn_id, entry_id: e.entry_id, text: e.text };
    case 'tool_call':
      return { kind: 'tool_call', turn_id, entry_id: e.entry_id, tool_use_id: e.tool_use_id, tool: e.tool, summary: e.summary };
    case 'tool_result':
      return { kind: 'tool_result', turn_id, entry_id: e.entry_id, tool_use_id: e.tool_use_id, summary: e.summary, is_error: e.is_error };
  }
}
