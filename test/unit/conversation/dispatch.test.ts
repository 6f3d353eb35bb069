import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attachAdapter, type ConversationAdapter } from '../../../daemon/conversation/dispatch.js';
import { plain, type Message } from '../../../daemon/conversation/message.js';
import { EventBus } from '../../../daemon/events/bus.js';
import type { SessionEvent } from '../../../daemon/events/types.js';
import { silentLogger } from '../../../daemon/logger.js';

/** An in-memory channel: what the core hands it, in order. */
function twin(o: { coalesceMs?: number } = {}): ConversationAdapter & { got: string[] } {
  const got: string[] = [];
  return {
    name: 'twin', got, ...(o.coalesceMs ? { coalesceMs: o.coalesceMs } : {}),
    send: (m: Message) => void got.push(`${m.kind}: ${plain(m.headline)}`),
    follow: (e: SessionEvent) => void got.push(`follow ${e.kind}`),
    compose: { home: '/home/o', cwdOf: () => '/home/o/app' },
  };
}

const at = 0;
const idle = (session_id: string): SessionEvent => ({ kind: 'idle', at, session_id, idle_seconds: 60, last_message: null });
const finished = (session_id: string): SessionEvent => ({ kind: 'finished', at, session_id, last_message: null });
const everything = (): boolean => true;

describe('attachAdapter: the core between the event stream and a channel', () => {
  let bus: EventBus;
  beforeEach(() => {
    vi.useFakeTimers();
    bus = new EventBus(silentLogger);
  });
  afterEach(() => vi.useRealTimers());

  it('each event becomes its message; what makes none is followed', () => {
    const a = twin();
    attachAdapter(bus, everything, a);
    bus.emit({ kind: 'started', at, session_id: 'a1b2', cwd: '/home/o/app', adopted: false });
    bus.emit({ kind: 'resolved', at, session_id: 'a1b2', request_id: 'r', outcome: 'allowed', by: { channel: 'api' } });
    bus.emit(finished('a1b2'));
    expect(a.got).toEqual(['started: 🚀 Session a1b2 started: ~/app', 'follow resolved', 'finished: ✅ a1b2 finished']);
  });

  it("a channel that edits gets how a request was decided, as an edit of the request's message", () => {
    const edits: string[] = [];
    const a = { ...twin(), edit: (m: Message) => void edits.push(`${m.key} ${m.decides}: ${plain(m.headline)}`), compose: { cwdOf: () => null, nameOf: (u: string | undefined) => (u === '7' ? 'Alice' : null) } };
    attachAdapter(bus, everything, a);
    bus.emit({ kind: 'resolved', at, session_id: 'a1b2', request_id: 'r1', outcome: 'denied: not now', by: { channel: 'telegram', user: '7' } });
    bus.emit({ kind: 'resolved', at, session_id: 'a1b2', request_id: 'r2', outcome: 'answered in the terminal', by: { channel: 'terminal' } });
    expect(edits).toEqual(['req:r1 r1: 🚫 Denied by Alice (Telegram): not now', 'req:r2 r2: ✅ Answered in the terminal']);
    expect(a.got).toEqual([]);
  });

  it("only what the router lets reach the channel", () => {
    const a = twin();
    attachAdapter(bus, (e) => e.kind !== 'finished', a);
    bus.emit(finished('a1b2'));
    bus.emit(idle('a1b2'));
    expect(a.got).toEqual(['idle: 💤 a1b2 idle for 60s']);
  });

  it('idle notices within the window leave as one burst; one alone as itself', () => {
    const a = twin({ coalesceMs: 1000 });
    attachAdapter(bus, everything, a);
    bus.emit(idle('a1'));
    bus.emit(idle('b2'));
    bus.emit({ kind: 'dead', at, session_id: 'c3', exit_code: 0 });
    expect(a.got).toEqual([]);
    vi.advanceTimersByTime(1000);
    bus.emit(idle('d4'));
    vi.advanceTimersByTime(1000);
    expect(a.got).toEqual(['burst: 🔔 3 updates', 'idle: 💤 d4 idle for 60s']);
  });

  it("a session's held notice goes out before anything newer about it; other sessions' stay held", () => {
    const a = twin({ coalesceMs: 1000 });
    attachAdapter(bus, everything, a);
    bus.emit(idle('a1'));
    bus.emit(finished('b2'));
    expect(a.got).toEqual(['finished: ✅ b2 finished']);
    bus.emit(finished('a1'));
    expect(a.got).toEqual(['finished: ✅ b2 finished', 'idle: 💤 a1 idle for 60s', 'finished: ✅ a1 finished']);
  });

  it('stopping sends what is held and nothing after', () => {
    const a = twin({ coalesceMs: 60_000 });
    const stop = attachAdapter(bus, everything, a);
    bus.emit(idle('a1'));
    stop();
    bus.emit(finished('a1'));
    expect(a.got).toEqual(['idle: 💤 a1 idle for 60s']);
  });

  it('a mirror gets every event as it is, never a message', () => {
    const seen: string[] = [];
    attachAdapter(bus, (e) => e.kind !== 'idle', { name: 'hook', mirror: true, follow: (e) => void seen.push(e.kind) });
    bus.emit(finished('a1'));
    bus.emit(idle('a1'));
    bus.emit({ kind: 'tool_call', at, session_id: 'a1', turn_id: 't', entry_id: 'e', tool_use_id: 'u', tool: 'Bash', summary: 'ls' });
    expect(seen).toEqual(['finished', 'tool_call']);
  });

  it('events from before the channel started come first (the bus keeps them for late subscribers)', () => {
    bus.keepForLateSubscribers();
    bus.emit(finished('a1'));
    const a = twin();
    attachAdapter(bus, everything, a);
    expect(a.got).toEqual(['finished: ✅ a1 finished']);
  });
});
