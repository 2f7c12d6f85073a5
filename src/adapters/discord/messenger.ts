/**
 * The Discord REST calls the reporter makes, through `@discordjs/rest` (which waits out 429s and
 * retries 5xx), so delivery needs only the bot token, not a gateway connection. Every body sets
 * allowed mentions to none.
 */
import { DiscordAPIError, REST, RESTJSONErrorCodes, Routes, type APIMessage } from 'discord.js';
import type { OutgoingFile } from './attachments.js';
import { noMentions } from './text.js';

export interface MessageBody {
  content: string;
  embeds?: Array<Record<string, unknown>>;
  /** Replaces the message's attachments; `[]` removes them, `undefined` leaves them. */
  files?: readonly OutgoingFile[];
  /** Rows of buttons; `[]` removes them, `undefined` leaves them. */
  components?: Array<Record<string, unknown>>;
}

export interface RestOptions {
  /** DISCORD_TOKEN. */
  token: string;
  /** @default 'https://discord.com/api' */
  apiBaseUrl?: string;
  /** Retries of a request that failed with 5xx or a network error. @default 3 */
  retries?: number;
  /** Per request, in ms. @default 15000 */
  timeoutMs?: number;
}

/** A REST client with the bot token; `globalRequestsPerSecond` only for routes Discord does not cap globally. */
export const createRest = (options: RestOptions, globalRequestsPerSecond?: number): REST =>
  new REST({
    api: options.apiBaseUrl ?? 'https://discord.com/api',
    retries: options.retries ?? 3,
    timeout: options.timeoutMs ?? 15_000,
    ...(globalRequestsPerSecond !== undefined && { globalRequestsPerSecond }),
  }).setToken(options.token);

/**
 * Interaction webhooks are exempt from Discord's global limit of 50 requests a second per bot, so
 * they get their own client without it: a burst of results must not queue behind that cap. Their
 * per-route limits still apply, as `@discordjs/rest` tracks them from the response headers.
 */
const uncappedGlobalRate = 1_000_000;

/** Discord's answers that mean the webhook, interaction or message to write to no longer exists. */
const goneCodes = new Set<number | string>([
  RESTJSONErrorCodes.UnknownWebhook,
  RESTJSONErrorCodes.InvalidWebhookToken,
  RESTJSONErrorCodes.UnknownMessage,
  RESTJSONErrorCodes.UnknownInteraction,
]);

export const isGone = (error: unknown): boolean =>
  error instanceof DiscordAPIError && goneCodes.has(error.code);

const toRequest = (body: MessageBody) => ({
  body: {
    content: body.content,
    ...(body.embeds !== undefined && { embeds: body.embeds }),
    ...(body.components !== undefined && { components: body.components }),
    ...(body.files !== undefined && {
      attachments: body.files.map((file, index) => ({ id: index, filename: file.name })),
    }),
    allowed_mentions: noMentions,
  },
  ...(body.files !== undefined &&
    body.files.length > 0 && {
      files: body.files.map((file) => ({
        name: file.name,
        data: file.data,
        contentType: file.contentType,
      })),
    }),
});

export class DiscordMessenger {
  readonly #bot: REST;
  readonly #webhooks: REST;

  constructor(options: RestOptions) {
    this.#bot = createRest(options);
    this.#webhooks = createRest(options, uncappedGlobalRate);
  }

  async editInteractionReply(
    applicationId: string,
    token: string,
    body: MessageBody,
  ): Promise<APIMessage> {
    return (await this.#webhooks.patch(Routes.webhookMessage(applicationId, token, '@original'), {
      ...toRequest(body),
      auth: false,
    })) as APIMessage;
  }

  async followUp(applicationId: string, token: string, body: MessageBody): Promise<APIMessage> {
    return (await this.#webhooks.post(Routes.webhook(applicationId, token), {
      ...toRequest(body),
      query: new URLSearchParams({ wait: 'true' }),
      auth: false,
    })) as APIMessage;
  }

  async send(channelId: string, body: MessageBody, replyTo?: string): Promise<APIMessage> {
    const request = toRequest(body);
    return (await this.#bot.post(Routes.channelMessages(channelId), {
      ...request,
      body: {
        ...request.body,
        // A reply to a message someone deleted still arrives, just without the reference.
        ...(replyTo !== undefined && {
          message_reference: { message_id: replyTo, fail_if_not_exists: false },
        }),
      },
    })) as APIMessage;
  }

  async edit(channelId: string, messageId: string, body: MessageBody): Promise<APIMessage> {
    return (await this.#bot.patch(
      Routes.channelMessage(channelId, messageId),
      toRequest(body),
    )) as APIMessage;
  }

  async react(channelId: string, messageId: string, emoji: string): Promise<void> {
    await this.#bot.put(
      Routes.channelMessageOwnReaction(channelId, messageId, encodeURIComponent(emoji)),
    );
  }
}
