import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import busboy from 'busboy';

/**
 * An OpenAI-compatible transcription server on loopback (`POST /v1/audio/transcriptions`, multipart with
 * `file` and `model`), as a local whisper server or the hosted API answers: `{"text": …}`, or
 * `{"error": {"message": …}}` with a status. `answer` decides per request; `hang` never answers.
 */
export interface TranscriptionRequest {
  path: string;
  authorization: string | undefined;
  fields: Record<string, string>;
  file: { filename: string; mimeType: string; bytes: Buffer } | null;
}

export type TranscriptionAnswer = { status: number; body: unknown } | 'hang';

export class FakeTranscriptionApi {
  readonly requests: TranscriptionRequest[] = [];
  answer: (r: TranscriptionRequest) => TranscriptionAnswer | Promise<TranscriptionAnswer> = () => ({ status: 200, body: { text: '' } });
  url = '';
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(): Promise<FakeTranscriptionApi> {
    const f = new FakeTranscriptionApi();
    await new Promise<void>((resolve) => f.#server.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.#server.address() as AddressInfo).port}`;
    return f;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'POST' || path !== '/v1/audio/transcriptions') return json(res, 404, { error: { message: `Unknown request URL: ${req.method} ${path}` } });
    const r: TranscriptionRequest = { path, authorization: req.headers.authorization, fields: {}, file: null };
    try {
      await new Promise<void>((resolve, reject) => {
        const bb = busboy({ headers: req.headers });
        bb.on('field', (name, value) => (r.fields[name] = value));
        bb.on('file', (name, stream, info) => {
          const chunks: Buffer[] = [];
          stream.on('data', (d: Buffer) => chunks.push(d));
          stream.on('end', () => {
            if (name === 'file') r.file = { filename: info.filename ?? '', mimeType: info.mimeType, bytes: Buffer.concat(chunks) };
          });
        });
        bb.on('close', () => resolve());
        bb.on('error', reject);
        req.pipe(bb);
      });
    } catch {
      return json(res, 400, { error: { message: 'Could not parse multipart form' } });
    }
    this.requests.push(r);
    if (!r.file) return json(res, 400, { error: { message: "1 validation error: 'file' field required" } });
    if (!r.fields['model']) return json(res, 400, { error: { message: 'you must provide a model parameter' } });
    const a = await this.answer(r);
    if (a === 'hang') return;
    json(res, a.status, a.body);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
