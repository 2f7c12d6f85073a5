/**
 * A fake Discord on 127.0.0.1 that the real discord.js client logs in to: REST and the gateway on
 * one port (0, so parallel test files never collide). Tests drive it as users would (run a command,
 * add a reaction) and assert on what it recorded.
 *
 *   const discord = await startFakeDiscord();
 *   new Client({ intents, rest: { api: discord.restApi } }).login(discord.token);
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type FaultRule } from './faults.js';
import { FakeGateway, shardOf } from './gateway.js';
import { SnowflakeUtil } from 'discord.js';
import {
  interactionPayload,
  memberPermissions,
  messagePayload,
  type InteractionOption,
} from './payloads.js';
import { createRestHandler, dispatchReaction } from './rest.js';
import {
  FakeDiscordWorld,
  type FakeChannel,
  type FakeGuild,
  type FakeInteraction,
  type FakeMessage,
  type FakeRole,
  type FakeUser,
} from './world.js';

export { adminPermissions, memberPermissions, smallImageOptions } from './payloads.js';
export type { InteractionOption } from './payloads.js';
export type { FaultRule, FaultSpec } from './faults.js';
export type { Pings } from './messages.js';
export type {
  FakeChannel,
  FakeGuild,
  FakeInteraction,
  FakeMessage,
  FakeRole,
  FakeUser,
  FakeDiscordWorld,
} from './world.js';

export interface FakeDiscordOptions {
  /** @default a fresh snowflake */
  applicationId?: string;
  /** The bot token the fake accepts. @default 'fake-discord-bot-token' */
  token?: string;
  /** How long an interaction token accepts webhook calls. @default 900000 (Discord's 15 minutes) */
  tokenLifetimeMs?: number;
  /** How long after dispatch an interaction may still be acknowledged. @default 3000 */
  ackDeadlineMs?: number;
  /** Upload limit per request when an interaction reports none, and for channel messages. @default 10 MiB */
  defaultUploadLimit?: number;
  /** @default 41250 */
  heartbeatIntervalMs?: number;
  /** The shard count GET /gateway/bot recommends. @default 1 */
  shardCount?: number;
  /** `session_start_limit.max_concurrency`: shards that may identify together. @default 1 */
  maxConcurrency?: number;
}

export interface CommandInvocation {
  guild: FakeGuild;
  user: FakeUser;
  name: string;
  options?: readonly InteractionOption[];
  /** @default the guild's first channel */
  channel?: FakeChannel;
  /** @default 'en-US' */
  locale?: string;
  /** The member's permissions in the channel. @default {@link memberPermissions} */
  permissions?: bigint;
  /** Sent as `attachment_size_limit` when set. */
  attachmentSizeLimit?: number;
  /** Sends it as if from a direct message with the bot (no guild). @default false */
  directMessage?: boolean;
  /** Files for attachment options: each is uploaded and sent as an option of type 11. */
  attachments?: ReadonlyArray<{
    option: string;
    filename: string;
    bytes: Buffer;
    contentType?: string;
  }>;
}

/** Who acts, where, as in a command. */
export interface Actor {
  user: FakeUser;
  /** @default the user's interaction's or message's guild */
  guild?: FakeGuild;
  /** @default 'en-US' */
  locale?: string;
  /** @default {@link memberPermissions} */
  permissions?: bigint;
}

export interface FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  /** For `new Client({ rest: { api } })` and `new REST({ api })`. */
  readonly restApi: string;
  readonly world: FakeDiscordWorld;
  readonly gateway: FakeGateway;
  /** Every REST request, in order of completion. */
  readonly requests: ReadonlyArray<{ method: string; path: string; status: number }>;
  /** Served faults, in order. */
  readonly faults: FaultInjector['served'];
  /** Makes matching requests fail `times` times. */
  injectFault(rule: FaultRule): void;
  /** A user and a guild they own, both known to the gateway's next READY. */
  addUser(username: string, options?: { bot?: boolean }): FakeUser;
  addGuild(name: string, owner: FakeUser, channelCount?: number): FakeGuild;
  /** A role in the guild given to `members`; add it before the bot connects. */
  addRole(guild: FakeGuild, name: string, members?: readonly FakeUser[]): FakeRole;
  /** Dispatches a slash command as the user, to every identified session. */
  runCommand(invocation: CommandInvocation): FakeInteraction;
  /** Dispatches many at once: all payloads are built first, then sent back to back. */
  runCommands(invocations: readonly CommandInvocation[]): FakeInteraction[];
  /** Clicks the button with `customId` on `message` as the user, and dispatches the interaction. */
  clickButton(click: {
    message: FakeMessage;
    user: FakeUser;
    customId: string;
    /** @default {@link memberPermissions} */
    permissions?: bigint;
  }): FakeInteraction;
  /** A message context-menu command (`Edit image`) on `message`. */
  runMessageCommand(message: FakeMessage, name: string, actor: Actor): FakeInteraction;
  /** Submits the modal the bot opened in answer to `opened`, as the user who opened it. */
  submitModal(opened: FakeInteraction, values: Readonly<Record<string, string>>): FakeInteraction;
  /** Clicks a button (or picks `values` in a select menu) on one of the bot's messages. */
  click(
    message: FakeMessage,
    customId: string,
    actor: Actor & { values?: readonly string[] },
  ): FakeInteraction;
  /** Adds the user's reaction and dispatches it (to sessions with the reactions intent). */
  react(message: FakeMessage, user: FakeUser, emoji: string): number;
  close(): Promise<void>;
}

export const startFakeDiscord = async (options: FakeDiscordOptions = {}): Promise<FakeDiscord> => {
  const token = options.token ?? 'fake-discord-bot-token';
  const world = new FakeDiscordWorld(options.applicationId ?? SnowflakeUtil.generate().toString());
  const faults = new FaultInjector();
  const gateway = new FakeGateway(world, {
    token,
    ...(options.heartbeatIntervalMs !== undefined && {
      heartbeatIntervalMs: options.heartbeatIntervalMs,
    }),
  });
  let port = 0;
  const origin = () => `http://127.0.0.1:${port}`;
  const wsUrl = () => `ws://127.0.0.1:${port}/gateway`;
  const rest = createRestHandler(world, gateway, faults, {
    token,
    tokenLifetimeMs: options.tokenLifetimeMs ?? 900_000,
    ackDeadlineMs: options.ackDeadlineMs ?? 3_000,
    defaultUploadLimit: options.defaultUploadLimit ?? 10 * 1024 * 1024,
    origin,
    wsUrl,
    shardCount: options.shardCount ?? 1,
    maxConcurrency: options.maxConcurrency ?? 1,
  });
  const server = createServer((request, response) => {
    rest.handle(request, response).catch((error: unknown) => {
      // A bug in the fake itself: say so loudly rather than let the client retry forever.
      console.error('fake Discord failed on', request.method, request.url, error);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.on('upgrade', (request, socket, head) => {
    if (request.url?.startsWith('/gateway')) gateway.upgrade(request, socket, head, wsUrl());
    else socket.destroy();
  });
  // A deep accept queue, as a real API front has: a burst of hundreds of new connections must
  // not see dropped SYNs (and the client's 1 s retransmit) that Discord would never cause.
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve),
  );
  port = (server.address() as AddressInfo).port;

  const commandIds = new Map<string, string>();
  const commandIdOf = (guild: FakeGuild, name: string): string => {
    const id =
      world.registeredCommands(guild.id).find((command) => command.name === name)?.id ??
      world.registeredCommands(undefined).find((command) => command.name === name)?.id ??
      commandIds.get(name) ??
      world.newId();
    commandIds.set(name, id);
    return id;
  };
  /** Builds the interaction and its gateway payload, so a burst can go out without pauses. */
  const prepare = (invocation: CommandInvocation) => {
    const channel = invocation.channel ?? invocation.guild.channels[0];
    if (!channel) throw new Error(`fake Discord: guild ${invocation.guild.name} has no channel`);
    if (!invocation.guild.memberIds.includes(invocation.user.id))
      invocation.guild.memberIds.push(invocation.user.id);
    const limit = invocation.attachmentSizeLimit;
    const uploads = (invocation.attachments ?? []).map((file) => ({
      option: file.option,
      upload: world.addUpload(file.filename, file.bytes, file.contentType),
    }));
    const interaction = world.newInteraction({
      guildId: invocation.guild.id,
      channelId: channel.id,
      userId: invocation.user.id,
      commandName: invocation.name,
      ...(limit !== undefined && { attachmentSizeLimit: limit }),
    });
    const payload = interactionPayload(world, {
      id: interaction.id,
      token: interaction.token,
      guild: invocation.guild,
      channel,
      user: invocation.user,
      permissions: invocation.permissions ?? memberPermissions,
      commandName: invocation.name,
      commandId: commandIdOf(invocation.guild, invocation.name),
      options: [
        ...(invocation.options ?? []),
        ...uploads.map(({ option, upload }) => ({
          name: option,
          type: 11 as const,
          value: upload.id,
        })),
      ],
      locale: invocation.locale ?? 'en-US',
      ...(limit !== undefined && { attachmentSizeLimit: limit }),
      ...(invocation.directMessage && { directMessage: true }),
      uploads: uploads.map(({ upload }) => upload),
      baseUrl: origin(),
    });
    return { interaction, payload };
  };

  /** Any other interaction: built as a command would be, then given its own type and data. */
  const dispatchOther = (
    kind: NonNullable<FakeInteraction['kind']>,
    actor: Actor & { channelId: string; name: string; messageId?: string },
    shape: (payload: Record<string, unknown>) => Record<string, unknown>,
  ): FakeInteraction => {
    const channel = world.findChannel(actor.channelId);
    const guild = actor.guild ?? (channel && world.guilds.get(channel.guildId));
    if (!channel || !guild) throw new Error(`fake Discord: no channel ${actor.channelId}`);
    if (!guild.memberIds.includes(actor.user.id)) guild.memberIds.push(actor.user.id);
    const interaction = world.newInteraction({
      kind,
      guildId: guild.id,
      channelId: channel.id,
      userId: actor.user.id,
      commandName: actor.name,
      ...(actor.messageId !== undefined && { messageId: actor.messageId }),
    });
    const payload = interactionPayload(world, {
      id: interaction.id,
      token: interaction.token,
      guild,
      channel,
      user: actor.user,
      permissions: actor.permissions ?? memberPermissions,
      commandName: actor.name,
      commandId: commandIdOf(guild, actor.name),
      options: [],
      locale: actor.locale ?? 'en-US',
    });
    gateway.dispatch('INTERACTION_CREATE', shape(payload));
    interaction.dispatchedAt = performance.now();
    return interaction;
  };
  const dispatchAll = (prepared: ReadonlyArray<ReturnType<typeof prepare>>): FakeInteraction[] =>
    prepared.map(({ interaction, payload }) => {
      gateway.dispatch('INTERACTION_CREATE', payload);
      interaction.dispatchedAt = performance.now();
      return interaction;
    });

  const click: FakeDiscord['click'] = (message, customId, actor) =>
    dispatchOther(
      'component',
      { ...actor, channelId: message.channelId, name: customId, messageId: message.id },
      (payload) => ({
        ...payload,
        type: 3,
        message: messagePayload(message, world, origin()),
        data: {
          custom_id: customId,
          component_type: actor.values === undefined ? 2 : 3,
          ...(actor.values !== undefined && { values: actor.values }),
        },
      }),
    );

  return {
    token,
    applicationId: world.applicationId,
    restApi: `${origin()}/api`,
    world,
    gateway,
    requests: rest.requests,
    faults: faults.served,
    injectFault: (rule) => faults.add(rule),
    addUser: (username, userOptions) => world.addUser(username, userOptions),
    addGuild: (name, owner, channelCount) => world.addGuild(name, owner, channelCount),
    addRole: (guild, name, members) => world.addRole(guild, name, members),
    runCommand: (invocation) => dispatchAll([prepare(invocation)])[0] as FakeInteraction,
    runCommands: (invocations) => dispatchAll(invocations.map(prepare)),
    runMessageCommand: (message, name, actor) =>
      dispatchOther(
        'messageCommand',
        { ...actor, channelId: message.channelId, name },
        (payload) => ({
          ...payload,
          data: {
            id: commandIdOf(world.guilds.get(message.guildId)!, name),
            name,
            type: 3,
            guild_id: message.guildId,
            target_id: message.id,
            resolved: { messages: { [message.id]: messagePayload(message, world, origin()) } },
          },
        }),
      ),
    submitModal(opened, values) {
      const modal = opened.modal;
      const user = world.users.get(opened.userId);
      if (!modal || !user)
        throw new Error('fake Discord: the bot opened no modal for that interaction');
      return dispatchOther(
        'modalSubmit',
        { user, channelId: opened.channelId, name: String(modal.custom_id) },
        (payload) => ({
          ...payload,
          type: 5,
          data: {
            custom_id: modal.custom_id,
            components: Object.entries(values).map(([customId, value]) => ({
              type: 1,
              components: [{ type: 4, custom_id: customId, value }],
            })),
          },
        }),
      );
    },
    click,
    clickButton: ({ message, user, customId, permissions }) =>
      click(message, customId, { user, ...(permissions !== undefined && { permissions }) }),
    react(message, user, emoji) {
      message.reactions.push({ emoji, userId: user.id });
      world.changed();
      return dispatchReaction(world, gateway, message, user.id, emoji);
    },
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/**
 * One guild of `owner`'s on each of `shardCount` shards (Discord sends a guild's events to shard
 * `(guild_id >> 22) % shard_count`): guilds are added until every shard has one, and the first on
 * each is returned, shard 0 first. Snowflakes made in one millisecond share a shard, so it waits a
 * little between guilds.
 */
export const guildPerShard = async (
  fake: FakeDiscord,
  shardCount: number,
  owner: FakeUser = fake.addUser('owner'),
): Promise<FakeGuild[]> => {
  const byShard = new Map<number, FakeGuild>();
  for (let attempt = 0; byShard.size < shardCount && attempt < 200; attempt += 1) {
    const guild = fake.addGuild(`Guild ${attempt}`, owner);
    const shard = shardOf(guild.id, shardCount);
    if (!byShard.has(shard)) byShard.set(shard, guild);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return [...Array(shardCount).keys()].map((shard) => byShard.get(shard)!);
};
