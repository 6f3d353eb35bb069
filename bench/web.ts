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

async function paneSource(): Promise<void> {
  const socket = `csm-bench-web-${process.pid}`;
  const tmux = new TmuxClient({ socketName: socket });
  const dir = mkdtempSync(join(tmpdir(), 'csm-bench-src-'));
  try {
    await execa('tmux', ['-L', socket, 'new-session', '-d', '-s', 'src', '-x', '200', '-y', '50', STAMPER]);
    await delay(500);
    const control: number[] = [];
    const onControl = stampReader(control);
    const client = tmux.control('src', { output: (_p, data) => onControl(data.toString('utf8')), layoutChange: () => undefined, exit: () => undefined });
    const piped: number[] = [];
    const onPipe = stampReader(piped);
    const file = join(dir, 'pipe.log');
    writeFileSync(file, '');
    await execa('tmux', ['-L', socket, 'pipe-pane', '-o', '-t', 'src', `cat >> ${file}`]);
    let offset = 0;
    const fd = openSync(file, 'r');
    const watcher = watch(file, () => {
      const size = statSync(file).size;
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      onPipe(buf.toString('utf8'));
    });
    await delay(10_000);
    watcher.close();
    closeSync(fd);
    client.close();
    console.log(`pane source       control mode (tmux -C)      ${fmt(control.slice(10))}`);
    console.log(`pane source       pipe-pane → file → fs.watch ${fmt(piped.slice(10))}`);
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
