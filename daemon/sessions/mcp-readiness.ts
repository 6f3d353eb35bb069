import type { Logger } from '../logger.js';

/**
 * Claude Code connects MCP servers in the background, after its prompt box is up: a prompt typed at once
 * would reach the model without our tools. Sessions we start with our MCP server wait for it (bounded).
 */
export class McpReadiness {
  readonly #connecting = new Map<string, { ready: Promise<void>; resolve: () => void }>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Session `id` was started with our MCP server, which is yet to connect. */
  expect(id: string): void {
    let resolve!: () => void;
    const ready = new Promise<void>((r) => (resolve = r));
    this.#connecting.set(id, { ready, resolve });
  }

  /** Our MCP server in session `id` has been initialized by Claude Code. */
  connected(id: string): void {
    this.#connecting.get(id)?.resolve();
    this.#connecting.delete(id);
  }

  /**
   * Resolves when the session's MCP server is connected, at once if it has none pending or `mayWait` is
   * false, or after `ms`.
   */
  async wait(id: string, ms: number, mayWait: boolean): Promise<void> {
    const entry = this.#connecting.get(id);
    if (!entry || !mayWait) return;
    let timer: NodeJS.Timeout | undefined;
    const connected = await Promise.race([entry.ready.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
    clearTimeout(timer);
    if (!connected) this.#log.warn({ session: id, waited_ms: ms }, 'the csm MCP server did not connect in time; typing anyway (notify, send_email and ask_user may be missing in this session: see `claude mcp list` in it)');
    // Waited once: a server that never connects (crashed, removed) must not delay every later input.
    this.#connecting.delete(id);
  }

  forget(id: string): void {
    this.#connecting.delete(id);
  }
}
