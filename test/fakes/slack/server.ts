/**
 * A fake Slack on 127.0.0.1 for end-to-end tests of a real Bolt app: the Web API (form-encoded
 * calls with JSON-string fields, bearer tokens checked), the upload URLs `files.uploadV2` posts to,
 * `response_url`s, and Slack's side of both delivery modes (Socket Mode over WebSocket, signed
 * HTTP posts). It records every call, and can answer chosen methods with 429 + `Retry-After`.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  blockActionsPayload,
  reactionAddedCallback,
  slashCommandPayload,
  type CommandInput,
} from './payloads.js';
import { postSigned, type HttpAck, type SignedPostOptions } from './signed-request.js';
import { SocketHub, type SocketAck } from './socket-hub.js';
import { FakeWorkspace, type Params, type WorkspaceOptions } from './workspace.js';

export interface FakeSlackOptions extends WorkspaceOptions {
  /** The bot token every Web API call must carry. @default 'xoxb-fake-bot-token' */
  botToken?: string;
  /** The app-level token `apps.connections.open` requires. @default 'xapp-fake-app-token' */
  appToken?: string;
  /** How long Slack waits for an acknowledgement. @default 3000 */
  ackTimeoutMs?: number;
}

export interface RecordedCall {
  method: string;
  params: Params;
  /** Epoch ms the call arrived. */
  at: number;
  /** The HTTP status the fake answered: 429 for an injected rate limit. */
  status: number;
}

export interface RecordedResponse {
  /** The path of the `response_url` posted to. */
  path: string;
  body: Record<string, unknown>;
}

type DeliveryType = 'slash_commands' | 'events_api' | 'interactive';

/** A command or event delivered to the app, whichever way it listens. */
export interface SlackSender {
  /** Sends `/command text` as `userId` in `channelId`; resolves with the app's acknowledgement. */
  command(
    input: Pick<CommandInput, 'command' | 'text' | 'userId' | 'channelId'>,
  ): Promise<SocketAck | HttpAck>;
  /** Sends `reaction_added` on the message at `messageTs`. */
  reaction(input: {
    userId: string;
    reaction: string;
    channelId: string;
    messageTs: string;
  }): Promise<SocketAck | HttpAck>;
  /**
   * Sends the last command or event again, byte for byte: Slack's retry of what it thinks went
   * unanswered (with its retry number), or a replay of a captured request.
   */
  repeatLast(retryNumber?: number): Promise<SocketAck | HttpAck>;
  /** Clicks the button `actionId` on the bot's message at `messageTs`, as `userId`. */
  click(input: {
    userId: string;
    channelId: string;
    messageTs: string;
    actionId: string;
    value: string;
  }): Promise<SocketAck | HttpAck>;
}

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const sendJson = (response: ServerResponse, status: number, body: unknown, headers = {}): void => {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
};

/** Web API parameters arrive form-encoded; a JSON body (allowed by Slack for some methods) is flattened alike. */
const parseParams = (contentType: string, body: Buffer): Params => {
  if (contentType.startsWith('application/json')) {
    const value = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [
        key,
        typeof field === 'string' ? field : JSON.stringify(field),
      ]),
    );
  }
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
};

/** The file bytes in a multipart upload (the first file part), or the raw body when not multipart. */
const uploadedBytes = async (request: IncomingMessage, body: Buffer): Promise<Buffer> => {
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) return body;
  const form = await new Request('http://fake.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
};

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly responses: RecordedResponse[] = [];
  /** Every `response_url` and Socket Mode ticket handed out: bearer secrets that logs must not show. */
  readonly issuedSecrets: string[] = [];
  readonly workspace: FakeWorkspace;
  readonly socket: SocketHub;
  readonly botToken: string;
  readonly appToken: string;
  readonly #rateLimits = new Map<string, { times: number; retryAfterSeconds: number }>();
  readonly #waiters = new Set<() => void>();
  #responseSequence = 0;

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    options: FakeSlackOptions,
  ) {
    this.botToken = options.botToken ?? 'xoxb-fake-bot-token';
    this.appToken = options.appToken ?? 'xapp-fake-app-token';
    this.workspace = new FakeWorkspace(options, (fileId) => `${this.baseUrl}/upload/${fileId}`);
    this.socket = new SocketHub(options.ackTimeoutMs ?? 3_000);
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const server = createServer();
    const fake = new FakeSlack(server, options);
    server.on('request', (request, response) => {
      fake.#route(request, response).catch((error: unknown) => {
        sendJson(response, 500, { ok: false, error: String(error) });
      });
    });
    server.on('upgrade', (request, socket, head) => {
      if (request.url?.startsWith('/socket')) fake.socket.handleUpgrade(request, socket, head);
      else socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** What to give the app as `SLACK_API_URL`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** Answers the next `times` calls of `method` with 429 and `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, times: number, retryAfterSeconds: number): void {
    this.#rateLimits.set(method, { times, retryAfterSeconds });
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && call.status === 200);
  }

  /** A fresh `response_url` for one command. */
  newResponseUrl(): string {
    this.#responseSequence += 1;
    const url = `${this.baseUrl}/respond/${this.#responseSequence}`;
    this.issuedSecrets.push(url);
    return url;
  }

  /**
   * Resolves with the first truthy value `check` returns, re-checked after every request the fake
   * receives; rejects after `timeoutMs` with `what` in the message.
   */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = (): boolean => {
        const value = check();
        if (value === undefined || value === false) return false;
        clearTimeout(timer);
        this.#waiters.delete(onChange);
        resolve(value);
        return true;
      };
      const onChange = () => void attempt();
      const timer = setTimeout(() => {
        this.#waiters.delete(onChange);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      if (!attempt()) this.#waiters.add(onChange);
    });
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', this.baseUrl).pathname;
    const body = await readBody(request);
    try {
      if (request.method !== 'POST') {
        sendJson(response, 405, { ok: false, error: 'method_not_allowed' });
      } else if (path.startsWith('/api/')) {
        this.#webApi(path.slice('/api/'.length), request, body, response);
      } else if (path.startsWith('/upload/')) {
        const stored = this.workspace.receiveUpload(
          path.slice('/upload/'.length),
          await uploadedBytes(request, body),
        );
        response.writeHead(stored ? 200 : 404, { 'content-type': 'text/plain' });
        response.end(stored ? `OK - ${body.length}` : 'file not found');
      } else if (path.startsWith('/respond/')) {
        this.responses.push({
          path,
          body: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>,
        });
        sendJson(response, 200, { ok: true });
      } else {
        sendJson(response, 404, { ok: false, error: 'not_found' });
      }
    } finally {
      this.#changed();
    }
  }

  #webApi(method: string, request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const params = parseParams(request.headers['content-type'] ?? '', body);
    const record: RecordedCall = { method, params, at: Date.now(), status: 200 };
    this.calls.push(record);

    const limit = this.#rateLimits.get(method);
    if (limit !== undefined && limit.times > 0) {
      limit.times -= 1;
      record.status = 429;
      sendJson(
        response,
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(limit.retryAfterSeconds) },
      );
      return;
    }

    const expectedToken = method === 'apps.connections.open' ? this.appToken : this.botToken;
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? params.token;
    if (token !== expectedToken) {
      sendJson(response, 200, { ok: false, error: 'invalid_auth' });
      return;
    }
    if (method === 'apps.connections.open') {
      // Shaped like Slack's: the ticket alone lets whoever holds it receive the app's events.
      const ticket = randomUUID();
      this.issuedSecrets.push(ticket);
      sendJson(response, 200, {
        ok: true,
        url: `${this.baseUrl.replace('http', 'ws')}/socket/link/?ticket=${ticket}&app_id=AFAKE`,
      });
      return;
    }
    sendJson(response, 200, this.workspace.call(method, params));
  }

  /** Delivers commands and events over the app's Socket Mode connection. */
  viaSocket(): SlackSender {
    return this.#sender((type, payload) => this.socket.deliver(type, payload));
  }

  /** Delivers commands and events as signed HTTP posts to the app's request URL. */
  viaHttp(url: string, signing: SignedPostOptions): SlackSender {
    return this.#sender((type, payload, retryNumber) =>
      postSigned(
        url,
        type === 'slash_commands'
          ? { kind: 'form', fields: payload as Record<string, string> }
          : type === 'interactive'
            ? { kind: 'form', fields: { payload: JSON.stringify(payload) } }
            : { kind: 'json', value: payload },
        { ...signing, ...(retryNumber !== undefined && { retryNumber }) },
      ),
    );
  }

  #sender(
    send: (
      type: DeliveryType,
      payload: unknown,
      retryNumber?: number,
    ) => Promise<SocketAck | HttpAck>,
  ): SlackSender {
    const { teamId, botUserId } = this.workspace;
    let last: { type: DeliveryType; payload: unknown } | undefined;
    const deliver = (type: DeliveryType, payload: unknown) => {
      last = { type, payload };
      return send(type, payload);
    };
    return {
      repeatLast: (retryNumber) => {
        if (last === undefined) throw new Error('fake Slack: nothing was sent yet to repeat');
        return send(last.type, last.payload, retryNumber);
      },
      command: (input) =>
        deliver(
          'slash_commands',
          slashCommandPayload({ ...input, teamId, responseUrl: this.newResponseUrl() }),
        ),
      click: (input) => {
        const message = this.workspace.message(input.channelId, input.messageTs);
        return deliver(
          'interactive',
          blockActionsPayload({
            ...input,
            teamId,
            message: { ts: input.messageTs, text: message?.text ?? '' },
            responseUrl: this.newResponseUrl(),
          }),
        );
      },
      reaction: (input) => {
        const item = this.workspace.message(input.channelId, input.messageTs);
        return deliver(
          'events_api',
          reactionAddedCallback({
            ...input,
            teamId,
            botUserId,
            // A message the fake never saw posted was written by a person, not the bot.
            itemUserId: item?.user ?? 'U0PERSON',
          }),
        );
      },
    };
  }

  async close(): Promise<void> {
    await this.socket.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const startFakeSlack = (options?: FakeSlackOptions): Promise<FakeSlack> =>
  FakeSlack.start(options);
