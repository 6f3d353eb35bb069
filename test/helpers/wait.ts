import { setTimeout as delay } from 'node:timers/promises';

/** Polls `fn` until it returns something truthy; throws with `message` and the last value on timeout. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 100, message = 'condition' }: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    await delay(intervalMs);
  }
  const detail = lastError ? ` (last error: ${(lastError as Error).message})` : ` (last value: ${JSON.stringify(last)?.slice(0, 300)})`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${detail}`);
}
