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
  interactivePayload,
  reactionAddedCallback,
  slashCommandPayload,
  type CommandInput,
} from './payloads.js';
import { postSigned, type HttpAck, type SignedPostOptions } from './signed-request.js';
import { SocketHub, type SocketAck } from './socket-hub.js';
import { FakeWorkspace, type FakeView, type Params, type WorkspaceOptions } from './workspace.js';

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
  /** Runs the message shortcut `callbackId` on the message at `messageTs`. */
  messageShortcut(input: {
    userId: string;
    channelId: string;
    messageTs: string;
    callbackId: string;
  }): Promise<SocketAck | HttpAck>;
  /**
   * Clicks a button on a bot message (`messageTs`), or on an ephemeral message the user was shown
   * (`ephemeral`).
   */
  clickButton(input: {
    userId: string;
    channelId: string;
    actionId: string;
    messageTs: string;
    ephemeral?: boolean;
    /** The button's `value`, where it carries one. */
    value?: string;
  }): Promise<SocketAck | HttpAck>;
  /** Submits a view the app opened, with plain-text input values by action id. */
  submitView(
    view: FakeView,
    input: { userId: string; values: Readonly<Record<string, string>> },
  ): Promise<SocketAck | HttpAck>;
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
  /** Paths of private file downloads, in order. */
  readonly fileDownloads: string[] = [];
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
    this.workspace = new FakeWorkspace(
      options,
      (fileId) => `${this.baseUrl}/upload/${fileId}`,
      (file) => `${this.baseUrl}/files-pri/${file.id}/${encodeURIComponent(file.filename)}`,
    );
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
      if (request.method === 'GET' && path.startsWith('/files-pri/')) {
        this.#serveFile(path, request, response);
      } else if (request.method !== 'POST') {
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

  /** A private file's bytes, for the bot token only, as Slack serves `url_private_download`. */
  #serveFile(path: string, request: IncomingMessage, response: ServerResponse): void {
    const file = this.workspace.files.get(path.split('/')[2] ?? '');
    this.fileDownloads.push(path);
    if (request.headers.authorization !== `Bearer ${this.botToken}`) {
      response.writeHead(403, { 'content-type': 'text/html' }).end('<html>sign in</html>');
    } else if (file?.bytes === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else {
      response.writeHead(200, { 'content-type': file.mimetype ?? 'application/octet-stream' });
      response.end(file.bytes);
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
    const sender: SlackSender = {
      repeatLast: (retryNumber) => {
        if (last === undefined) throw new Error('fake Slack: nothing was sent yet to repeat');
        return send(last.type, last.payload, retryNumber);
      },
      command: (input) =>
        deliver(
          'slash_commands',
          slashCommandPayload({ ...input, teamId, responseUrl: this.newResponseUrl() }),
        ),
      click: ({ value, ...button }) => sender.clickButton({ ...button, value }),
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
      messageShortcut: (input) => {
        const message = this.workspace.message(input.channelId, input.messageTs);
        if (message === undefined) throw new Error(`fake Slack: no message ${input.messageTs}`);
        return deliver(
          'interactive',
          interactivePayload('message_action', input.userId, teamId, {
            callback_id: input.callbackId,
            trigger_id: `${Date.now()}.${input.messageTs}.trigger`,
            response_url: this.newResponseUrl(),
            channel: { id: input.channelId, name: 'general' },
            message_ts: input.messageTs,
            message: {
              type: 'message',
              user: message.user,
              text: message.text,
              ts: message.ts,
              ...(message.fileIds.length > 0 && {
                files: message.fileIds.flatMap((id) => {
                  const file = this.workspace.files.get(id);
                  return file ? [this.workspace.fileObject(file)] : [];
                }),
              }),
            },
          }),
        );
      },
      clickButton: (input) => {
        const message = input.ephemeral
          ? undefined
          : this.workspace.message(input.channelId, input.messageTs);
        return deliver(
          'interactive',
          interactivePayload('block_actions', input.userId, teamId, {
            trigger_id: `${Date.now()}.${input.actionId}.trigger`,
            response_url: this.newResponseUrl(),
            channel: { id: input.channelId, name: 'general' },
            container: {
              type: 'message',
              message_ts: input.messageTs,
              channel_id: input.channelId,
              is_ephemeral: input.ephemeral === true,
            },
            // Slack sends the message a button is on, except for ephemeral messages.
            ...(message !== undefined && {
              message: {
                type: 'message',
                user: message.user,
                text: message.text,
                ts: message.ts,
                blocks: message.blocks,
              },
            }),
            actions: [
              {
                type: 'button',
                action_id: input.actionId,
                block_id: 'actions',
                ...(input.value !== undefined && { value: input.value }),
                text: { type: 'plain_text', text: input.actionId },
                action_ts: (Date.now() / 1000).toFixed(6),
              },
            ],
          }),
        );
      },
      submitView: (view, input) =>
        deliver(
          'interactive',
          interactivePayload('view_submission', input.userId, teamId, {
            trigger_id: `${Date.now()}.${view.id}.trigger`,
            view: {
              ...view.view,
              id: view.id,
              team_id: teamId,
              state: {
                values: Object.fromEntries(
                  Object.entries(input.values).map(([actionId, value]) => [
                    actionId,
                    { [actionId]: { type: 'plain_text_input', value } },
                  ]),
                ),
              },
            },
          }),
        ),
    };
    return sender;
  }

  async close(): Promise<void> {
    await this.socket.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const startFakeSlack = (options?: FakeSlackOptions): Promise<FakeSlack> =>
  FakeSlack.start(options);
