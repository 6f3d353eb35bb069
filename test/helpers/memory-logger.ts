import type { Logger } from '../../daemon/logger.js';

export interface LogLine { level: string; obj: unknown; msg: string | undefined }

/** A Logger that keeps its lines for the test to read. */
export function memoryLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (obj: unknown, msg?: string): void => void lines.push({ level, obj, msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}
