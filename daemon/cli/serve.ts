import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { Config } from '../config/schema.js';
import { createDaemon } from '../daemon.js';
import type { Logger } from '../logger.js';

/**
 * `csm serve`: the composition root. Logs go to stderr as JSON lines (pipe through pino-pretty to read).
 * SIGINT/SIGTERM stop the daemon cleanly; sessions keep running in tmux.
 */
export async function serve(config: Config): Promise<number> {
  const log = pino({ level: process.env.CSM_LOG_LEVEL ?? 'info', redact: ['*.token', '*.bot_token', '*.password'] }, pino.destination(2)) as unknown as Logger;
  let daemon;
  try {
    daemon = await createDaemon({ config, log, ...crashForTests(process.env.CSM_TEST_CRASH_AT), ...sessionIdsForTests(process.env.CSM_TEST_SESSION_IDS), ...retentionForTests(process.env.CSM_TEST_RETENTION_INTERVAL_MS) });
  } catch (err) {
    process.stderr.write(`csm: could not start: ${err instanceof Error ? err.message : String(err)}
`);
    return 1;
  }
  try {
    await daemon.start();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`csm: port ${config.server.port} on ${config.server.host} is in use: is another csm daemon running? (\`csm doctor\`), or set server.port in the config.\n`);
    } else process.stderr.write(`csm: could not start: ${e.message}\n`);
    await daemon.stop().catch(() => undefined);
    return 1;
  }
  if (config.server.allow_remote) {
    process.stderr.write(`csm: warning: server.allow_remote is on, the API listens on ${config.server.host}: any machine that reaches it with the token can type into your sessions.\n`);
  }
  process.stderr.write(`csm daemon listening on ${daemon.url} (config: ${config.paths.config_file ?? 'none, defaults'}; data: ${config.paths.home})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    // `on`, not `once`: the listener stays through the stop. With none left, execa's exit hook (for a child
    // started with cleanup) re-raises a second signal and the process dies before it has recorded its work.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // Everything that matters is persisted as it happens (outboxes, ledger, sessions), so a stop that hangs
  // on some remote service is cut short rather than holding up a restart.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_DEADLINE_MS)));
  const how = await Promise.race([daemon.stop().then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (how === 'late') log.warn({ deadline_ms: STOP_DEADLINE_MS }, 'stopping took too long; exiting anyway (queued messages stay queued)');
  return 0;
}

const STOP_DEADLINE_MS = 8000;

/**
 * Tests of "nothing lost, nothing twice" need the daemon to die at an exact step. CSM_TEST_CRASH_AT=
 * "before-type:<text>" makes it SIGKILL itself just before typing that text, "before-enter:<text>" after
 * typing it and before its Enter, "after-spawn:<cwd>" once tmux has started a
 * session in that folder and before the daemon has heard back. Never set it otherwise.
 */
function crashForTests(spec: string | undefined): { fault?: (step: 'before-type' | 'before-enter' | 'after-spawn', text: string) => void } {
  if (!spec) return {};
  const at = spec.indexOf(':');
  const step = spec.slice(0, at);
  const text = spec.slice(at + 1);
  return { fault: (s, t) => (s === step && t === text ? process.kill(process.pid, 'SIGKILL') : undefined) };
}

/**
 * Tests of "ids are never reused" need to see a draw hit an issued id. CSM_TEST_SESSION_IDS="a1b2,a1b2,c3d4"
 * makes the first draws return those ids, in order (then random ones). Never set it otherwise.
 */
function sessionIdsForTests(spec: string | undefined): { idRandom?: (digits: number) => string } {
  if (!spec) return {};
  const queue = spec.split(',').map((x) => x.trim()).filter(Boolean);
  return { idRandom: (digits) => queue.shift() ?? randomBytes(Math.ceil(digits / 2)).toString('hex').slice(0, digits) };
}

/** Tests of the retention schedule: CSM_TEST_RETENTION_INTERVAL_MS sweeps that often instead of hourly. Never set it otherwise. */
function retentionForTests(spec: string | undefined): { timing?: { retentionMs: number } } {
  const ms = Number(spec);
  return spec && Number.isInteger(ms) && ms > 0 ? { timing: { retentionMs: ms } } : {};
}
