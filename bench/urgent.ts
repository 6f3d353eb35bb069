/**
 * The urgent path with the real Claude Code CLI: how soon a permission request reaches the phone, and how
 * soon a tap reaches the model. Printed, not asserted (bench/run.ts).
 *
 * Each round: the fake model asks for a Bash tool call; Claude Code calls its PermissionRequest hooks. Next
 * to csm's own hook, the Claude home carries two marker hooks, http hooks to a listener here that only notes
 * the time: PermissionRequest (the floor: nothing can be sooner than the CLI calling its hook; the marker
 * is called the same way as csm's) and Notification (permission_prompt: Claude Code's own notice, the peer).
 * The breakdown follows one request through:
 *   CLI calls its hooks → csm's PermissionRequest arrives at POST /hook (parsed) → the event is on the bus →
 *   the sendMessage with the Allow button reaches the Bot API (the fake's own arrival time), or, for email,
 *   the SMTP connection of the request's mail opens at the sink.
 * In "busy" rounds three notices for the same session are queued when the model's turn starts, so they are
 * on the wire or queued for the same chat when the request comes (Telegram's per-chat pacing; for email, a
 * slow SMTP server holding the first). Then the bench taps Allow (or answers over the API, for email) and
 * times that → the tool_result reaching the model.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { loadConfig } from '../daemon/config/load.js';
import { createDaemon } from '../daemon/daemon.js';
import { silentLogger } from '../daemon/logger.js';
import { startFakeAnthropic } from '../test/fakes/anthropic-api.js';
import { startSmtpSink, type SmtpSink } from '../test/fakes/smtp-sink.js';
import { FakeTelegramBotApi } from '../test/fakes/telegram-bot-api.js';
import { prepareClaudeHome, workspace } from '../test/helpers/claude.js';
import { freePort } from '../test/helpers/daemon.js';
import { button, textOf } from '../test/helpers/telegram.js';

const wallNow = (): number => performance.timeOrigin + performance.now();

export interface UrgentOptions {
  claudeBin: string;
  channel: 'telegram' | 'email';
  /** Rounds in which three notices went to the same chat (or mailbox) just before the request. */
  busyRounds: number;
  quietRounds: number;
  /** Rounds (of the quiet ones) that wait for Claude Code's own Notification before answering. */
  peerRounds: number;
  /** Telegram: private chats served (telegram.chat_ids); the request counts as out when it left for the last of them. */
  chats?: number;
}

export interface Round {
  busy: boolean;
  toolUseOut: number;
  hookCalled: number;
  hookArrived: number;
  event: number;
  /** The Bot API request, or the SMTP connection, of the request's message. */
  out: number;
  notification?: number;
  answerToResult: number;
  /** The answer → csm answered the waiting PermissionRequest hook. */
  answerToDecision: number;
}

/** The marker hooks: http hooks to `url`, so they are called exactly as csm's own PermissionRequest is. */
function markerSettings(url: string): Record<string, unknown> {
  const hook = { type: 'http', url, timeout: 10 };
  return { hooks: { PermissionRequest: [{ matcher: '*', hooks: [hook] }], Notification: [{ hooks: [hook] }] } };
}

async function startMarkers(): Promise<{ url: string; permission: number[]; notification: number[]; close(): Promise<void> }> {
  const permission: number[] = [];
  const notification: number[] = [];
  const server = createServer((req, res) => {
    const at = wallNow();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { hook_event_name?: string; notification_type?: string };
      if (body.hook_event_name === 'PermissionRequest') permission.push(at);
      if (body.hook_event_name === 'Notification' && body.notification_type === 'permission_prompt') notification.push(at);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/marker`, permission, notification, close: () => new Promise((r) => server.close(() => r())) };
}

async function until<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await delay(2);
  }
}

export async function urgentPath(o: UrgentOptions): Promise<Round[]> {
  const { root, project, home } = workspace('csm-bench-urgent');
  const api = await startFakeAnthropic();
  const markers = await startMarkers();
  const others = Array.from({ length: Math.max(0, (o.chats ?? 1) - 1) }, (_, i) => 2001 + i);
  const tg = o.channel === 'telegram' ? await FakeTelegramBotApi.start({ chats: others.map((id) => ({ id, type: 'private' as const })) }) : null;
  const chatIds = tg ? [tg.owner.id, ...others] : [];
  const smtp: SmtpSink | null = o.channel === 'email' ? await startSmtpSink() : null;
  const claudeEnv = prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] });
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(markerSettings(markers.url)));
  const csmHome = join(root, 'csm');
  mkdirSync(csmHome);
  const port = await freePort();
  const socket = `csm-bench-urgent-${process.pid}-${port}`;
  const file = join(csmHome, 'config.yaml');
  writeFileSync(file, stringify({
    server: { port }, tmux: { socket_name: socket }, terminal: { launcher: 'none' },
    claude: { command: o.claudeBin, default_args: ['--permission-mode', 'default'], env: claudeEnv },
    ...(tg ? { telegram: { bot_token: tg.token, chat_ids: chatIds, api_root: tg.url } } : {}),
    // IMAP points nowhere: only sending is measured; the inbox retries quietly.
    ...(smtp ? { email: { smtp_host: '127.0.0.1', smtp_port: smtp.port, imap_host: '127.0.0.1', imap_port: await freePort(), username: 'u', password: 'p', from_address: 'csm@localhost', to_address: 'me@localhost' } } : {}),
  }));
  const config = loadConfig({ configPath: file, env: { CSM_HOME: csmHome } });
  const daemon = await createDaemon({ config, log: silentLogger });
  const hookArrivals: number[] = [];
  daemon.app.addHook('preHandler', async (req) => {
    if (req.url === '/hook' && (req.body as { hook_event_name?: string } | undefined)?.hook_event_name === 'PermissionRequest') hookArrivals.push(wallNow());
  });
  const decisions: number[] = [];
  daemon.app.addHook('onResponse', async (req, reply) => {
    if (req.url === '/hook' && reply.statusCode === 200) decisions.push(wallNow());
  });
  const events: { at: number; request_id: string }[] = [];
  daemon.bus.subscribe((e) => {
    if (e.kind === 'permission_request') events.push({ at: wallNow(), request_id: e.request.request_id });
  });
  await daemon.start();
  const rounds: Round[] = [];
  try {
    if (tg) await until(() => tg.commands.length > 0, 30_000, 'the bot to be polling');
    const s = await daemon.commands.newSession({ cwd: project }, { channel: 'api' });
    if (tg) await until(() => tg.botMessages().some((m) => textOf(m).startsWith(`🚀 Session ${s.id}`)), 30_000, 'the root message');
    await until(() => daemon.manager.get(s.id).status === 'idle', 60_000, 'Claude Code to show its prompt');
    for (let i = 0; i < o.busyRounds + o.quietRounds; i++) {
      const busy = i < o.busyRounds;
      const peer = !busy && i - o.busyRounds < o.peerRounds;
      const tag = `bench-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const toolId = `toolu_bench_${i}_${Date.now()}`;
      api.reply({ toolUse: { name: 'Bash', id: toolId, input: { command: `touch ${tag}.txt`, description: `Create ${tag}.txt` } }, ...(busy ? { delayMs: 300 } : {}) }, { text: `Created ${tag}.` });
      const [permBefore, notifBefore, hooksBefore, eventsBefore, seen] = [markers.permission.length, markers.notification.length, hookArrivals.length, events.length, api.requests.length];
      const connBefore = smtp?.connections.length ?? 0;
      void daemon.commands.sendInput(s.id, `please create ${tag}`, { channel: 'api' });
      const turn = await api.waitForRequest((r) => r.mainTurn && api.requests.indexOf(r) >= seen, 30_000);
      if (busy) {
        // The model "thinks" for 300 ms: three notices go to the same chat (or mailbox, its server slow) meanwhile.
        smtp?.slowNext(1000);
        for (let k = 0; k < 3; k++) daemon.commands.notify({ session_id: s.id, message: `progress ${k} of ${tag}`, channel: o.channel }, { channel: 'api' });
      }
      const ev = await until(() => events[eventsBefore], 30_000, 'the permission request');
      let out: number;
      let answer: () => void;
      if (tg) {
        const perm = await tg.waitForMessage((m) => textOf(m).startsWith(`🔔 ${s.id} Bash`) && textOf(m).includes(tag), 30_000);
        // Every chat has the request before it counts as out: the last one to get it.
        await Promise.all(chatIds.map((chat) => tg.waitForMessage((m) => m.chat_id === chat && textOf(m).startsWith(`🔔 ${s.id} Bash`) && textOf(m).includes(tag), 30_000)));
        out = Math.max(...chatIds.map((chat) => tg.calls.find((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chat && String(c.params.text ?? '').includes(tag) && c.params.reply_markup !== undefined)!.arrivedAt));
        answer = () => void tg.userTaps(perm.message_id, button(perm, /^Allow/));
      } else {
        const mail = await smtp!.waitForMessage((m) => (m.parsed.text ?? '').includes(`touch ${tag}.txt`), 30_000);
        // The request's mail: the first connection opened after the event (the notices' started before it).
        out = smtp!.connections.slice(connBefore).find((t) => t >= ev.at) ?? Number.NaN;
        void mail;
        answer = () => void daemon.commands.answer(s.id, { request_id: ev.request_id, choice: 'allow' }, { channel: 'email' });
      }
      const hookCalled = await until(() => markers.permission[permBefore], 10_000, 'the marker hook');
      const hookArrived = hookArrivals[hooksBefore] ?? Number.NaN;
      let notification: number | undefined;
      if (peer) notification = await until(() => markers.notification[notifBefore], 30_000, "Claude Code's Notification hook");
      const decisionsBefore = decisions.length;
      const answeredAt = wallNow();
      answer();
      const result = await api.waitForRequest((r) => r.mainTurn && JSON.stringify(r.body.messages ?? []).includes(toolId) && r.at >= answeredAt, 30_000);
      rounds.push({ busy, toolUseOut: turn.answeredAt ?? turn.at, hookCalled, hookArrived, event: ev.at, out, ...(notification !== undefined ? { notification } : {}), answerToResult: result.at - answeredAt, answerToDecision: (decisions[decisionsBefore] ?? Number.NaN) - answeredAt });
      await until(() => daemon.manager.get(s.id).status === 'idle' && (!smtp || smtp.messages.length >= connBefore + (busy ? 4 : 1)), 30_000, 'the round to finish');
    }
    return rounds;
  } finally {
    await daemon.stop();
    await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
    await Promise.all([tg?.close(), smtp?.close(), api.close(), markers.close()]);
  }
}

const pct = (xs: number[], p: number): number => {
  const sorted = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (x: number): string => `${x.toFixed(0)} ms`;

/** The figures, one line each, with ratios against the floor and the peer. */
export function reportUrgent(channel: 'telegram' | 'email', rounds: Round[], print: (line: string) => void = console.log, chats = 1): void {
  const line = (label: string, xs: number[]): string => `${label.padEnd(44)} p50 ${ms(pct(xs, 50)).padStart(7)}   p99 ${ms(pct(xs, 99)).padStart(7)}`;
  const sink = channel === 'telegram' ? 'Bot API request' : 'SMTP send starts';
  const busyName = channel === 'telegram' ? '3 notices to the chat just before' : '3 notices just before, the server slow';
  for (const [name, set] of [['quiet', rounds.filter((r) => !r.busy)], [busyName, rounds.filter((r) => r.busy)]] as const) {
    if (set.length === 0) continue;
    print(`permission → ${channel === 'telegram' ? (chats > 1 ? `the last of ${chats} chats` : 'phone') : 'mail'}, ${name} (${set.length} rounds, real Claude Code):`);
    print(line('  model tool_use out → CLI calls its hook', set.map((r) => r.hookCalled - r.toolUseOut)));
    print(line("  CLI calls its hook → csm's hook parsed", set.map((r) => r.hookArrived - r.hookCalled)));
    print(line('  hook parsed → event', set.map((r) => r.event - r.hookArrived)));
    print(line(`  event → ${sink}`, set.map((r) => r.out - r.event)));
    print(line(`  CLI calls its hook → ${sink}`, set.map((r) => r.out - r.hookCalled)) + '   (target p50 < 50, p99 < 150)');
  }
  const peers = rounds.filter((r) => r.notification !== undefined);
  if (peers.length > 0) {
    const ours = pct(peers.map((r) => r.out - r.hookCalled), 50);
    const theirs = pct(peers.map((r) => r.notification! - r.hookCalled), 50);
    print(`${line("  Claude Code's own Notification (the peer)", peers.map((r) => r.notification! - r.hookCalled))}   csm ${(theirs / Math.max(ours, 1)).toFixed(0)}× sooner`);
  }
  print(line(channel === 'telegram' ? 'tap Allow → tool_result at the model' : 'answer → tool_result at the model', rounds.map((r) => r.answerToResult)));
  print(line('  of which: → csm answers the hook', rounds.map((r) => r.answerToDecision)));
  print(line('  of which: hook answered → tool_result (the CLI)', rounds.map((r) => r.answerToResult - r.answerToDecision)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bin = process.env.BENCH_CLAUDE ?? join(import.meta.dirname, '..', '.cache/claude-latest/node_modules/.bin/claude');
  const channel = process.env.BENCH_CHANNEL === 'email' ? 'email' : 'telegram';
  const rounds = await urgentPath({ claudeBin: bin, channel, busyRounds: Number(process.env.BENCH_BUSY ?? 5), quietRounds: Number(process.env.BENCH_QUIET ?? 5), peerRounds: Number(process.env.BENCH_PEER ?? 1) });
  reportUrgent(channel, rounds);
  if (process.env.BENCH_RAW) console.log(JSON.stringify(rounds, null, 1));
  process.exit(0);
}
