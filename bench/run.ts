/**
 * `npm run bench`: the daemon's speed and footprint on this machine, printed, not asserted.
 *   1. hook received → event emitted (p50/p99), inside the daemon (fastify inject → bus)
 *   2. POST /session/:id/input → the text visible in the tmux pane
 *   3. a reply from the phone → the text visible in the pane: Telegram (fake Bot API, long polling) and
 *      email (a real Dovecot, IMAP IDLE), through the real channels
 *   4. permission → phone (and → mail) with the real Claude Code CLI, broken down, against the CLI's own
 *      PermissionRequest hook call (the floor) and its own Notification (the peer), in a quiet chat and with
 *      three notices sent to the chat just before; tap → tool_result at the model (bench/urgent.ts)
 *   5. scale (bench/scale.ts, bench/growth.ts): CPU and RSS of `csm serve` while 200 sessions each write output continuously
 *      for 30 s; growth after 1,000 sessions started and killed and 100,000 hook calls (RSS, open file
 *      descriptors, database size) before, after, and after a retention sweep, in two rounds
 *   6. live output: a transcript line appended → its event on the bus (bench/transcript.ts)
 *   7. the web dashboard (bench/web.ts): the pane source, output → drawn in headless Chromium, 10 viewers
 *   8. a pane image of a 200×50 pane: render time and PNG size (bench/pane-image.ts)
 * Targets: p99 event latency < 5 ms; replies typed within seconds; hook call → Bot API request (or SMTP
 * send) p50 < 50 ms, p99 < 150 ms; 200 busy sessions < 10% of one core and < 200 MB RSS; no growth that
 * does not return after retention.
 *
 *   npm run bench                       everything (about 15 minutes on 2 cores)
 *   npm run bench -- --only scale       one part: hook, input, reply, urgent, busy, growth, transcript, web, image or scale (busy + growth)
 *   npm run bench -- --quick            the scale parts smaller: 50 busy sessions for 10 s, 200 sessions and 20,000 hooks
 *   BENCH_SESSIONS, BENCH_SECONDS       busy sessions and seconds; BENCH_GROWTH_SESSIONS, BENCH_HOOKS the growth sizes
 *   BENCH_PROFILE=DIR                   a CPU profile of the daemon under load (node --cpu-prof) into DIR
 *   BENCH_FDS=1                         the daemon's open descriptors by kind at each growth snapshot
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { loadConfig } from '../daemon/config/load.js';
import { createDaemon } from '../daemon/daemon.js';
import { silentLogger } from '../daemon/logger.js';
import { FakeTelegramBotApi } from '../test/fakes/telegram-bot-api.js';
import { freePort } from '../test/helpers/daemon.js';
import { OWNER, startMailStack, type MailStack } from '../test/helpers/mail.js';
import { transcriptLatency } from './transcript.js';
import { paneImageBench } from './pane-image.js';
import { parseArgs } from 'node:util';
import { growth, reportGrowth } from './growth.js';
import { busySessions, reportBusy } from './scale.js';
import { reportUrgent, urgentPath } from './urgent.js';
import { webBench } from './web.js';

const ROOT = join(import.meta.dirname, '..');
const WRITER = join(ROOT, 'test/fixtures/bin/busy-writer');
const { values: flags } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const PARTS = ['hook', 'input', 'reply', 'urgent', 'busy', 'growth', 'transcript', 'web', 'image'] as const;
const only = flags.only === 'scale' ? ['busy', 'growth'] : flags.only ? flags.only.split(',') : [...PARTS];
const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) throw new Error(`--only takes ${PARTS.join(', ')} or scale (got ${unknown.join(', ')})`);
const quick = flags.quick || process.env.BENCH_QUICK === '1';
const num = (name: string, full: number, small: number): number => Number(process.env[name] ?? (quick ? small : full));
const SESSIONS = num('BENCH_SESSIONS', 200, 50);
const SECONDS = num('BENCH_SECONDS', 30, 10);
const GROWTH_SESSIONS = num('BENCH_GROWTH_SESSIONS', 1000, 200);
const HOOKS = num('BENCH_HOOKS', 100_000, 20_000);

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (ms: number): string => `${ms.toFixed(3)} ms`;

async function configFor(extra: Record<string, unknown> = {}): Promise<{ home: string; file: string; port: number; socket: string }> {
  const home = mkdtempSync(join(tmpdir(), 'csm-bench-'));
  const port = await freePort();
  const socket = `csm-bench-${process.pid}-${port}`;
  const file = join(home, 'config.yaml');
  writeFileSync(file, stringify({ server: { port }, claude: { command: WRITER }, tmux: { socket_name: socket }, terminal: { launcher: 'none' }, ...extra }));
  return { home, file, port, socket };
}

async function hookLatency(): Promise<void> {
  const c = await configFor();
  const config = loadConfig({ configPath: c.file, env: { CSM_HOME: c.home } });
  const daemon = await createDaemon({ config, log: silentLogger });
  await daemon.start();
  try {
    const s = await daemon.commands.newSession({ cwd: c.home }, { channel: 'api' });
    const samples: number[] = [];
    let t0 = 0;
    daemon.bus.on('finished', () => samples.push(performance.now() - t0));
    for (let i = 0; i < 2000; i++) {
      t0 = performance.now();
      await daemon.app.inject({
        method: 'POST', url: '/hook',
        headers: { host: '127.0.0.1', authorization: `Bearer ${daemon.token}`, 'x-csm-session': s.id },
        payload: { hook_event_name: 'Stop', session_id: 'bench', last_assistant_message: `done ${i}` },
      });
    }
    const warm = samples.slice(200);
    console.log(`hook → event      p50 ${fmt(pct(warm, 50))}   p99 ${fmt(pct(warm, 99))}   (${warm.length} Stop hooks; target p99 < 5 ms)`);
  } finally {
    await daemon.stop();
    await execa('tmux', ['-L', c.socket, 'kill-server'], { reject: false });
  }
}

async function inputLatency(): Promise<void> {
  const c = await configFor({ claude: { command: join(ROOT, 'test/fixtures/bin/echo-input') } });
  const config = loadConfig({ configPath: c.file, env: { CSM_HOME: c.home } });
  const daemon = await createDaemon({ config, log: silentLogger, timing: { input: { enterDelayMs: 250, confirmMs: 200 } } });
  await daemon.start();
  try {
    const s = daemon.manager.get((await daemon.commands.newSession({ cwd: c.home }, { channel: 'api' })).id);
    const samples: number[] = [];
    for (let i = 0; i < 30; i++) {
      const text = `bench-${i}-${Math.random().toString(36).slice(2)}`;
      const t0 = performance.now();
      const typing = daemon.commands.sendInput(s.id, text, { channel: 'api' });
      for (;;) {
        const screen = (await execa('tmux', ['-L', c.socket, 'capture-pane', '-p', '-t', s.pane_id])).stdout;
        if (screen.includes(text)) break;
        await delay(2);
      }
      samples.push(performance.now() - t0);
      await typing;
    }
    console.log(`input → visible   p50 ${fmt(pct(samples, 50))}   p99 ${fmt(pct(samples, 99))}   (${samples.length} inputs; Enter follows 250 ms later by design)`);
  } finally {
    await daemon.stop();
    await execa('tmux', ['-L', c.socket, 'kill-server'], { reject: false });
  }
}

/** Polls the pane until `text` shows; returns the time it took since `t0`. */
async function visibleAfter(socket: string, pane: string, text: string, t0: number): Promise<number> {
  for (;;) {
    const screen = (await execa('tmux', ['-L', socket, 'capture-pane', '-p', '-t', pane])).stdout;
    if (screen.includes(text)) return performance.now() - t0;
    await delay(5);
  }
}

async function replyLatency(): Promise<void> {
  const REPLIES = 10;
  let mail: MailStack | null = null;
  try {
    mail = await startMailStack();
  } catch (err) {
    console.log(`reply → typed     email skipped: no private Dovecot here (${(err as Error).message.split('\n')[0]})`);
  }
  const tg = await FakeTelegramBotApi.start();
  const c = await configFor({
    claude: { command: join(ROOT, 'test/fixtures/bin/echo-input') },
    telegram: { bot_token: tg.token, chat_id: tg.owner.id, api_root: tg.url },
    ...(mail ? { email: mail.config } : {}),
  });
  const config = loadConfig({ configPath: c.file, env: { CSM_HOME: c.home } });
  const daemon = await createDaemon({ config, log: silentLogger, timing: { input: { enterDelayMs: 250, confirmMs: 200 } } });
  await daemon.start();
  try {
    const s = daemon.manager.get((await daemon.commands.newSession({ cwd: c.home }, { channel: 'api' })).id);
    const root = await tg.waitForMessage((m) => (m.text ?? '').startsWith(`🚀 Session ${s.id}`), 30_000);
    const telegram: number[] = [];
    for (let i = 0; i < REPLIES; i++) {
      const text = `tg-${i}-${Math.random().toString(36).slice(2)}`;
      const t0 = performance.now();
      const sent = tg.userSends({ text, replyTo: root.message_id });
      telegram.push(await visibleAfter(c.socket, s.pane_id, text, t0));
      // The next reply only after this one is done (Enter sent, 👍 or the stand-in's "not confirmed" reply): one at
      // a time, as a person types. Back to back, a reply would wait for the previous one's Enter.
      while (sent.reactions.length === 0 && !tg.botMessages().some((m) => m.reply_to === sent.message_id)) await delay(5);
    }
    console.log(`reply → typed     Telegram p50 ${fmt(pct(telegram, 50))}   max ${fmt(Math.max(...telegram))}   (${REPLIES} thread replies, long polling)`);
    if (!mail) return;
    const { dovecot, smtp, mailbox } = mail;
    daemon.commands.notify({ session_id: s.id, channel: 'email', subject: 'bench', message: 'reply to me' }, { channel: 'api' });
    const first = await smtp.waitForMessage((m) => m.parsed.subject === `[claude-${s.id}] bench`, 30_000);
    const email: number[] = [];
    for (let i = 0; i < REPLIES; i++) {
      const text = `mail-${i}-${Math.random().toString(36).slice(2)}`;
      const raw = [`From: ${OWNER}`, 'To: csm@example.test', `Subject: Re: ${first.parsed.subject}`, `Message-ID: <bench-${i}-${Date.now()}@example.test>`, `In-Reply-To: ${first.parsed.messageId}`, '', text, '', '> reply to me', ''].join('\r\n');
      const t0 = performance.now();
      const uid = await dovecot.append(mailbox, raw);
      email.push(await visibleAfter(c.socket, s.pane_id, text, t0));
      while (!(await dovecot.messages(mailbox)).find((m) => m.uid === uid)?.flags.includes('\\Seen')) await delay(20);
    }
    console.log(`reply → typed     email    p50 ${fmt(pct(email, 50))}   max ${fmt(Math.max(...email))}   (${REPLIES} replies appended to Dovecot, IMAP IDLE)`);
  } finally {
    await daemon.stop();
    await execa('tmux', ['-L', c.socket, 'kill-server'], { reject: false });
    await Promise.all([tg.close(), mail?.close()]);
  }
}

/** The latest Claude Code (what users run), else the pinned one; the version is printed with the figures. */
async function urgent(): Promise<void> {
  const latest = join(ROOT, '.cache/claude-latest/node_modules/.bin/claude');
  const bin = process.env.BENCH_CLAUDE ?? (existsSync(latest) ? latest : join(ROOT, 'node_modules/.bin/claude'));
  const version = (await execa(bin, ['--version'])).stdout.trim().replace(/ \(Claude Code\)$/, '');
  console.log(`urgent path with Claude Code ${version}:`);
  reportUrgent('telegram', await urgentPath({ claudeBin: bin, channel: 'telegram', busyRounds: 5, quietRounds: 5, peerRounds: 1 }));
  reportUrgent('email', await urgentPath({ claudeBin: bin, channel: 'email', busyRounds: 3, quietRounds: 3, peerRounds: 0 }));
  // telegram.chat_ids: each chat has its own outbox, so the last of three should not wait for the others.
  reportUrgent('telegram', await urgentPath({ claudeBin: bin, channel: 'telegram', busyRounds: 3, quietRounds: 3, peerRounds: 0, chats: 3 }), console.log, 3);
}

console.log(`csm bench on ${process.platform}/${process.arch}, node ${process.version}${quick ? ' (--quick)' : ''}`);
if (only.includes('hook')) await hookLatency();
if (only.includes('input')) await inputLatency();
if (only.includes('reply')) await replyLatency();
if (only.includes('urgent')) await urgent();
if (only.includes('busy')) reportBusy(await busySessions(SESSIONS, SECONDS, process.env.BENCH_PROFILE), { cpuPct: 10, rssMb: 200 });
if (only.includes('growth')) {
  reportGrowth(await growth({ sessions: GROWTH_SESSIONS, hooks: HOOKS, live: 10, rounds: 2, ...(process.env.BENCH_PROFILE ? { profileDir: process.env.BENCH_PROFILE } : {}) }));
}
if (only.includes('transcript')) {
  const transcript = await transcriptLatency();
  console.log(`transcript → event p50 ${fmt(pct(transcript, 50))}   p99 ${fmt(pct(transcript, 99))}   (${transcript.length} lines appended to a real file, fs.watch)`);
}
if (only.includes('web')) await webBench();
if (only.includes('image')) await paneImageBench();
process.exit(0);
