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
  const daemon = await createDaemon({ config, log, ...crashForTests(process.env.CSM_TEST_CRASH_AT) });
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
  process.stderr.write(`csm daemon listening on ${daemon.url} (config: ${config.paths.config_file ?? 'none, defaults'}; data: ${config.paths.home})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await daemon.stop();
  return 0;
}

/**
 * Tests of "nothing lost, nothing twice" need the daemon to die at an exact step. CSM_TEST_CRASH_AT=
 * "before-type:<text>" makes it SIGKILL itself just before typing that text, "before-enter:<text>" after
 * typing it and before its Enter. Never set it otherwise.
 */
function crashForTests(spec: string | undefined): { fault?: (step: 'before-type' | 'before-enter', text: string) => void } {
  if (!spec) return {};
  const at = spec.indexOf(':');
  const step = spec.slice(0, at);
  const text = spec.slice(at + 1);
  return { fault: (s, t) => (s === step && t === text ? process.kill(process.pid, 'SIGKILL') : undefined) };
}
