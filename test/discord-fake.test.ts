/**
 * The fake Discord itself, driven by the real discord.js client: if these pass, the adapter tests
 * exercise discord.js as it runs against Discord, not a mock of it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type ChatInputCommandInteraction,
  type MessageReaction,
  type PartialMessageReaction,
} from 'discord.js';
import { startFakeDiscord, type FakeDiscord } from '#test/fakes/discord/index.js';

let discord: FakeDiscord;
const clients: Client[] = [];

const connect = async (intents: number[], partials: Partials[] = []): Promise<Client> => {
  const client = new Client({ intents, partials, rest: { api: discord.restApi } });
  clients.push(client);
  const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(discord.token);
  await ready;
  return client;
};

beforeEach(async () => {
  discord = await startFakeDiscord();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await discord.close();
});

describe('fake Discord with the real discord.js client', () => {
  it('logs the client in over the gateway and fills its guild cache from GUILD_CREATE', async () => {
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Sunny garden', owner, 2);

    const client = await connect([GatewayIntentBits.Guilds]);

    expect(client.user?.id).toBe(discord.applicationId);
    expect(client.guilds.cache.get(guild.id)?.name).toBe('Sunny garden');
    expect(client.channels.cache.has(guild.channels[1]!.id)).toBe(true);
    expect(discord.gateway.identifies).toEqual([GatewayIntentBits.Guilds]);
  });

  it('delivers a slash command with its options, locale and permissions, and records the ephemeral reply', async () => {
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    const client = await connect([GatewayIntentBits.Guilds]);
    const received = new Promise<ChatInputCommandInteraction>((resolve) =>
      client.on(Events.InteractionCreate, (interaction) => {
        if (interaction.isChatInputCommand()) resolve(interaction);
      }),
    );

    const sent = discord.runCommand({
      guild,
      user: owner,
      name: 'imagine',
      locale: 'ko',
      options: [
        { name: 'prompt', type: 3, value: '고양이 @everyone' },
        { name: 'count', type: 4, value: 2 },
      ],
      attachmentSizeLimit: 1234,
    });
    const interaction = await received;
    await interaction.reply({ content: 'queued', flags: MessageFlags.Ephemeral });

    expect(interaction.options.getString('prompt')).toBe('고양이 @everyone');
    expect(interaction.options.getInteger('count')).toBe(2);
    expect(interaction.locale).toBe('ko');
    expect(interaction.attachmentSizeLimit).toBe(1234);
    expect(interaction.memberPermissions?.has('ManageGuild')).toBe(false);
    expect(sent.response).toEqual({ type: 4, ephemeral: true });
    const original = discord.world.messages.get(sent.originalMessageId!);
    expect(original?.content).toBe('queued');
    expect(original?.flags).toBe(MessageFlags.Ephemeral);
  });

  it('refuses an acknowledgement after the deadline as Discord does (Unknown interaction)', async () => {
    await discord.close();
    discord = await startFakeDiscord({ ackDeadlineMs: 50 });
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    const client = await connect([GatewayIntentBits.Guilds]);
    const failure = new Promise<unknown>((resolve) =>
      client.on(Events.InteractionCreate, async (interaction) => {
        await new Promise((wait) => setTimeout(wait, 120));
        if (interaction.isChatInputCommand())
          await interaction.reply('too late').then(() => resolve(undefined), resolve);
      }),
    );

    discord.runCommand({ guild, user: owner, name: 'quota' });

    expect(await failure).toMatchObject({ code: 10062 });
  });

  it('withholds reactions from a client without the GuildMessageReactions intent', async () => {
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    const client = await connect([GatewayIntentBits.Guilds], [Partials.Message, Partials.Reaction]);
    const channel = client.channels.cache.get(guild.channels[0]!.id);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const message = await channel.send('hello');

    const delivered = discord.react(discord.world.messages.get(message.id)!, owner, '🔁');

    expect(delivered).toBe(0);
    expect(discord.gateway.withheld.map((entry) => entry.event)).toContain('MESSAGE_REACTION_ADD');
  });

  it('delivers a reaction on a message the client never cached as a partial, with the reactions intent', async () => {
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    const earlier = discord.world.addMessage({
      content: 'sent before the restart',
      embeds: [],
      attachments: [],
      flags: 0,
      allowedMentions: { parse: [] },
      channelId: guild.channels[0]!.id,
      guildId: guild.id,
      authorId: discord.applicationId,
      source: 'channel',
    });
    const client = await connect(
      [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
      [Partials.Message, Partials.Reaction],
    );
    const seen = new Promise<[MessageReaction | PartialMessageReaction, string]>((resolve) =>
      client.on(Events.MessageReactionAdd, (reaction, user) => resolve([reaction, user.id])),
    );

    discord.react(earlier, owner, '🔁');
    const [reaction, userId] = await seen;

    expect(reaction.message.id).toBe(earlier.id);
    expect(reaction.message.partial).toBe(true);
    expect(reaction.emoji.name).toBe('🔁');
    expect(userId).toBe(owner.id);
  });

  it('closes the gateway for a privileged intent the application was not granted', async () => {
    discord.addGuild('Garden', discord.addUser('owner'));
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent],
      rest: { api: discord.restApi },
    });
    clients.push(client);

    await expect(client.login(discord.token)).rejects.toThrow(/intent/i);
  });

  it('answers injected 429s with Discord rate-limit headers, which discord.js waits out and retries', async () => {
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    const client = await connect([GatewayIntentBits.Guilds]);
    discord.injectFault({
      method: 'POST',
      path: /^\/channels\/\d+\/messages$/,
      fault: { kind: 'rateLimit', retryAfter: 0.05 },
      times: 2,
    });
    discord.injectFault({
      method: 'POST',
      path: /^\/channels\/\d+\/messages$/,
      fault: { kind: 'serverError', status: 502 },
      times: 1,
    });

    const channel = client.channels.cache.get(guild.channels[0]!.id);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send('after the storm');

    expect(discord.faults).toHaveLength(3);
    expect(discord.world.messages.get(sent.id)?.content).toBe('after the storm');
  });
});
