/**
 * A fake of the OpenAI-compatible Images API over real HTTP on
 * loopback: tests aim the real client at it, and operators run it (`npm run fake-api`) to try the
 * bot without spending credits. It serves generations (JSON), edits and variations (multipart),
 * answers with real PNGs of the requested size, records what arrived byte for byte (the input
 * files included), and misbehaves on demand the ways real gateways do.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { noisyPng, parseSize, solidPng } from './png.js';

export type ResponseMode = 'b64_json' | 'url' | 'both';

/** One way to misbehave, for one request (`failNext`) or for every request (`setFault`). */
export type Fault =
  /** Answers normally, after this long. */
  | { type: 'latency'; ms: number }
  /** 429; `retryAfter` is the `retry-after` header as sent (seconds or an HTTP date). */
  | { type: 'rateLimited'; retryAfter?: string; retryAfterMs?: number }
  | { type: 'serverError'; status?: 500 | 502 | 503 | 504 }
  | { type: 'moderation'; code?: 'moderation_blocked' | 'content_policy_violation' }
  | { type: 'badRequest'; param: string; message?: string }
  | { type: 'unauthorized'; status?: 401 | 403 }
  /** 200 with a body that is not JSON. */
  | { type: 'malformedJson' }
  /** Declares the full length, sends part of the body (the first event when streaming), hangs up. */
  | { type: 'truncatedBody' }
  /** Serves, by url, a real PNG of at least `bytes` bytes. */
  | { type: 'oversizeImage'; bytes: number }
  /** Reads the request and never answers. */
  | { type: 'hang' }
  /** Answers with a url whose download never answers. */
  | { type: 'hangDownload' }
  /** Answers with exactly this body (status 200 unless given), for shapes no good server sends. */
  | { type: 'customBody'; body: string; status?: number }
  /** Sends these bytes in place of every image, as b64_json or behind a url as the mode says. */
  | { type: 'notAnImage'; bytes: Buffer }
  /** Answers with urls that redirect (302) to `location`. */
  | { type: 'redirectDownload'; location: string }
  /**
   * Never stops sending: as b64_json, a JSON body whose base64 goes on forever; as url, a download
   * that does. Ends only when the client hangs up or the fake closes.
   */
  | { type: 'endless' };

export interface FakeImagesApiOptions {
  /** The key expected as `Authorization: Bearer <key>`; unset accepts any key. @default undefined */
  apiKey?: string;
  /** How image items carry their bytes, unless the request sets `response_format`. @default 'b64_json' */
  responseMode?: ResponseMode;
  /** Delay before every answer, in milliseconds. @default 0 */
  latencyMs?: number;
  /** Port to listen on; 0 lets the system choose. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

export type Endpoint = 'generations' | 'edits' | 'variations';

/** One file of a multipart request, as it arrived. */
export interface RecordedFile {
  /** The form field: `image`, `image[]` or `mask`. */
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** What one request looked like on arrival, and which final images it was sent. */
export interface RecordedRequest {
  endpoint: Endpoint;
  path: string;
  headers: IncomingHttpHeaders;
  /** Exactly the bytes that arrived. */
  rawBody: Buffer;
  /**
   * The parameters: the JSON body of a generation, the text fields of an edit or a variation
   * (numbers and booleans read as such); `undefined` when the body could not be read.
   */
  body: GenerationBody | undefined;
  /** The input images of an edit or variation (`image` / `image[]`), in order. */
  inputs: RecordedFile[];
  mask?: RecordedFile;
  /** The final images' bytes, in order, once answered (partial previews are not included). */
  images: Buffer[];
  /** Epoch milliseconds when the whole request had arrived, before any latency or fault. */
  at: number;
}

export interface RecordedDownload {
  path: string;
  headers: IncomingHttpHeaders;
}

export interface GenerationBody {
  prompt?: unknown;
  model?: unknown;
  n?: unknown;
  size?: unknown;
  quality?: unknown;
  background?: unknown;
  output_format?: unknown;
  response_format?: unknown;
  stream?: unknown;
  partial_images?: unknown;
  user?: unknown;
  [other: string]: unknown;
}

export interface FakeImagesApi {
  /** Ends in `/v1`, ready for IMAGES_API_BASE_URL; the server answers without `/v1` too. */
  readonly baseUrl: string;
  readonly origin: string;
  readonly requests: readonly RecordedRequest[];
  /** Resolves once `count` requests (of any endpoint) have arrived (at once if they already have). */
  received(count: number): Promise<void>;
  /** Image downloads requested, in order. */
  readonly downloads: readonly RecordedDownload[];
  /** The next `count` requests (of any endpoint) suffer `fault`, before any fault set by `setFault`. */
  failNext(count: number, fault: Fault): void;
  /** Every request suffers `fault` until cleared with `undefined`. */
  setFault(fault: Fault | undefined): void;
  setResponseMode(mode: ResponseMode): void;
  /** Closes at once, cutting requests that hang. */
  close(): Promise<void>;
}

const endpointOf = (path: string): Endpoint | undefined => {
  const match = /^(?:\/v1)?\/images\/(generations|edits|variations)$/.exec(path);
  return match?.[1] as Endpoint | undefined;
};
/** As OpenAI documents it for the GPT image models. */
const maxEditImages = 16;
/** Fields of a multipart body that the API reads as numbers or booleans. */
const numericFields = new Set(['n', 'partial_images', 'output_compression']);
const downloadPath = /^(?:\/v1)?\/files\/([\w-]+)\.png$/;
/** What an endless answer repeats: valid base64, so only its length can give it away. */
const endlessChunk = Buffer.alloc(64 * 1024, 'A');
/** Downloads expire like OpenAI's urls, so a long-running operator fake does not grow forever. */
const downloadLifetimeMs = 60 * 60 * 1000;

const errorBody = (message: string, type: string, code: string | null, param: string | null) =>
  JSON.stringify({ error: { message, type, param, code } });

const sendJson = (
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
) => {
  if (response.destroyed) return;
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
};

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const parseBody = (raw: Buffer): GenerationBody | undefined => {
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as GenerationBody) : undefined;
  } catch {
    return undefined;
  }
};

/** A multipart body: its text fields as parameters, its files as inputs. */
const parseMultipart = async (
  headers: IncomingHttpHeaders,
  raw: Buffer,
): Promise<{ body: GenerationBody; inputs: RecordedFile[]; mask?: RecordedFile } | undefined> => {
  const contentType = headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) return undefined;
  let form: FormData;
  try {
    form = await new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
  } catch {
    return undefined;
  }
  const body: GenerationBody = {};
  const inputs: RecordedFile[] = [];
  let mask: RecordedFile | undefined;
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      body[field] = numericFields.has(field)
        ? Number(value)
        : field === 'stream'
          ? value === 'true'
          : value;
      continue;
    }
    const file: RecordedFile = {
      field,
      filename: value.name,
      contentType: value.type,
      bytes: Buffer.from(await value.arrayBuffer()),
    };
    if (field === 'mask') mask = file;
    else if (field === 'image' || field === 'image[]') inputs.push(file);
  }
  return { body, inputs, ...(mask && { mask }) };
};

const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value !== '' ? value : fallback;

/** Token counts shaped like gpt-image's: a rough prompt count plus a fixed cost per image and quality. */
const plausibleUsage = (prompt: string, quality: string, images: number, withPrompt = true) => {
  const perImage = { low: 272, medium: 1056, high: 4160 }[quality] ?? 1056;
  const textTokens = withPrompt ? Math.max(1, Math.ceil(Buffer.byteLength(prompt) / 4)) : 0;
  const outputTokens = perImage * images;
  return {
    total_tokens: textTokens + outputTokens,
    input_tokens: textTokens,
    output_tokens: outputTokens,
    input_tokens_details: { text_tokens: textTokens, image_tokens: 0 },
  };
};

class FakeImagesApiServer implements FakeImagesApi {
  readonly requests: RecordedRequest[] = [];
  readonly downloads: RecordedDownload[] = [];
  readonly #server: Server;
  readonly #apiKey: string | undefined;
  readonly #latencyMs: number;
  readonly #closing = new AbortController();
  readonly #queuedFaults: Fault[] = [];
  readonly #files = new Map<string, { bytes: Buffer; fault: Fault | undefined; expires: number }>();
  readonly #arrivalWaiters: Array<{ count: number; arrived: () => void }> = [];
  #fault: Fault | undefined;
  #responseMode: ResponseMode;
  #origin = '';

  constructor(options: FakeImagesApiOptions) {
    this.#apiKey = options.apiKey;
    this.#responseMode = options.responseMode ?? 'b64_json';
    this.#latencyMs = options.latencyMs ?? 0;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          sendJson(response, 500, errorBody(String(error), 'server_error', null, null));
        }
      });
    });
  }

  get origin(): string {
    return this.#origin;
  }

  get baseUrl(): string {
    return `${this.#origin}/v1`;
  }

  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((arrived) => this.#arrivalWaiters.push({ count, arrived }));
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    const address = this.#server.address() as AddressInfo;
    this.#origin = `http://${host}:${address.port}`;
  }

  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.#queuedFaults.push(fault);
  }

  setFault(fault: Fault | undefined): void {
    this.#fault = fault;
  }

  setResponseMode(mode: ResponseMode): void {
    this.#responseMode = mode;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** Waits, unless the server is closing; returns whether the caller should go on answering. */
  async #pause(ms: number): Promise<boolean> {
    if (ms <= 0) return !this.#closing.signal.aborted;
    try {
      await sleep(ms, undefined, { signal: this.#closing.signal });
      return true;
    } catch {
      return false;
    }
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    const download = downloadPath.exec(path);
    if (request.method === 'GET' && download)
      return this.#serveDownload(request, path, download[1] ?? '', response);
    const endpoint = endpointOf(path);
    if (request.method !== 'POST' || endpoint === undefined) {
      return sendJson(
        response,
        404,
        errorBody(`No route ${request.method} ${path}`, 'invalid_request_error', null, null),
      );
    }

    const rawBody = await readBody(request);
    const multipart =
      endpoint === 'generations' ? undefined : await parseMultipart(request.headers, rawBody);
    const body = endpoint === 'generations' ? parseBody(rawBody) : multipart?.body;
    const recorded: RecordedRequest = {
      endpoint,
      path,
      headers: request.headers,
      rawBody,
      body,
      inputs: multipart?.inputs ?? [],
      ...(multipart?.mask && { mask: multipart.mask }),
      images: [],
      at: Date.now(),
    };
    this.requests.push(recorded);
    for (const waiter of [...this.#arrivalWaiters]) {
      if (this.requests.length < waiter.count) continue;
      this.#arrivalWaiters.splice(this.#arrivalWaiters.indexOf(waiter), 1);
      waiter.arrived();
    }

    if (this.#apiKey !== undefined && request.headers.authorization !== `Bearer ${this.#apiKey}`) {
      return sendJson(
        response,
        401,
        errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key', null),
      );
    }
    if (body === undefined) {
      const expected = endpoint === 'generations' ? 'valid JSON' : 'multipart/form-data';
      return sendJson(
        response,
        400,
        errorBody(`The request body is not ${expected}.`, 'invalid_request_error', null, null),
      );
    }
    const inputProblem = this.#inputProblem(recorded);
    if (inputProblem !== undefined) {
      return sendJson(
        response,
        400,
        errorBody(
          inputProblem.message,
          'invalid_request_error',
          'invalid_value',
          inputProblem.param,
        ),
      );
    }
    if (endpoint !== 'variations' && (typeof body.prompt !== 'string' || body.prompt === '')) {
      return sendJson(
        response,
        400,
        errorBody(
          "Missing required parameter: 'prompt'.",
          'invalid_request_error',
          'missing_required_parameter',
          'prompt',
        ),
      );
    }

    const fault = this.#queuedFaults.shift() ?? this.#fault;
    const latency = this.#latencyMs + (fault?.type === 'latency' ? fault.ms : 0);
    if (!(await this.#pause(latency))) return;
    if (fault && this.#answeredWithFault(fault, response)) return;

    if (body.stream === true) return this.#stream(body, recorded, response, fault);
    this.#answer(body, recorded, response, fault);
  }

  /** What the API would refuse about the input files of an edit or variation. */
  #inputProblem(recorded: RecordedRequest): { param: string; message: string } | undefined {
    const { endpoint, inputs, body } = recorded;
    if (endpoint === 'generations') return undefined;
    if (inputs.length === 0)
      return { param: 'image', message: "Missing required parameter: 'image'." };
    if (endpoint === 'variations') {
      if (inputs.length > 1)
        return { param: 'image', message: 'Variations take exactly one image.' };
      if (body?.model !== undefined && body.model !== 'dall-e-2')
        return { param: 'model', message: 'Variations are only supported for dall-e-2.' };
    }
    if (inputs.length > maxEditImages)
      return { param: 'image', message: `At most ${maxEditImages} images may be edited at once.` };
    return undefined;
  }

  /** Sends the fault's answer when it replaces the normal one; false when the normal answer follows. */
  #answeredWithFault(fault: Fault, response: ServerResponse): boolean {
    switch (fault.type) {
      case 'rateLimited': {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        if (fault.retryAfterMs !== undefined)
          headers['retry-after-ms'] = String(fault.retryAfterMs);
        sendJson(
          response,
          429,
          errorBody(
            'Rate limit reached for images per minute.',
            'requests',
            'rate_limit_exceeded',
            null,
          ),
          headers,
        );
        return true;
      }
      case 'serverError':
        sendJson(
          response,
          fault.status ?? 500,
          errorBody('The server had an error processing your request.', 'server_error', null, null),
        );
        return true;
      case 'moderation': {
        const code = fault.code ?? 'moderation_blocked';
        sendJson(
          response,
          400,
          errorBody(
            'Your request was rejected by the safety system.',
            'image_generation_user_error',
            code,
            null,
          ),
        );
        return true;
      }
      case 'badRequest':
        sendJson(
          response,
          400,
          errorBody(
            fault.message ?? `Invalid value for '${fault.param}'.`,
            'invalid_request_error',
            'invalid_value',
            fault.param,
          ),
        );
        return true;
      case 'unauthorized':
        sendJson(
          response,
          fault.status ?? 401,
          errorBody(
            'Incorrect API key provided.',
            'invalid_request_error',
            'invalid_api_key',
            null,
          ),
        );
        return true;
      case 'malformedJson':
        sendJson(response, 200, '{"created": 1713833628, "data": [{"b64_json": "iVBOR');
        return true;
      case 'customBody':
        sendJson(response, fault.status ?? 200, fault.body);
        return true;
      case 'hang':
        return true;
      case 'latency':
      case 'truncatedBody':
      case 'oversizeImage':
      case 'hangDownload':
      case 'notAnImage':
      case 'redirectDownload':
      case 'endless':
        return false;
    }
  }

  #finalImages(recorded: RecordedRequest, fault: Fault | undefined): Buffer[] {
    if (fault?.type === 'oversizeImage') return [noisyPng(fault.bytes)];
    const body = recorded.body ?? {};
    const count = typeof body.n === 'number' && body.n >= 1 ? Math.floor(body.n) : 1;
    if (fault?.type === 'notAnImage') return Array.from({ length: count }, () => fault.bytes);
    const dimensions = parseSize(typeof body.size === 'string' ? body.size : undefined);
    // An edit's or variation's picture depends on its inputs, so distinct inputs give distinct images.
    const inputs = recorded.inputs.map((input) =>
      createHash('sha256').update(input.bytes).digest('hex').slice(0, 12),
    );
    const seed = [String(body.prompt ?? ''), ...inputs].join('|');
    return Array.from({ length: count }, (_, index) => solidPng(dimensions, `${seed}|${index}`));
  }

  #modeFor(body: GenerationBody, fault: Fault | undefined): ResponseMode {
    if (
      fault?.type === 'oversizeImage' ||
      fault?.type === 'hangDownload' ||
      fault?.type === 'redirectDownload'
    )
      return 'url';
    if (body.response_format === 'url' || body.response_format === 'b64_json')
      return body.response_format;
    return this.#responseMode;
  }

  #publish(bytes: Buffer, fault: Fault | undefined): string {
    const now = Date.now();
    for (const [id, file] of this.#files) if (file.expires < now) this.#files.delete(id);
    const id = randomUUID();
    this.#files.set(id, { bytes, fault, expires: now + downloadLifetimeMs });
    return `${this.#origin}/files/${id}.png`;
  }

  /** Writes `head`, then base64 until the client hangs up or the fake closes; never ends the body. */
  async #endless(response: ServerResponse, contentType: string, head: string): Promise<void> {
    response.writeHead(200, { 'content-type': contentType });
    response.write(head);
    while (!response.destroyed && !this.#closing.signal.aborted) {
      if (!response.write(endlessChunk))
        await new Promise<void>((resume) => {
          const done = () => {
            response.off('drain', done).off('close', done);
            resume();
          };
          response.once('drain', done).once('close', done);
        });
    }
  }

  #answer(
    body: GenerationBody,
    recorded: RecordedRequest,
    response: ServerResponse,
    fault: Fault | undefined,
  ) {
    const model = text(
      body.model,
      recorded.endpoint === 'variations' ? 'dall-e-2' : 'gpt-image-1.5',
    );
    const prompt = String(body.prompt ?? '');
    const mode = this.#modeFor(body, fault);
    if (fault?.type === 'endless' && mode === 'b64_json')
      return void this.#endless(
        response,
        'application/json',
        '{"created": 1, "data": [{"b64_json": "',
      );
    const images = this.#finalImages(recorded, fault);
    recorded.images = images;
    const data = images.map((bytes) => ({
      ...(mode !== 'url' && { b64_json: bytes.toString('base64') }),
      ...(mode !== 'b64_json' && { url: this.#publish(bytes, fault) }),
      ...(model === 'dall-e-3' && { revised_prompt: `A detailed illustration of: ${prompt}` }),
    }));
    const gptImage = model.startsWith('gpt-image');
    const quality = text(body.quality, 'auto');
    const json = JSON.stringify({
      created: Math.floor(Date.now() / 1000),
      data,
      ...(gptImage && {
        background: text(body.background, 'opaque'),
        output_format: text(body.output_format, 'png'),
        quality: quality === 'auto' ? 'medium' : quality,
        size: text(body.size, '1024x1024'),
        usage: plausibleUsage(prompt, quality, images.length),
      }),
    });
    if (fault?.type === 'truncatedBody') {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json),
      });
      // Hang up only once the partial body has left, or the client would see no answer at all.
      response.write(json.slice(0, Math.floor(json.length / 2)), () => response.destroy());
      return;
    }
    sendJson(response, 200, json);
  }

  /** The event sequence OpenAI streams: each image's partial previews, then its completed event. */
  async #stream(
    body: GenerationBody,
    recorded: RecordedRequest,
    response: ServerResponse,
    fault: Fault | undefined,
  ) {
    const prompt = String(body.prompt);
    const partials =
      typeof body.partial_images === 'number' ? Math.max(0, Math.min(3, body.partial_images)) : 0;
    const dimensions = parseSize(typeof body.size === 'string' ? body.size : undefined);
    const quality = text(body.quality, 'auto');
    const common = {
      size: text(body.size, '1024x1024'),
      quality: quality === 'auto' ? 'medium' : quality,
      background: text(body.background, 'opaque'),
      output_format: text(body.output_format, 'png'),
    };
    const images = this.#finalImages(recorded, fault);
    recorded.images = images;
    // Edits stream the same events as generations under their own names.
    const events = recorded.endpoint === 'edits' ? 'image_edit' : 'image_generation';
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let cut = false;
    const send = (type: string, payload: object) => {
      if (response.destroyed || cut) return;
      const created_at = Math.floor(Date.now() / 1000);
      const event = `event: ${type}\ndata: ${JSON.stringify({ type, created_at, ...common, ...payload })}\n\n`;
      cut = fault?.type === 'truncatedBody';
      if (cut) response.write(event, () => response.destroy());
      else response.write(event);
    };
    for (const [index, bytes] of images.entries()) {
      for (let partial = 0; partial < partials; partial++) {
        const preview = solidPng(dimensions, `${prompt}|${index}|partial ${partial}`);
        send(`${events}.partial_image`, {
          b64_json: preview.toString('base64'),
          partial_image_index: partial,
        });
        // Lets a test observe previews arriving before the final image, as they do upstream.
        if (!(await this.#pause(1))) return;
      }
      send(`${events}.completed`, {
        b64_json: bytes.toString('base64'),
        usage: plausibleUsage(prompt, quality, 1, index === 0),
      });
    }
    if (!response.destroyed) response.end();
  }

  #serveDownload(
    request: IncomingMessage,
    path: string,
    id: string,
    response: ServerResponse,
  ): void {
    this.downloads.push({ path, headers: request.headers });
    const file = this.#files.get(id);
    if (!file)
      return sendJson(
        response,
        404,
        errorBody('This url has expired.', 'invalid_request_error', null, null),
      );
    if (file.fault?.type === 'hangDownload') return;
    if (file.fault?.type === 'endless') return void this.#endless(response, 'image/png', '');
    if (file.fault?.type === 'redirectDownload') {
      response.writeHead(302, { location: file.fault.location }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'image/png', 'content-length': file.bytes.length });
    response.end(file.bytes);
  }
}

const checkOptions = (options: FakeImagesApiOptions): void => {
  const { latencyMs = 0, port = 0, responseMode = 'b64_json' } = options;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new RangeError(
      `fake Images API option latencyMs must be a number of milliseconds >= 0, got ${latencyMs}`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(
      `fake Images API option port must be a whole number from 0 to 65535, got ${port}`,
    );
  }
  if (!['b64_json', 'url', 'both'].includes(responseMode)) {
    throw new RangeError(
      `fake Images API option responseMode must be b64_json, url or both, got ${responseMode}`,
    );
  }
};

/** Starts a fake Images API on loopback; `close()` it when done. */
export const startFakeImagesApi = async (
  options: FakeImagesApiOptions = {},
): Promise<FakeImagesApi> => {
  checkOptions(options);
  const server = new FakeImagesApiServer(options);
  await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return server;
};
