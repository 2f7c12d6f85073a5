/**
 * Reading request bodies the way Discord accepts them: JSON, or multipart with a `payload_json`
 * part and `files[n]` parts. Multipart is parsed by the platform's own `Request.formData()` rather
 * than by hand, so the fake is as strict as a real server about boundaries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface UploadedFile {
  /** The form field, e.g. `files[0]`. */
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface RequestBody {
  json: Record<string, unknown>;
  files: UploadedFile[];
}

export const readRaw = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export const readBody = async (request: IncomingMessage): Promise<RequestBody> => {
  const raw = await readRaw(request);
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    const files: UploadedFile[] = [];
    let json: Record<string, unknown> = {};
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = JSON.parse(value) as Record<string, unknown>;
        continue;
      }
      files.push({
        field,
        filename: value.name,
        contentType: value.type || 'application/octet-stream',
        bytes: Buffer.from(await value.arrayBuffer()),
      });
    }
    return { json, files };
  }
  if (raw.length === 0) return { json: {}, files: [] };
  return { json: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
};

export const sendJson = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  if (status === 204) {
    response.writeHead(204, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    })
    .end(text);
};

/** Discord's error body shape: `{ code, message }`. */
export const sendError = (
  response: ServerResponse,
  status: number,
  code: number,
  message: string,
): void => sendJson(response, status, { code, message });
