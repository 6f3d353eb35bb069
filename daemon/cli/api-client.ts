/** The CLI's client for the local API. Errors carry the daemon's own sentence. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    readonly url: string,
    readonly token: string | null,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const res = await this.#fetch(method, path, body, timeoutMs);
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) throw new ApiError(String(json.error ?? `HTTP ${res.status}`), res.status, String(json.code ?? 'error'));
    return json as T;
  }

  /** A GET whose answer is not JSON (a PNG); errors still come as the daemon's JSON sentence. */
  async bytes(path: string, timeoutMs = 30_000): Promise<{ type: string; body: Buffer }> {
    const res = await this.#fetch('GET', path, undefined, timeoutMs);
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) {
      const json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      throw new ApiError(String(json.error ?? `HTTP ${res.status}`), res.status, String(json.code ?? 'error'));
    }
    return { type: res.headers.get('content-type') ?? '', body };
  }

  async #fetch(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if (cause === 'ECONNREFUSED' || cause === 'ECONNRESET') {
        throw new ApiError(`The csm daemon is not running at ${this.url}: start it with \`csm serve\`.`, 0, 'unreachable');
      }
      throw new ApiError(`Could not reach the csm daemon at ${this.url}: ${(err as Error).message}`, 0, 'unreachable');
    }
    return res;
  }
}
