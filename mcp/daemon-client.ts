import type { SessionInfo } from '../daemon/events/types.js';

/**
 * The MCP server's only way to the daemon: its local HTTP API. Every failure becomes a `DaemonError` whose
 * message is a sentence the model (or the owner reading over its shoulder) can act on.
 */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  constructor(
    message: string,
    /** HTTP status, or 0 when the daemon could not be reached or did not answer. */
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface DaemonClientOptions {
  url: string;
  /** Read on every request, so a token file written after we started (first `csm serve`) still works. */
  token: () => string | null;
  /** For requests that do not wait on a person. Default 15 s. */
  timeoutMs?: number;
}

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
  readonly url: string;
  readonly #token: () => string | null;
  readonly #timeoutMs: number;

  constructor(options: DaemonClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  async sessions(): Promise<SessionInfo[]> {
    return (await this.#request<{ sessions: SessionInfo[] }>('GET', '/sessions')).sessions;
  }

  /** Tells the daemon that Claude Code initialized us, so it can type the session's first prompt. */
  async mcpReady(sessionId: string): Promise<void> {
    await this.#request('POST', `/session/${encodeURIComponent(sessionId)}/mcp-ready`, {});
  }

  notify(body: NotifyBody, signal?: AbortSignal): Promise<{ notify_id: string; channels: string[] }> {
    return this.#request('POST', '/notify', body, { signal });
  }

  /** Blocks until the owner answers or `timeout_seconds` pass; the HTTP timeout leaves the daemon room to say so. */
  ask(sessionId: string, body: { question: string; options?: string[]; timeout_seconds: number; channel?: 'telegram' | 'email' }, signal?: AbortSignal): Promise<AskResponse> {
    const timeoutMs = body.timeout_seconds * 1000 + ASK_MARGIN_MS;
    return this.#request('POST', `/session/${encodeURIComponent(sessionId)}/ask`, body, { timeoutMs, signal });
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown, opts: { timeoutMs?: number; signal?: AbortSignal | undefined } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    const token = this.#token();
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : null,
        signal,
      });
      text = await res.text();
    } catch (err) {
      throw this.#transportError(err, timeout.aborted, timeoutMs);
    }
    const json = parseJson(text);
    if (!res.ok) {
      const sentence = typeof json?.error === 'string' ? json.error : `The csm daemon at ${this.url} answered HTTP ${res.status} to ${method} ${path}.`;
      throw new DaemonError(sentence, res.status, typeof json?.code === 'string' ? json.code : 'error');
    }
    if (json === null) throw new DaemonError(`The csm daemon at ${this.url} sent a reply that is not JSON to ${method} ${path}; is something else listening there?`, res.status, 'bad_reply');
    return json as T;
  }

  #transportError(err: unknown, timedOut: boolean, timeoutMs: number): DaemonError {
    if (timedOut) {
      return new DaemonError(`The csm daemon at ${this.url} did not answer within ${Math.round(timeoutMs / 1000)} s; check it with \`csm doctor\`.`, 0, 'timeout');
    }
    if ((err as Error).name === 'AbortError') return new DaemonError('The request to the csm daemon was cancelled.', 0, 'cancelled');
    const cause = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    // "localhost" tries ::1 and 127.0.0.1: both refusals arrive together in an AggregateError.
    const codes = [cause?.code, ...(cause?.errors ?? []).map((e) => e.code)];
    if (codes.includes('ECONNREFUSED')) {
      return new DaemonError(`The csm daemon is not running at ${this.url}: start it with \`csm serve\`.`, 0, 'unreachable');
    }
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    return new DaemonError(`Could not reach the csm daemon at ${this.url} (${detail}): check that it runs with \`csm doctor\`.`, 0, 'unreachable');
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
