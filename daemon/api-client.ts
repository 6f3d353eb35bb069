/**
 * The one client for the daemon's local HTTP API, used by the CLI and the MCP server. Every failure becomes an
 * `ApiError` whose message is a sentence the person (or the model reading over their shoulder) can act on.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** HTTP status, or 0 when the daemon could not be reached or did not answer. */
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  url: string;
  /** Read on every request, so a token file written after we started (first `csm serve`) still works. */
  token: () => string | null;
  /** For requests that do not wait on a person. Default 30 s. */
  timeoutMs?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

export class ApiClient {
  readonly url: string;
  readonly #token: () => string | null;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(method, path, body, opts);
    const text = await this.#read(res, opts);
    const json = parseJson(text);
    if (!res.ok) {
      const sentence = typeof json?.error === 'string' ? json.error : `The csm daemon at ${this.url} answered HTTP ${res.status} to ${method} ${path}.`;
      throw new ApiError(sentence, res.status, typeof json?.code === 'string' ? json.code : 'error');
    }
    if (json === null) throw new ApiError(`The csm daemon at ${this.url} sent a reply that is not JSON to ${method} ${path}; is something else listening there?`, res.status, 'bad_reply');
    return json as T;
  }

  /** A GET whose answer is not JSON (a PNG); errors still come as the daemon's JSON sentence. */
  async bytes(path: string, opts: RequestOptions = {}): Promise<{ type: string; body: Buffer }> {
    const res = await this.fetch('GET', path, undefined, opts);
    let body: Buffer;
    try {
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw this.#transportError(err, false, opts.timeoutMs ?? this.#timeoutMs);
    }
    if (!res.ok) {
      const json = parseJson(body.toString('utf8'));
      throw new ApiError(typeof json?.error === 'string' ? json.error : `HTTP ${res.status}`, res.status, typeof json?.code === 'string' ? json.code : 'error');
    }
    return { type: res.headers.get('content-type') ?? '', body };
  }

  /** The raw response, for bodies that are not JSON (an image). A failed request still throws `ApiError`. */
  async fetch(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, opts: RequestOptions = {}): Promise<Response> {
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    const token = this.#token();
    try {
      return await fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : null,
        signal,
      });
    } catch (err) {
      throw this.#transportError(err, timeout.aborted, timeoutMs);
    }
  }

  async #read(res: Response, opts: RequestOptions): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      throw this.#transportError(err, false, opts.timeoutMs ?? this.#timeoutMs);
    }
  }

  #transportError(err: unknown, timedOut: boolean, timeoutMs: number): ApiError {
    if (timedOut) {
      return new ApiError(`The csm daemon at ${this.url} did not answer within ${Math.round(timeoutMs / 1000)} s; check it with \`csm doctor\`.`, 0, 'timeout');
    }
    if ((err as Error).name === 'AbortError') return new ApiError('The request to the csm daemon was cancelled.', 0, 'cancelled');
    const cause = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    // "localhost" tries ::1 and 127.0.0.1: both refusals arrive together in an AggregateError.
    const codes = [cause?.code, ...(cause?.errors ?? []).map((e) => e.code)];
    if (codes.includes('ECONNREFUSED') || codes.includes('ECONNRESET')) {
      return new ApiError(`The csm daemon is not running at ${this.url}: start it with \`csm serve\`.`, 0, 'unreachable');
    }
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    return new ApiError(`Could not reach the csm daemon at ${this.url} (${detail}): check that it runs with \`csm doctor\`.`, 0, 'unreachable');
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
