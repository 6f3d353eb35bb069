import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../daemon/channels/channel.js';
import { createChannels } from '../../daemon/channels/registry.js';
import { configSchema, type Config } from '../../daemon/config/schema.js';
import { EventBus } from '../../daemon/events/bus.js';
import type { SessionEvent } from '../../daemon/events/types.js';
import { silentLogger } from '../../daemon/logger.js';
import { Store } from '../../daemon/store/store.js';
import { FakeCommands } from '../fakes/commands.js';
import { waitFor } from '../helpers/wait.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback receiver that answers each request with the next status in `script` (then 200). */
async function startReceiver(script: { status: number; headers?: Record<string, string> }[] = [], port = 0): Promise<{ url: string; got: Received[]; attempts: number; close(): Promise<void> }> {
  const state = { got: [] as Received[], attempts: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      state.attempts++;
      const next = script.shift() ?? { status: 200 };
      if (next.status === 200) state.got.push({ headers: req.headers, body });
      res.writeHead(next.status, next.headers ?? {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hook`, get got() { return state.got; }, get attempts() { return state.attempts; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const at = 1_700_000_000_000;
const req = { request_id: 'r1', kind: 'permission' as const, title: 'Bash', detail: 'npm test', options: [], allows_text: true, created_at: at };
const events: SessionEvent[] = [
  { kind: 'started', at, session_id: 'a1b2', cwd: '/home/o/app', adopted: false },
  { kind: 'permission_request', at: at + 1, session_id: 'a1b2', request: req },
  { kind: 'resolved', at: at + 2, session_id: 'a1b2', request_id: 'r1', outcome: 'allowed', by: { channel: 'telegram', user: '42' } },
  { kind: 'finished', at: at + 3, session_id: 'a1b2', last_message: 'Tests pass.\nAll 12.' },
  { kind: 'notify', at: at + 4, session_id: '', notify_id: 'n1', channel: 'auto', subject: 'Deploy', message: 'done' },
];

let stop: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of stop.reverse()) await f();
  stop = [];
});

async function webhookChannel(webhook: Record<string, unknown>): Promise<{ bus: EventBus; channel: Channel; store: Store }> {
  const dir = mkdtempSync(join(tmpdir(), 'csm-webhook-'));
  const parsed = configSchema.parse({ webhook });
  const config: Config = { ...parsed, paths: { home: dir, db: join(dir, 'csm.db'), token: join(dir, 'token'), log_dir: dir, config_file: null, search_path: '' } };
  const store = new Store(config.paths.db);
  const bus = new EventBus(silentLogger);
  const [channel] = await createChannels({ config, bus, commands: new FakeCommands(bus), store, log: silentLogger });
  await channel!.start();
  stop.push(async () => {
    await channel!.stop();
    store.close();
  });
  return { bus, channel: channel!, store };
}

describe('webhook channel: every event as a POST, through the shared outbox', () => {
  it('json: each event once, in order, with its text, through a 500, a 429 with Retry-After and a 503', async () => {
    const rx = await startReceiver([{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 503 }]);
    stop.push(() => rx.close());
    const { bus, channel } = await webhookChannel({ url: rx.url, headers: { authorization: 'Bearer s3cret' } });
    expect(channel.name).toBe('webhook');
    for (const e of events) bus.emit(e);
    await waitFor(() => rx.got.length === events.length || null, { timeoutMs: 20_000, message: 'all events at the receiver' });
    // Lanes go side by side (the notify is about no session); within a session's lane, order is kept.
    const received = rx.got.map((g) => JSON.parse(g.body) as { event: SessionEvent; text: string; urgent: boolean });
    expect(received.filter((b) => b.event.session_id === 'a1b2').map((b) => b.event)).toEqual(events.slice(0, 4));
    const bodies = [...received].sort((x, y) => x.event.at - y.event.at);
    expect(bodies.map((b) => b.event)).toEqual(events);
    expect(bodies.map((b) => b.text)).toEqual([
      '[a1b2] started in /home/o/app',
      '[a1b2] 🔐 wants to run Bash: npm test',
      '[a1b2] allowed (by telegram 42)',
      '[a1b2] ✅ finished: Tests pass.',
      'Deploy: done',
    ]);
    expect(bodies.map((b) => b.urgent)).toEqual([false, true, false, false, false]);
    expect(rx.attempts).toBe(events.length + 3);
    expect(new Set(rx.got.map((g) => g.headers['idempotency-key'])).size).toBe(events.length);
    expect(rx.got.every((g) => g.headers.authorization === 'Bearer s3cret' && g.headers['content-type'] === 'application/json')).toBe(true);
    expect(channel.health()).toEqual({ ok: true, detail: expect.stringContaining('posting to 127.0.0.1') });
  });

  it('a refusal that a retry cannot change (404) is dropped, logged, and does not block what follows', async () => {
    const rx = await startReceiver([{ status: 404 }]);
    stop.push(() => rx.close());
    const { bus } = await webhookChannel({ url: rx.url });
    bus.emit(events[0]!);
    bus.emit(events[3]!);
    await waitFor(() => rx.got.length === 1 || null, { timeoutMs: 10_000, message: 'the second event' });
    expect(JSON.parse(rx.got[0]!.body).event).toEqual(events[3]);
    expect(rx.attempts).toBe(2);
  });

  it('presets: slack { text }, discord { content }, ntfy plain text with title and priority', async () => {
    for (const [format, check] of [
      ['slack', (g: Received) => expect(JSON.parse(g.body)).toEqual({ text: '[a1b2] 🔐 wants to run Bash: npm test' })],
      ['discord', (g: Received) => expect(JSON.parse(g.body)).toEqual({ content: '[a1b2] 🔐 wants to run Bash: npm test' })],
      ['ntfy', (g: Received) => {
        expect(g.body).toBe('[a1b2] 🔐 wants to run Bash: npm test');
        expect(g.headers).toMatchObject({ title: 'csm a1b2', priority: 'high', tags: 'permission_request' });
      }],
    ] as const) {
      const rx = await startReceiver();
      stop.push(() => rx.close());
      const { bus } = await webhookChannel({ url: rx.url, format });
      bus.emit(events[1]!);
      await waitFor(() => rx.got.length === 1 || null, { timeoutMs: 10_000, message: `the ${format} post` });
      check(rx.got[0]!);
    }
  });

  it('the receiver down: events wait in the outbox and the health says why; they go once it is back', async () => {
    const rx = await startReceiver();
    const url = rx.url;
    await rx.close();
    const { bus, channel, store } = await webhookChannel({ url });
    bus.emit(events[0]!);
    await waitFor(() => (channel.health().ok ? null : channel.health()), { timeoutMs: 10_000, message: 'an unhealthy channel' });
    expect(channel.health().detail).toMatch(/1 event\(s\) waiting for 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    const n = (store.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE channel = 'webhook'").get() as { n: number }).n;
    expect(n).toBe(1);
    // The same port again: the backoff's next attempt finds it.
    const back = await startReceiver([], Number(new URL(url).port));
    stop.push(() => back.close());
    await waitFor(() => back.got.length === 1 || null, { timeoutMs: 15_000, message: 'the queued event after the receiver is back' });
    expect(JSON.parse(back.got[0]!.body).event).toEqual(events[0]);
    await waitFor(() => channel.health().ok || null, { timeoutMs: 5_000, message: 'a healthy channel again' });
  });
});
