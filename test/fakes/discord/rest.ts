/**
 * The fake Discord REST API (v10): interaction callbacks, interaction webhooks (edit the original,
 * follow-ups), channel messages, reactions, the lookups partials need, and command registration.
 * It refuses what Discord refuses (late or repeated callbacks, expired tokens, uploads over the
 * limit, text over the length limits) and records everything in the world.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChannelType, GatewayIntentBits, MessageFlags } from 'discord.js';
import type { FaultInjector } from './faults.js';
import type { FakeGateway } from './gateway.js';
import { readBody, readRaw, sendError, sendJson, type RequestBody } from './http.js';
import { applyMessageBody, DiscordRefusal } from './messages.js';
import { channelPayload, memberPayload, messagePayload, userPayload } from './payloads.js';
import type { FakeDiscordWorld, FakeInteraction, FakeMessage, RegisteredCommand } from './world.js';

export interface RestOptions {
  token: string;
  tokenLifetimeMs: number;
  ackDeadlineMs: number;
  defaultUploadLimit: number;
  /** `http://127.0.0.1:PORT`, for attachment URLs. */
  origin: () => string;
  wsUrl: () => string;
  /** What GET /gateway/bot recommends. */
  shardCount: number;
  maxConcurrency: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

interface Call {
  method: string;
  path: string;
  params: string[];
  query: URLSearchParams;
  request: IncomingMessage;
  response: ServerResponse;
}

interface Route {
  method: string;
  pattern: RegExp;
  auth: boolean;
  handle: (call: Call) => Promise<void> | void;
}

const unknown = {
  interaction: [404, 10062, 'Unknown interaction'],
  webhook: [404, 10015, 'Unknown Webhook'],
  message: [404, 10008, 'Unknown Message'],
  channel: [404, 10003, 'Unknown Channel'],
  user: [404, 10013, 'Unknown User'],
} as const;

const refuse = (which: keyof typeof unknown) => {
  const [status, code, message] = unknown[which];
  return new DiscordRefusal(status, code, message);
};

const CHANNEL_MESSAGE_WITH_SOURCE = 4;
const DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5;

export const createRestHandler = (
  world: FakeDiscordWorld,
  gateway: FakeGateway,
  faults: FaultInjector,
  options: RestOptions,
) => {
  const requests: RecordedRequest[] = [];
  const render = (message: FakeMessage) => messagePayload(message, world, options.origin());

  const liveInteraction = (applicationId: string, token: string): FakeInteraction => {
    const interaction = world.interactionByToken(token);
    if (!interaction || applicationId !== world.applicationId || !interaction.response)
      throw refuse('webhook');
    if (Date.now() - interaction.createdAt > options.tokenLifetimeMs) throw refuse('webhook');
    return interaction;
  };

  const webhookMessage = (interaction: FakeInteraction, messageId: string): FakeMessage => {
    const id = messageId === '@original' ? interaction.originalMessageId : messageId;
    const message = id === undefined ? undefined : world.messages.get(id);
    if (!message || message.deleted || message.interactionId !== interaction.id)
      throw refuse('message');
    return message;
  };

  const channelMessage = (channelId: string, messageId: string): FakeMessage => {
    const message = world.messages.get(messageId);
    if (!message || message.deleted || message.channelId !== channelId) throw refuse('message');
    return message;
  };

  /** The message a reply refers to; a missing one fails the send unless `fail_if_not_exists` is false. */
  const repliedMessage = (
    channelId: string,
    reference: { message_id?: string; fail_if_not_exists?: boolean } | undefined,
  ): string | undefined => {
    if (reference?.message_id === undefined) return undefined;
    try {
      return channelMessage(channelId, reference.message_id).id;
    } catch (error) {
      if (reference.fail_if_not_exists === false) return undefined;
      throw error;
    }
  };

  const uploadLimit = (interaction?: FakeInteraction) =>
    interaction?.attachmentSizeLimit ?? options.defaultUploadLimit;

  /** Edits keep the message's flags, except that the first edit ends a deferred reply's "thinking". */
  const edit = (message: FakeMessage, body: RequestBody, limit: number) => {
    const state = applyMessageBody(message, body.json, body.files, {
      uploadLimit: limit,
      newId: () => world.newId(),
    });
    world.editMessage(message, { ...state, flags: message.flags & ~MessageFlags.Loading });
  };

  const callback = async ({ params, query, request, response }: Call) => {
    const arrivedAt = performance.now();
    const [interactionId, token] = params as [string, string];
    const interaction = world.interactions.get(interactionId);
    if (!interaction || interaction.token !== token) throw refuse('interaction');
    if (arrivedAt - interaction.dispatchedAt > options.ackDeadlineMs) throw refuse('interaction');
    if (interaction.response)
      throw new DiscordRefusal(400, 40060, 'Interaction has already been acknowledged.');
    const body = await readBody(request);
    const type = body.json.type as number;
    const data = (body.json.data ?? {}) as Record<string, unknown>;
    if (type !== CHANNEL_MESSAGE_WITH_SOURCE && type !== DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE)
      throw new DiscordRefusal(400, 50035, `Invalid Form Body: type ${type} is not supported here`);
    const deferred = type === DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE;
    const ephemeral = ((data.flags as number | undefined) ?? 0) & MessageFlags.Ephemeral;
    const state = applyMessageBody(undefined, data, body.files, {
      uploadLimit: uploadLimit(interaction),
      newId: () => world.newId(),
      allowEmpty: deferred,
    });
    interaction.acknowledgedAt = arrivedAt;
    interaction.response = { type, ephemeral: ephemeral !== 0 };
    const message = world.addMessage({
      ...state,
      flags: ephemeral | (deferred ? MessageFlags.Loading : 0),
      channelId: interaction.channelId,
      guildId: interaction.guildId,
      authorId: world.botUser.id,
      source: 'interaction',
      interactionId: interaction.id,
    });
    interaction.originalMessageId = message.id;
    if (query.get('with_response') !== 'true') {
      sendJson(response, 204, undefined);
      return;
    }
    sendJson(response, 200, {
      interaction: {
        id: interaction.id,
        type: 2,
        activity_instance_id: null,
        response_message_id: message.id,
        response_message_loading: deferred,
        response_message_ephemeral: ephemeral !== 0,
      },
      resource: { type, message: render(message) },
    });
  };

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/gateway\/bot$/,
      auth: true,
      handle: ({ response }) =>
        sendJson(response, 200, {
          url: options.wsUrl(),
          shards: options.shardCount,
          session_start_limit: {
            total: 1000,
            remaining: 999,
            reset_after: 14_400_000,
            max_concurrency: options.maxConcurrency,
          },
        }),
    },
    {
      method: 'GET',
      pattern: /^\/applications\/@me$/,
      auth: true,
      handle: ({ response }) =>
        sendJson(response, 200, {
          id: world.applicationId,
          name: world.botUser.username,
          bot: userPayload(world.botUser),
          flags: 0,
        }),
    },
    {
      method: 'GET',
      pattern: /^\/users\/([^/]+)$/,
      auth: true,
      handle: ({ params, response }) => {
        const id = params[0] === '@me' ? world.botUser.id : (params[0] as string);
        const user = world.users.get(id);
        if (!user) throw refuse('user');
        sendJson(response, 200, userPayload(user));
      },
    },
    {
      method: 'POST',
      pattern: /^\/users\/@me\/channels$/,
      auth: true,
      handle: async ({ request, response }) => {
        const recipientId = String((await readBody(request)).json.recipient_id);
        const user = world.users.get(recipientId);
        if (!user) throw refuse('user');
        const channel = world.directChannel(user.id);
        sendJson(response, 200, {
          id: channel.id,
          type: ChannelType.DM,
          last_message_id: null,
          flags: 0,
          recipients: [userPayload(user)],
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/guilds\/(\d+)\/members\/(\d+)$/,
      auth: true,
      handle: ({ params, response }) => {
        const guild = world.guilds.get(params[0] as string);
        const user = world.users.get(params[1] as string);
        if (!guild || !user || !guild.memberIds.includes(user.id))
          throw new DiscordRefusal(404, 10007, 'Unknown Member');
        sendJson(response, 200, memberPayload(user, undefined, guild.memberRoles.get(user.id)));
      },
    },
    {
      method: 'GET',
      pattern: /^\/channels\/(\d+)$/,
      auth: true,
      handle: ({ params, response }) => {
        const channel = world.findChannel(params[0] as string);
        if (!channel) throw refuse('channel');
        sendJson(response, 200, channelPayload(channel));
      },
    },
    {
      method: 'GET',
      pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/,
      auth: true,
      handle: ({ params, response }) =>
        sendJson(response, 200, render(channelMessage(params[0] as string, params[1] as string))),
    },
    {
      method: 'POST',
      pattern: /^\/channels\/(\d+)\/messages$/,
      auth: true,
      handle: async ({ params, request, response }) => {
        const channel = world.findChannel(params[0] as string);
        if (!channel) throw refuse('channel');
        if (channel.botMaySend === false)
          throw new DiscordRefusal(403, 50013, 'Missing Permissions');
        const body = await readBody(request);
        const reference = body.json.message_reference as
          { message_id?: string; fail_if_not_exists?: boolean } | undefined;
        const replyTo = repliedMessage(channel.id, reference);
        const state = applyMessageBody(undefined, body.json, body.files, {
          uploadLimit: uploadLimit(),
          newId: () => world.newId(),
        });
        const message = world.addMessage({
          ...state,
          channelId: channel.id,
          guildId: channel.guildId,
          authorId: world.botUser.id,
          source: 'channel',
          ...(replyTo !== undefined && { replyTo }),
        });
        sendJson(response, 200, render(message));
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/,
      auth: true,
      handle: async ({ params, request, response }) => {
        const message = channelMessage(params[0] as string, params[1] as string);
        if (message.authorId !== world.botUser.id)
          throw new DiscordRefusal(403, 50005, 'Cannot edit a message authored by another user');
        edit(message, await readBody(request), uploadLimit());
        sendJson(response, 200, render(message));
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/,
      auth: true,
      handle: ({ params, response }) => {
        channelMessage(params[0] as string, params[1] as string).deleted = true;
        world.changed();
        sendJson(response, 204, undefined);
      },
    },
    {
      method: 'PUT',
      pattern: /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/([^/]+)\/@me$/,
      auth: true,
      handle: ({ params, response }) => {
        const message = channelMessage(params[0] as string, params[1] as string);
        const emoji = params[2] as string;
        if (!message.reactions.some((r) => r.emoji === emoji && r.userId === world.botUser.id)) {
          message.reactions.push({ emoji, userId: world.botUser.id });
          world.changed();
          dispatchReaction(world, gateway, message, world.botUser.id, emoji);
        }
        sendJson(response, 204, undefined);
      },
    },
    {
      method: 'POST',
      pattern: /^\/interactions\/(\d+)\/([^/]+)\/callback$/,
      auth: false,
      handle: callback,
    },
    {
      method: 'GET',
      pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/,
      auth: false,
      handle: ({ params, response }) => {
        const interaction = liveInteraction(params[0] as string, params[1] as string);
        sendJson(response, 200, render(webhookMessage(interaction, params[2] as string)));
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/,
      auth: false,
      handle: async ({ params, request, response }) => {
        const interaction = liveInteraction(params[0] as string, params[1] as string);
        const message = webhookMessage(interaction, params[2] as string);
        edit(message, await readBody(request), uploadLimit(interaction));
        sendJson(response, 200, render(message));
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/,
      auth: false,
      handle: ({ params, response }) => {
        const interaction = liveInteraction(params[0] as string, params[1] as string);
        webhookMessage(interaction, params[2] as string).deleted = true;
        world.changed();
        sendJson(response, 204, undefined);
      },
    },
    {
      method: 'POST',
      pattern: /^\/webhooks\/(\d+)\/([^/]+)$/,
      auth: false,
      handle: async ({ params, request, response }) => {
        const interaction = liveInteraction(params[0] as string, params[1] as string);
        const body = await readBody(request);
        const state = applyMessageBody(undefined, body.json, body.files, {
          uploadLimit: uploadLimit(interaction),
          newId: () => world.newId(),
        });
        const message = world.addMessage({
          ...state,
          channelId: interaction.channelId,
          guildId: interaction.guildId,
          authorId: world.botUser.id,
          source: 'webhook',
          interactionId: interaction.id,
        });
        sendJson(response, 200, render(message));
      },
    },
    ...(['GET', 'PUT'] as const).map((method): Route => ({
      method,
      pattern: /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/,
      auth: true,
      handle: async ({ params, request, response }) => {
        if (params[0] !== world.applicationId)
          throw new DiscordRefusal(404, 10002, 'Unknown Application');
        const scope = params[1];
        if (method === 'PUT') {
          const body = JSON.parse((await readRaw(request)).toString('utf8')) as Array<
            Record<string, unknown>
          >;
          world.putCommands(scope, registerCommands(world, scope, body));
        }
        sendJson(response, 200, world.registeredCommands(scope));
      },
    })),
  ];

  const serveAttachment = (path: string, response: ServerResponse): boolean => {
    const match = /^\/attachments\/(\d+)\//.exec(path);
    if (!match) return false;
    const attachment = [...world.messages.values()]
      .flatMap((message) => message.attachments)
      .find((candidate) => candidate.id === match[1]);
    if (!attachment) sendError(response, 404, 0, '404: Not Found');
    else response.writeHead(200, { 'content-type': attachment.contentType }).end(attachment.bytes);
    return true;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', options.origin());
    response.on('finish', () =>
      requests.push({ method, path: url.pathname, status: response.statusCode }),
    );
    if (serveAttachment(url.pathname, response)) return;
    const versioned = /^\/api\/v\d+(\/.*)$/.exec(url.pathname);
    const path = decodeURIComponent(versioned?.[1] ?? url.pathname);
    if (faults.intercept(method, path, response)) return;
    for (const route of routes) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (!match) continue;
      if (route.auth && request.headers.authorization !== `Bot ${options.token}`) {
        sendError(response, 401, 0, '401: Unauthorized');
        return;
      }
      try {
        await route.handle({
          method,
          path,
          params: match.slice(1) as string[],
          query: url.searchParams,
          request,
          response,
        });
      } catch (error) {
        if (!(error instanceof DiscordRefusal)) throw error;
        if (!request.readableEnded) request.resume();
        sendError(response, error.status, error.code, error.message);
      }
      return;
    }
    sendError(response, 404, 0, `404: Not Found (${method} ${path})`);
  };

  return { handle, requests };
};

/** Keeps the id of a command that keeps its name, as Discord does on a bulk overwrite. */
const registerCommands = (
  world: FakeDiscordWorld,
  scope: string | undefined,
  body: Array<Record<string, unknown>>,
): RegisteredCommand[] => {
  const existing = world.registeredCommands(scope);
  return body.map((command) => ({
    ...command,
    id: existing.find((old) => old.name === command.name)?.id ?? world.newId(),
    name: String(command.name),
    application_id: world.applicationId,
    version: world.newId(),
    ...(scope !== undefined && { guild_id: scope }),
  }));
};

/** A reaction as the gateway reports it, only to sessions with the reactions intent. */
export const dispatchReaction = (
  world: FakeDiscordWorld,
  gateway: FakeGateway,
  message: FakeMessage,
  userId: string,
  emoji: string,
): number => {
  const user = world.users.get(userId);
  if (!user) throw new Error(`fake Discord: no user ${userId}`);
  return gateway.dispatch(
    'MESSAGE_REACTION_ADD',
    {
      user_id: userId,
      channel_id: message.channelId,
      message_id: message.id,
      guild_id: message.guildId,
      member: memberPayload(user),
      emoji: { id: null, name: emoji },
      message_author_id: message.authorId,
      burst: false,
      burst_colors: [],
      type: 0,
    },
    GatewayIntentBits.GuildMessageReactions,
  );
};
