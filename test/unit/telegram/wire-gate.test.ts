import { describe, expect, it } from 'vitest';
import { StoppingError, WireGate } from '../../../daemon/channels/telegram/bot.js';

type Prev = Parameters<ReturnType<WireGate['inner']>>[0];
type Result = Awaited<ReturnType<Prev>>;

/** A call whose network answer the test gives by hand, through outer → (a queue standing for the throttler) → inner. */
function harness(gate: WireGate) {
  const wire: { payload: object; answer: (r: Result) => void }[] = [];
  const queue: (() => void)[] = [];
  const network = ((_m: string, payload: object) => new Promise<Result>((answer) => wire.push({ payload, answer }))) as unknown as Prev;
  const inner = gate.inner();
  const throttled = ((m: string, p: object, s?: AbortSignal) =>
    new Promise<Result>((resolve, reject) => queue.push(() => void (inner(network, m as never, p as never, s as never) as Promise<Result>).then(resolve, reject)))) as unknown as Prev;
  const outer = gate.outer();
  const call = (payload: object): Promise<Result> => outer(throttled, 'sendMessage' as never, payload as never, undefined) as Promise<Result>;
  return { wire, release: () => queue.shift()!(), call };
}

const ok = { ok: true, result: { message_id: 1 } } as unknown as Result;
const tooMany = { ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 5 } } as unknown as Result;

describe('WireGate', () => {
  it('close(): a call still in the throttler fails at once with StoppingError and is refused, unsent, when released', async () => {
    const gate = new WireGate();
    const h = harness(gate);
    const waiting = h.call({ chat_id: 1, text: 'a' });
    gate.close();
    await expect(waiting).rejects.toBeInstanceOf(StoppingError);
    h.release();
    await new Promise((r) => setImmediate(r));
    expect(h.wire).toHaveLength(0);
  });

  it('close(): a call on the wire runs to the end and gives its answer', async () => {
    const gate = new WireGate();
    const h = harness(gate);
    const sent = h.call({ chat_id: 1, text: 'b' });
    h.release();
    await new Promise((r) => setImmediate(r));
    expect(h.wire).toHaveLength(1);
    gate.close();
    h.wire[0]!.answer(ok);
    await expect(sent).resolves.toEqual(ok);
  });

  it('an attempt Telegram refused (429) holds nothing: its retry may be given up at close()', async () => {
    const gate = new WireGate();
    const h = harness(gate);
    const payload = { chat_id: 1, text: 'c' };
    const first = h.call(payload);
    h.release();
    await new Promise((r) => setImmediate(r));
    h.wire[0]!.answer(tooMany);
    await expect(first).resolves.toEqual(tooMany);
    const retry = h.call(payload);
    gate.close();
    await expect(retry).rejects.toBeInstanceOf(StoppingError);
  });

  it('calls with no chat (getMe) and getUpdates pass through untouched', async () => {
    const gate = new WireGate();
    gate.close();
    const prev = (async () => ok) as unknown as Prev;
    await expect(gate.outer()(prev, 'getMe' as never, undefined as never, undefined)).resolves.toEqual(ok);
    await expect(gate.inner()(prev, 'getUpdates' as never, { offset: 0 } as never, undefined)).resolves.toEqual(ok);
  });
});
