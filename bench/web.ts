/**
 * The web dashboard's figures (part of `npm run bench`, or alone: `npx tsx bench/web.ts`):
 *   1. the pane source: a program's output line → the daemon, by tmux control mode (what the dashboard
 *      uses) and by pipe-pane into a file read on change (the alternative; the daemon's own log uses it)
 *   2. pane output → drawn in a real headless Chromium's terminal (p50/p99)
 *   3. CPU and RSS of the daemon with 10 busy sessions, without viewers and with 10 pages watching them
 * Targets: p99 drawn < 100 ms; 10 viewers add < 5% of one core.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { TmuxClient } from '../daemon/tmux/tmux-client.js';
import { launchChromium } from '../test/helpers/browser.js';
import { startDaemon } from '../test/helpers/daemon.js';
import { openSocket, webLogin } from '../test/helpers/web.js';

const ROOT = join(import.meta.dirname, '..');
const STAMPER = join(ROOT, 'test/fixtures/bin/stamp-writer');
const BUSY = join(ROOT, 'test/fixtures/bin/busy-writer');
const SECONDS = Number(process.env.BENCH_WEB_SECONDS ?? 20);

const wall = (): number => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]): string => `p50 ${pct(xs, 50).toFixed(1)} ms   p99 ${pct(xs, 99).toFixed(1)} ms   (${xs.length} lines)`;
const STAMP = /T(\d+\.\d+)E/g;

function procStat(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100, rssMb: rssKb / 1024 };
}

/** Stamps found in text as it arrives; a stamp split across two chunks is found once the rest comes. */
function stampReader(samples: number[]): (text: string) => void {
  let carry = '';
  return (text) => {
    const now = wall();
    const all = carry + text;
    let end = 0;
    for (const m of all.matchAll(STAMP)) {
      samples.push(now - Number(m[1]));
      end = m.index + m[0].length;
    }
    carry = all.slice(Math.max(end, all.length - 40));
  };
}

/** CPU (ms) of the given processes so far; a process that is gone counts 0. */
const cpuOf = (pids: number[]): number => pids.reduce((sum, pid) => sum + (() => { try { return procStat(pid).cpuMs; } catch { return 0; } })(), 0);

/**
 * Each source alone for 8 s on a pane printing a stamped line every 20 ms: latency, and the CPU it costs
 * (the tmux server, plus pipe-pane's `cat`, plus this process reading).
 */
async function paneSource(): Promise<void> {
  const socket = `csm-bench-web-${process.pid}`;
  const tmux = new TmuxClient({ socketName: socket });
  const dir = mkdtempSync(join(tmpdir(), 'csm-bench-src-'));
  const tmuxCmd = (...args: string[]): Promise<string> => execa('tmux', ['-L', socket, ...args]).then((r) => r.stdout.trim());
  const run = async (name: string, attach: (samples: number[]) => Promise<() => void>): Promise<void> => {
    const samples: number[] = [];
    const detach = await attach(samples);
    await delay(1000);
    const server = Number(await tmuxCmd('display-message', '-p', '#{pid}'));
    const panePid = Number(await tmuxCmd('display-message', '-p', '-t', 'src', '#{pane_pid}'));
    const helpers = (await execa('ps', ['-o', 'pid=', '--ppid', String(server)], { reject: false })).stdout.split('\n').map(Number).filter((p) => p > 0 && p !== panePid);
    const pids = [server, ...helpers];
    const c0 = cpuOf(pids);
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    samples.length = 0;
    await delay(8000);
    const ms = performance.now() - t0;
    const own = process.cpuUsage(own0);
    const cpu = ((cpuOf(pids) - c0 + (own.user + own.system) / 1000) / ms) * 100;
    detach();
    console.log(`pane source       ${name.padEnd(28)} ${fmt(samples)}   CPU ${cpu.toFixed(1)}% of one core (tmux + reader)`);
  };
  try {
    await tmuxCmd('new-session', '-d', '-s', 'src', '-x', '200', '-y', '50', STAMPER);
    await delay(500);
    await run('control mode (tmux -C)', async (samples) => {
      const read = stampReader(samples);
      const client = tmux.control('src', { output: (_p, data) => read(data.toString('utf8')), layoutChange: () => undefined, exit: () => undefined });
      return () => client.close();
    });
    await run('pipe-pane → file → fs.watch', async (samples) => {
      const read = stampReader(samples);
      const file = join(dir, 'pipe.log');
      writeFileSync(file, '');
      await tmuxCmd('pipe-pane', '-o', '-t', 'src', `cat >> ${file}`);
      let offset = 0;
      const fd = openSync(file, 'r');
      const watcher = watch(file, () => {
        const size = statSync(file).size;
        if (size <= offset) return;
        const buf = Buffer.alloc(size - offset);
        readSync(fd, buf, 0, buf.length, offset);
        offset = size;
        read(buf.toString('utf8'));
      });
      return () => {
        watcher.close();
        closeSync(fd);
      };
    });
  } finally {
    await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
  }
}

async function drawnAndViewers(): Promise<void> {
  const d = await startDaemon({ claudeBin: STAMPER, claudeEnv: {}, config: { sessions: { stuck_seconds: 3600 } } });
  const browser = await launchChromium();
  try {
    const id = (await d.api<{ session_id: string }>('POST', '/session/new', { cwd: d.home })).body.session_id;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto((await d.api<{ url: string }>('POST', '/dashboard/login-link', {})).body.url);
    await page.locator('#conn[data-state="live"]').waitFor();
    await page.goto(`${d.url}/web/#/s/${id}`);
    await page.locator('#term[data-ready="1"]').waitFor();
    // Drawn = the DOM renderer put the line's text into the terminal's rows.
    await page.evaluate(`(() => {
      window.__lat = []; const seen = new Set();
      const rows = document.querySelector('#terminal .xterm-rows');
      // Lines already on screen were drawn before the measurement began: they are not samples.
      for (const m of rows.textContent.matchAll(/T(\\d+\\.\\d+)E/g)) seen.add(m[1]);
      new MutationObserver(() => {
        const now = performance.timeOrigin + performance.now();
        for (const m of rows.textContent.matchAll(/T(\\d+\\.\\d+)E/g)) if (!seen.has(m[1])) { seen.add(m[1]); window.__lat.push(now - Number(m[1])); }
      }).observe(rows, { childList: true, subtree: true, characterData: true });
    })()`);
    // The same lines as a plain WebSocket client in this process sees them: the daemon's share of the path.
    const socket = await openSocket(d, await webLogin(d));
    if ('refused' in socket) throw new Error(`socket refused: ${socket.refused}`);
    const received: number[] = [];
    const onFrame = stampReader(received);
    socket.ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; frame?: { type: string; data?: string } };
      if (m.type === 'frame' && m.frame?.type === 'output') onFrame(m.frame.data ?? '');
    });
    socket.ws.send(JSON.stringify({ type: 'watch', session_id: id }));
    await delay(SECONDS * 500);
    socket.ws.close();
    const drawn = ((await page.evaluate('window.__lat')) as number[]).slice(20);
    console.log(`output → socket   ${fmt(received.slice(20))} (a WebSocket client beside the browser)`);
    console.log(`output → drawn    ${fmt(drawn)} in headless Chromium (target p99 < 100 ms)`);
    await context.close();
  } finally {
    await browser.close();
    await d.cleanup();
  }

  const busy = await startDaemon({ claudeBin: BUSY, claudeEnv: {}, config: { sessions: { stuck_seconds: 3600 } } });
  const viewers = await launchChromium();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await busy.api<{ session_id: string }>('POST', '/session/new', { cwd: busy.home })).body.session_id);
    await delay(3000);
    const measure = async (): Promise<{ cpu: number; rss: number }> => {
      const a = procStat(busy.pid()!);
      const t0 = performance.now();
      await delay(SECONDS * 1000);
      const b = procStat(busy.pid()!);
      return { cpu: ((b.cpuMs - a.cpuMs) / (performance.now() - t0)) * 100, rss: b.rssMb };
    };
    const alone = await measure();
    const context = await viewers.newContext({ viewport: { width: 1280, height: 800 } });
    const first = await context.newPage();
    await first.goto((await busy.api<{ url: string }>('POST', '/dashboard/login-link', {})).body.url);
    await first.locator('#conn[data-state="live"]').waitFor();
    for (const [i, sid] of ids.entries()) {
      const p = i === 0 ? first : await context.newPage();
      await p.goto(`${busy.url}/web/#/s/${sid}`);
      await p.locator('#term[data-ready="1"]').waitFor({ timeout: 60_000 }).catch(async (err: Error) => {
        throw new Error(`page ${i} (${p.url()}) showed no terminal: ${(await p.locator('main').innerText()).slice(0, 300)}\n${err.message}`);
      });
    }
    await delay(2000);
    const watched = await measure();
    console.log(`10 busy sessions  no viewer: CPU ${alone.cpu.toFixed(1)}% of one core, RSS ${alone.rss.toFixed(0)} MB;  10 pages watching: CPU ${watched.cpu.toFixed(1)}%, RSS ${watched.rss.toFixed(0)} MB  (+${(watched.cpu - alone.cpu).toFixed(1)}% for the viewers; target < 5%)`);
  } finally {
    await viewers.close();
    await busy.cleanup();
  }
}

export async function webBench(): Promise<void> {
  await paneSource();
  await drawnAndViewers();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await webBench();
  process.exit(0);
}
