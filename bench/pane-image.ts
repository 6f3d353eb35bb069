/**
 * Pane images: how long drawing a 200×50 pane takes (xterm.js → SVG → resvg PNG) and how big the PNG is,
 * for a captured Claude Code screen (test/fixtures/pane-snapshots) and for a pane full of coloured text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PaneRenderer, type PaneImage } from '../daemon/render/renderer.js';
import type { TerminalSnapshot } from '../daemon/render/types.js';

const FIXTURES = join(import.meta.dirname, '../test/fixtures/pane-snapshots');

/** Every cell of a 200×50 pane in use: words in 256 colours, some bold, as a busy build log looks. */
function fullPane(): TerminalSnapshot {
  const words = ['compiling', 'src/index.ts', 'ok', 'warning:', 'unused', 'variable', '✓', 'PASS', 'test/unit', '42ms'];
  const rows = Array.from({ length: 50 }, (_, y) => {
    let line = '';
    let visible = 0;
    for (let i = 0; visible < 195; i++) {
      const w = words[(y * 7 + i) % words.length]!;
      line += `\x1b[${i % 3 === 0 ? '1;' : ''}38;5;${(y * 13 + i * 29) % 256}m${w}\x1b[0m `;
      visible += [...w].length + 1;
    }
    return line;
  });
  return { ansi: rows.join('\n'), cols: 200, rows: 50, cursor: { x: 0, y: 49, visible: true } };
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export async function paneImageBench(rounds = 30): Promise<void> {
  const renderer = new PaneRenderer();
  const cases: [string, TerminalSnapshot][] = [
    ['Claude Code permission dialog (latest)', JSON.parse(readFileSync(join(FIXTURES, 'latest/permission-bash.json'), 'utf8')) as TerminalSnapshot],
    ['a pane full of coloured text', fullPane()],
  ];
  const t0 = performance.now();
  await renderer.render(cases[0]![1]);
  console.log(`pane image, first render (reads the fonts): ${(performance.now() - t0).toFixed(0)} ms`);
  for (const [name, snap] of cases) {
    const times: number[] = [];
    let last: PaneImage = { png: Buffer.alloc(0), width: 0, height: 0 };
    // How long the event loop (hooks, the phone) is held up: most of the work runs on libuv's pool.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      last = await renderer.render(snap);
      times.push(performance.now() - t);
    }
    loop.disable();
    console.log(`pane image 200×50, ${name}: p50 ${pct(times, 50).toFixed(0)} ms, p99 ${pct(times, 99).toFixed(0)} ms; PNG ${last.width}×${last.height}, ${(last.png.length / 1024).toFixed(0)} KiB; event loop held up at most ${(loop.max / 1e6).toFixed(0)} ms`);
  }
}
