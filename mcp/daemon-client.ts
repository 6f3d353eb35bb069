import { ApiClient, ApiError, type ApiClientOptions } from '../daemon/api-client.js';
import type { SessionInfo } from '../daemon/events/types.js';

/** The MCP server's only way to the daemon: its local HTTP API, through the one client the CLI also uses. */
export { ApiError as DaemonError };

export interface NotifyBody {
  session_id?: string;
  channel?: 'telegram' | 'email' | 'auto';
  subject?: string;
  message: string;
}

export type AskResponse = { answered: true; answer: string; channel: string } | { answered: false; reason: string };

/** Time the daemon gets on top of the question's own timeout, to answer "timed out" itself. */
const ASK_MARGIN_MS = 30_000;

export class DaemonClient {
  readonly #api: ApiClient;

  /** `timeoutMs` (default 15 s) is for requests that do not wait on a person. */
  constructor(options: ApiClientOptions) {
    this.#api = new ApiClient({ timeoutMs: 15_000, ...options });
  }

  get url(): string {
    return this.#api.url;
  }

  async sessions(): Promise<SessionInfo[]> {
    return (await this.#api.request<{ sessions: SessionInfo[] }>('GET', '/sessions')).sessions;
  }

  /** Tells the daemon that Claude Code initialized us, so it can type the session's first prompt. */
  async mcpReady(sessionId: string): Promise<void> {
    await this.#api.request('POST', `/session/${encodeURIComponent(sessionId)}/mcp-ready`, {});
  }

  notify(body: NotifyBody, signal?: AbortSignal): Promise<{ notify_id: string; channels: string[] }> {
    return this.#api.request('POST', '/notify', body, { signal });
  }

  /** Blocks until the owner answers or `timeout_seconds` pass; the HTTP timeout leaves the daemon room to say so. */
  ask(sessionId: string, body: { question: string; options?: string[]; timeout_seconds: number; channel?: 'telegram' | 'email' }, signal?: AbortSignal): Promise<AskResponse> {
    const timeoutMs = body.timeout_seconds * 1000 + ASK_MARGIN_MS;
    return this.#api.request('POST', `/session/${encodeURIComponent(sessionId)}/ask`, body, { timeoutMs, signal });
  }
}
