/**
 * The urgent path with the real Claude Code CLI: how soon a permission request reaches the phone, and how
 * soon a tap reaches the model. Printed, not asserted (bench/run.ts).
 *
 * Each round: the fake model asks for a Bash tool call; Claude Code calls its PermissionRequest hooks. Next
 * to csm's own hook, the Claude home carries two marker hooks that only write the time they were called:
 * PermissionRequest (the floor: nothing can be sooner than the CLI calling its hook) and Notification
 * (permission_prompt: Claude Code's own notice, the peer). The breakdown follows one request through:
 *   CLI calls its hooks → csm's POST /hook arrives (fastify onRequest) → the event is on the bus →
 *   the sendMessage with the Allow button reaches the Bot API (the fake's own arrival time).
 * In "busy" rounds three notices for the same session are queued at the moment the model's turn
 * starts, so they are on the wire or queued for the same chat when the request comes (the per-chat pacing
 * case). Then the bench taps Allow and times the tap → the tool_result reaching the model.
 */
import { appendFileSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { loadConfig } from '../daemon/config/load.js';
import { createDaemon } from '../daemon/daemon.js';
import { silentLogger } from '../daemon/logger.js';
import { startFakeAnthropic } from '../test/fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeMessage } from '../test/fakes/telegram-bot-api.js';
import { prepareClaudeHome, workspace } from '../test/helpers/claude.js';
import { freePort } from '../test/helpers/daemon.js';
import { button, textOf } from '../test/helpers/telegram.js';

const wallNow = (): number => performance.timeOrigin + performance.now();

export interface UrgentOptions {
  claudeBin: string;
  /** Rounds in which three notices were sent to the same chat just before the request. */
  busyRounds: number;
  quietRounds: number;
  /** Rounds (of the quiet ones) that wait for Claude Code's own Notification before tapping. */
  peerRounds: number;
}

interface Round {
  busy: boolean;
  toolUseOut: number;
  hookCalled: number;
  hookArrived: number;
  event: number;
  botApi: number;
  notification?: number;
  tapToResult: number;
}

/** Marker hooks: each appends `<ns since epoch>` to its file; Notification only for permission prompts. */
function markerSettings(dir: string): Record<string, unknown> {
  const mark = (file: string, filter?: string): string =>
    filter
      ? `t=$(date +%s%N); grep -q ${filter} && echo $t >> '${join(dir, file)}'; exit 0`
      : `t=$(date +%s%N); cat >/dev/null; echo $t >> '${join(dir, file)}'; exit 0`;
  return {
    hooks: {
      PermissionRequest: [{ matcher: '*', hooks: [{ type: 'command', command: mark('permission'), timeout: 10 }] }],
      Notification: [{ hooks: [{ type: 'command', command: mark('notification', 'permission_prompt'), timeout: 10 }] }],
    },
  };
}

const marks = (file: string): number[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((ns) => Number(BigInt(ns) / 1000n) / 1000) : [];

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
  const markDir = join(root, 'marks');
  mkdirSync(markDir);
  const api = await startFakeAnthropic();
  const tg = await FakeTelegramBotApi.start();
  const claudeEnv = prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] });
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(markerSettings(markDir)));
  const csmHome = join(root, 'csm');
  mkdirSync(csmHome);
  const port = await freePort();
  const socket = `csm-bench-urgent-${process.pid}`;
  const file = join(csmHome, 'config.yaml');
  writeFileSync(file, stringify({
    server: { port }, tmux: { socket_name: socket }, terminal: { launcher: 'none' },
    claude: { command: o.claudeBin, default_args: ['--permission-mode', 'default'], env: claudeEnv },
    telegram: { bot_token: tg.token, chat_id: tg.owner.id, api_root: tg.url },
  }));
  const config = loadConfig({ configPath: file, env: { CSM_HOME: csmHome } });
  const daemon = await createDaemon({ config, log: silentLogger });
  const hookArrivals: number[] = [];
  daemon.app.addHook('onRequest', async (req) => {
    if (req.url === '/hook' && req.method === 'POST') hookArrivals.push(wallNow());
  });
  const events: { kind: string; at: number; request_id?: string }[] = [];
  daemon.bus.subscribe((e) => {
    if (e.kind === 'permission_request') events.push({ kind: e.kind, at: wallNow(), request_id: e.request.request_id });
  });
  await daemon.start();
  const rounds: Round[] = [];
  try {
    await until(() => tg.commands.length > 0, 30_000, 'the bot to be polling');
    const s = await daemon.commands.newSession({ cwd: project }, { channel: 'api' });
    await until(() => tg.botMessages().some((m) => textOf(m).startsWith(`🚀 Session ${s.id}`)), 30_000, 'the root message');
    await until(() => daemon.manager.get(s.id).status === 'idle', 60_000, 'Claude Code to show its prompt');
    const total = o.busyRounds + o.quietRounds;
    for (let i = 0; i < total; i++) {
      const busy = i < o.busyRounds;
      const peer = !busy && i - o.busyRounds < o.peerRounds;
      const tag = `bench-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const toolId = `toolu_bench_${i}_${Date.now()}`;
      api.reply({ toolUse: { name: 'Bash', id: toolId, input: { command: `touch ${tag}.txt`, description: `Create ${tag}.txt` } }, ...(busy ? { delayMs: 300 } : {}) }, { text: `Printed ${tag}.` });
      const permBefore = marks(join(markDir, 'permission')).length;
      const notifBefore = marks(join(markDir, 'notification')).length;
      const hooksBefore = hookArrivals.length;
      const seen = api.requests.length;
      void daemon.commands.sendInput(s.id, `please print ${tag}`, { channel: 'api' });
      const turn = await api.waitForRequest((r) => r.mainTurn && api.requests.indexOf(r) >= seen, 30_000);
      if (busy) {
        // The model is "thinking" for 300 ms: three notices go to the same chat meanwhile.
        for (let k = 0; k < 3; k++) daemon.commands.notify({ session_id: s.id, message: `progress ${k} of ${tag}`, channel: 'telegram' }, { channel: 'api' });
      }
      const perm = await tg.waitForMessage((m) => textOf(m).startsWith(`🔔 ${s.id} Bash`) && textOf(m).includes(tag), 30_000);
      const call = tg.calls.find((c) => c.method === 'sendMessage' && String(c.params.text ?? '').includes(tag) && c.params.reply_markup !== undefined)!;
      const hookCalled = await until(() => marks(join(markDir, 'permission'))[permBefore], 10_000, 'the marker hook');
      const ev = events.at(-1)!;
      // The hooks that arrived after this round's PermissionRequest marker: the first is its POST /hook.
      const hookArrived = hookArrivals.slice(hooksBefore).find((t) => t >= hookCalled) ?? Number.NaN;
      let notification: number | undefined;
      if (peer) notification = await until(() => marks(join(markDir, 'notification'))[notifBefore], 30_000, "Claude Code's Notification hook");
      const tapAt = wallNow();
      tg.userTaps(perm.message_id, button(perm, /^Allow/));
      const result = await api.waitForRequest((r) => r.mainTurn && JSON.stringify(r.body.messages ?? []).includes(toolId) && r.at >= tapAt, 30_000);
      if (process.env.BENCH_DEBUG) console.log(tg.calls.filter((c) => c.arrivedAt > ev.at - 3000 && c.arrivedAt <= call.arrivedAt).map((c) => `${c.method} ${(c.arrivedAt - ev.at).toFixed(0)}`).join(' | '));
      rounds.push({
        busy, toolUseOut: turn.answeredAt ?? turn.at, hookCalled, hookArrived, event: ev.at, botApi: call.arrivedAt,
        ...(notification !== undefined ? { notification } : {}), tapToResult: result.at - tapAt,
      });
      await until(() => tg.botMessages().some((m: FakeMessage) => textOf(m).startsWith(`✅ ${s.id} finished`) && textOf(m).includes(`Printed ${tag}`)), 30_000, 'the round to finish');
      await until(() => daemon.manager.get(s.id).status === 'idle', 30_000, 'idle again');
      // The "finished" message was just sent: in the next round the chat had a message within the last second.
    }
    return rounds;
  } finally {
    await daemon.stop();
    await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
    await Promise.all([tg.close(), api.close()]);
    appendFileSync(join(markDir, 'done'), '');
  }
}

const pct = (xs: number[], p: number): number => {
  const sorted = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (x: number): string => `${x.toFixed(0)} ms`;

/** The figures, one line each, with ratios against the floor and the peer. */
export function reportUrgent(rounds: Round[], print: (line: string) => void = console.log): void {
  const line = (label: string, xs: number[]): string => `${label.padEnd(40)} p50 ${ms(pct(xs, 50)).padStart(7)}   p99 ${ms(pct(xs, 99)).padStart(7)}`;
  for (const [name, set] of [['quiet chat', rounds.filter((r) => !r.busy)], ['3 notices to the chat just before', rounds.filter((r) => r.busy)]] as const) {
    if (set.length === 0) continue;
    print(`permission → phone, ${name} (${set.length} rounds, real Claude Code):`);
    print(line('  model tool_use out → CLI calls hook', set.map((r) => r.hookCalled - r.toolUseOut)));
    print(line('  CLI calls hook → POST /hook arrives', set.map((r) => r.hookArrived - r.hookCalled)));
    print(line('  POST /hook → event', set.map((r) => r.event - r.hookArrived)));
    print(line('  event → Bot API request arrives', set.map((r) => r.botApi - r.event)));
    print(line('  CLI calls hook → Bot API (target <50/<150)', set.map((r) => r.botApi - r.hookCalled)));
  }
  const peers = rounds.filter((r) => r.notification !== undefined);
  if (peers.length > 0) {
    const ours = pct(peers.map((r) => r.botApi - r.hookCalled), 50);
    const theirs = pct(peers.map((r) => r.notification! - r.hookCalled), 50);
    print(`${line("  Claude Code's own Notification (peer)", peers.map((r) => r.notification! - r.hookCalled))}   csm is ${(theirs / Math.max(ours, 1)).toFixed(0)}× sooner`);
  }
  print(line('tap Allow → tool_result at the model', rounds.map((r) => r.tapToResult)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bin = process.env.BENCH_CLAUDE ?? join(import.meta.dirname, '..', '.cache/claude-latest/node_modules/.bin/claude');
  const rounds = await urgentPath({ claudeBin: bin, busyRounds: Number(process.env.BENCH_BUSY ?? 5), quietRounds: Number(process.env.BENCH_QUIET ?? 5), peerRounds: Number(process.env.BENCH_PEER ?? 1) });
  reportUrgent(rounds);
  if (process.env.BENCH_RAW) console.log(JSON.stringify(rounds, null, 1));
  process.exit(0);
}
