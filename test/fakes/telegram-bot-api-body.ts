import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/**
 * Reads a Bot API request the three ways the real server accepts one: query string, urlencoded or JSON
 * body, and multipart/form-data (files). Form and query values arrive as strings, JSON objects inside them
 * as JSON text; the `get*` helpers below coerce per field, as the real server does per parameter type.
 */
export interface RequestParams {
  fields: Record<string, unknown>;
  files: Record<string, { filename: string; content: Buffer }>;
}

export async function readParams(req: IncomingMessage, url: URL): Promise<RequestParams> {
  const fields: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files: RequestParams['files'] = {};
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    await new Promise<void>((resolve, reject) => {
      const bb = busboy({ headers: req.headers });
      bb.on('field', (name, value) => (fields[name] = value));
      bb.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (d: Buffer) => chunks.push(d));
        stream.on('end', () => (files[name] = { filename: info.filename ?? name, content: Buffer.concat(chunks) }));
      });
      bb.on('close', () => resolve());
      bb.on('error', reject);
      req.pipe(bb);
    });
    return { fields, files };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.length === 0) return { fields, files };
  if (type.startsWith('application/json')) Object.assign(fields, JSON.parse(raw) as Record<string, unknown>);
  else if (type.startsWith('application/x-www-form-urlencoded')) Object.assign(fields, Object.fromEntries(new URLSearchParams(raw)));
  return { fields, files };
}

export function getNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

export function getString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

export function getBoolean(v: unknown): boolean {
  return v === true || v === 'true';
}

/** A JSON-serialized object or array, as form fields carry them. */
export function getObject<T>(v: unknown): T | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as T;
    } catch {
      return undefined;
    }
  }
  return v as T;
}
