import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { ControlClient } from '../tmux/control-client.js';
import { GEOMETRY_FORMAT, parseGeometry, snapshotBytes } from './pane-snapshot.js';
import type { SessionManager } from './session-manager.js';
import type { SessionRecord } from './session-store.js';

/** Where a viewer is in a pane's stream: `epoch` changes whenever the stream starts afresh. */
export interface PanePosition {
  epoch: string;
  seq: number;
}

/**
 * What a viewer of a pane gets: first a snapshot (or, resuming, the output it missed), then the output as it
 * comes, each chunk numbered. `ended`: the stream stopped (the session ended); nothing follows.
 */
export type PaneFrame =
  | { type: 'snapshot'; epoch: string; seq: number; cols: number; rows: number; data: string }
  | { type: 'output'; epoch: string; seq: number; data: string }
  | { type: 'ended'; reason: string };

export type PaneViewer = (frame: PaneFrame) => void;

export interface PaneStreamOptions {
  /** Output kept for viewers that reconnect (characters). Default 512 Ki. */
  keepChars?: number;
  /** How long a stream outlives its last viewer, so a reconnect resumes without a new snapshot. Default 30 s. */
  graceMs?: number;
}

interface Stream {
  session: string;
  pane: string;
  epoch: string;
  client: ControlClient;
  decoder: StringDecoder;
  seq: number;
  kept: { seq: number; data: string }[];
  keptChars: number;
  viewers: Set<PaneViewer>;
  /** Viewers waiting for their snapshot: they get no output before it. */
  joining: Set<PaneViewer>;
  grace: NodeJS.Timeout | null;
}

/**
 * The live output of sessions' panes, for viewers such as the web dashboard's terminal. One tmux control
 * client per watched session (see ControlClient): it never resizes the window, and a snapshot taken through
 * it sits at an exact point of its output, so a late joiner sees the screen, then every byte after it.
 */
export class PaneStreams {
  readonly #m: SessionManager;
  readonly #streams = new Map<string, Stream>();
  readonly #keepChars: number;
  readonly #graceMs: number;

  constructor(manager: SessionManager, o: PaneStreamOptions = {}) {
    this.#m = manager;
    this.#keepChars = o.keepChars ?? 512 * 1024;
    this.#graceMs = o.graceMs ?? 30_000;
  }

  /** Starts sending `viewer` the pane of `s`; returns the function that stops it. */
  watch(s: SessionRecord, viewer: PaneViewer, after?: PanePosition): () => void {
    const stream = this.#streams.get(s.id) ?? this.#open(s);
    if (stream.grace) clearTimeout(stream.grace);
    stream.grace = null;
    const missed = after && after.epoch === stream.epoch ? this.#since(stream, after.seq) : null;
    if (missed) {
      stream.viewers.add(viewer);
      for (const chunk of missed) viewer({ type: 'output', epoch: stream.epoch, ...chunk });
    } else this.#snapshot(stream, viewer);
    return () => {
      stream.viewers.delete(viewer);
      stream.joining.delete(viewer);
      if (stream.viewers.size + stream.joining.size === 0 && this.#streams.get(stream.session) === stream) {
        stream.grace = setTimeout(() => this.#close(stream), this.#graceMs);
        stream.grace.unref();
      }
    };
  }

  /** Sessions watched now, and their viewers (for the daemon's own accounting). */
  get watched(): { session: string; viewers: number }[] {
    return [...this.#streams.values()].map((s) => ({ session: s.session, viewers: s.viewers.size }));
  }

  stopAll(): void {
    for (const stream of [...this.#streams.values()]) this.#close(stream);
  }

  #open(s: SessionRecord): Stream {
    const stream: Stream = {
      session: s.id, pane: s.pane_id, epoch: randomBytes(6).toString('hex'), decoder: new StringDecoder('utf8'),
      seq: 0, kept: [], keptChars: 0, viewers: new Set(), joining: new Set(), grace: null,
      client: null as unknown as ControlClient,
    };
    stream.client = this.#m.tmuxFor(s).control(s.tmux_session, {
      output: (pane, data) => {
        if (pane !== stream.pane) return;
        const text = stream.decoder.write(data);
        if (text) this.#output(stream, text);
      },
      layoutChange: () => {
        // The pane may have a new size: everyone starts again from a fresh snapshot.
        for (const viewer of [...stream.viewers]) {
          stream.viewers.delete(viewer);
          this.#snapshot(stream, viewer);
        }
      },
      exit: (reason) => {
        if (this.#streams.get(stream.session) === stream) this.#streams.delete(stream.session);
        if (stream.grace) clearTimeout(stream.grace);
        for (const viewer of [...stream.viewers, ...stream.joining]) viewer({ type: 'ended', reason });
        stream.viewers.clear();
        stream.joining.clear();
      },
    });
    this.#streams.set(s.id, stream);
    return stream;
  }

  #output(stream: Stream, data: string): void {
    const chunk = { seq: ++stream.seq, data };
    stream.kept.push(chunk);
    stream.keptChars += data.length;
    while (stream.kept.length > 1 && stream.keptChars > this.#keepChars) stream.keptChars -= stream.kept.shift()!.data.length;
    for (const viewer of stream.viewers) viewer({ type: 'output', epoch: stream.epoch, ...chunk });
  }

  /** The chunks after `seq`, or null when some of them are no longer kept (then only a snapshot will do). */
  #since(stream: Stream, seq: number): { seq: number; data: string }[] | null {
    if (seq > stream.seq || seq < 0) return null;
    if (seq === stream.seq) return [];
    const first = stream.kept[0];
    if (!first || first.seq > seq + 1) return null;
    return stream.kept.filter((c) => c.seq > seq);
  }

  #snapshot(stream: Stream, viewer: PaneViewer): void {
    stream.joining.add(viewer);
    const capture = ['capture-pane', '-p', '-e', '-t', stream.pane];
    const geometry = ['display-message', '-p', '-t', stream.pane, GEOMETRY_FORMAT];
    stream.client.commands([capture, geometry], (replies) => {
      if (!stream.joining.delete(viewer)) return;
      const g = replies instanceof Error ? null : parseGeometry(replies[1] ?? '');
      if (replies instanceof Error || !g) {
        viewer({ type: 'ended', reason: replies instanceof Error ? replies.message : `tmux gave no pane geometry: ${JSON.stringify(replies[1])}` });
        return;
      }
      // A viewer first, then told: it may stop watching from inside its own callback.
      stream.viewers.add(viewer);
      viewer({ type: 'snapshot', epoch: stream.epoch, seq: stream.seq, cols: g.cols, rows: g.rows, data: snapshotBytes(replies[0] ?? '', g) });
    });
  }

  #close(stream: Stream): void {
    if (stream.grace) clearTimeout(stream.grace);
    if (this.#streams.get(stream.session) === stream) this.#streams.delete(stream.session);
    stream.client.close();
  }
}
