/**
 * /imagine-settings end to end on Discord: the real discord.js client against the fake Discord, the
 * real service on a real store. Each setting refuses what it should, privately, charging nothing,
 * and lets the rest through; only Manage Server may change them.
 */
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '#test/support/close-after-each.js';
import {
  adminPermissions,
  startFakeDiscord,
  type FakeDiscord,
  type FakeGuild,
  type FakeInteraction,
  type FakeUser,
  type InteractionOption,
} from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot } from '#test/fakes/discord/bot.js';

const closeLater = closeAfterEach();

interface World {
  discord: FakeDiscord;
  bot: TestBot;
  guild: FakeGuild;
  owner: FakeUser;
  member: FakeUser;
}

const setUp = async (
  prepare?: (discord: FakeDiscord, guild: FakeGuild) => void,
): Promise<World> => {
  const discord = closeLater(await startFakeDiscord(), (fake) => fake.close());
  const owner = discord.addUser('owner');
  const member = discord.addUser('member');
  const guild = discord.addGuild('Garden', owner, 3);
  prepare?.(discord, guild);
  const bot = closeLater(await startTestBot(discord), (started) => started.stop());
  return { discord, bot, guild, owner, member };
};

/** The text of the command's private answer. */
const privateAnswer = async (discord: FakeDiscord, interaction: FakeInteraction) =>
  (await discord.world.privateAnswer(interaction)).content;

/** The finished result of an /imagine: its reply carries the prompt embed. */
const result = (discord: FakeDiscord, interaction: FakeInteraction) =>
  discord.world.until(() => {
    const message = discord.world.messages.get(interaction.originalMessageId ?? '');
    return message !== undefined && message.embeds.length > 0 && message;
  }, 'the result of /imagine');

const settings = async (
  world: World,
  options: InteractionOption[],
  as: { user?: FakeUser; admin?: boolean } = {},
): Promise<string> => {
  const interaction = world.discord.runCommand({
    guild: world.guild,
    user: as.user ?? world.owner,
    name: 'imagine-settings',
    permissions: (as.admin ?? true) ? adminPermissions : undefined,
    options,
  });
  return privateAnswer(world.discord, interaction);
};

const sub = (name: string, options: InteractionOption[] = []): InteractionOption => ({
  name,
  type: 1,
  options,
});
const group = (name: string, subcommand: InteractionOption): InteractionOption => ({
  name,
  type: 2,
  options: [subcommand],
});

const imagine = (
  world: World,
  prompt: string,
  extra: { options?: InteractionOption[]; channel?: number; user?: FakeUser } = {},
) =>
  world.discord.runCommand({
    guild: world.guild,
    user: extra.user ?? world.member,
    name: 'imagine',
    channel: world.guild.channels[extra.channel ?? 0],
    options: [
      { name: 'prompt', type: 3, value: prompt },
      { name: 'model', type: 3, value: 'dall-e-2' },
      { name: 'size', type: 3, value: '256x256' },
      ...(extra.options ?? []),
    ],
  });

/** Refused privately, with nothing sent upstream and nothing counted against the member. */
const expectRefused = async (world: World, interaction: FakeInteraction, pattern: RegExp) => {
  const answer = await privateAnswer(world.discord, interaction);
  expect(answer).toMatch(pattern);
  expect(answer).toContain('Nothing was charged.');
  const standing = await world.bot.service.standing(world.guild.id, world.member.id);
  expect(standing.user.used).toBe(0);
  return answer;
};

describe('/imagine-settings on Discord', () => {
  it('refuses a member without Manage Server, privately, and changes nothing', async () => {
    const world = await setUp();
    const channel = world.guild.channels[1]!;

    const answer = await settings(
      world,
      [group('channels', sub('allow', [{ name: 'channel', type: 7, value: channel.id }]))],
      { user: world.member, admin: false },
    );

    expect(answer).toBe('Only server managers can use /imagine-settings.');
    const stored = await world.bot.service.policyAdmin.read(world.guild.id);
    expect(stored.policy.channels).toEqual([]);
    expect(stored.origins).toEqual({});
  });

  it('keeps the bot to the allowed channels, saying where it may be used', async () => {
    const world = await setUp();
    const allowed = world.guild.channels[1]!;
    expect(
      await settings(world, [
        group('channels', sub('allow', [{ name: 'channel', type: 7, value: allowed.id }])),
      ]),
    ).toBe(`Saved. Channels: <#${allowed.id}>.`);

    const elsewhere = imagine(world, 'a comet', { channel: 0 });
    const answer = await expectRefused(world, elsewhere, /can't be used in this channel/);
    expect(answer).toBe(
      `I can't be used in this channel. Use <#${allowed.id}>. Server managers can change this with /imagine-settings (channels). Nothing was charged.`,
    );
    expect(world.bot.harness.api.requests).toHaveLength(0);

    await result(world.discord, imagine(world, 'a comet', { channel: 1 }));
    expect(world.bot.harness.api.requests).toHaveLength(1);

    await settings(world, [group('channels', sub('clear'))]);
    await result(world.discord, imagine(world, 'a comet', { channel: 0 }));
  });

  it('catches blocked terms written in full-width letters or decomposed Hangul, and lets the rest through', async () => {
    const world = await setUp();
    expect(
      await settings(world, [
        group('blocked', sub('add', [{ name: 'term', type: 3, value: 'gore' }])),
      ]),
    ).toBe('Saved. Blocked terms: 1.');
    await settings(world, [
      group('blocked', sub('add', [{ name: 'term', type: 3, value: '반단' }])),
    ]);

    await expectRefused(
      world,
      imagine(world, 'lots of ＧＯＲＥ'),
      /contains a term this server blocks/,
    );
    const decomposed = '\u1107\u1161\u11ab\u1103\u1161\u11ab';
    await expectRefused(world, imagine(world, `그림 ${decomposed}`), /blocks/);
    expect(world.bot.harness.api.requests).toHaveLength(0);

    await result(world.discord, imagine(world, 'a gentle meadow'));
    const list = await settings(world, [group('blocked', sub('list'))]);
    expect(list).toBe('Blocked terms:\n• gore\n• 반단');
    await settings(world, [
      group('blocked', sub('remove', [{ name: 'term', type: 3, value: 'GORE' }])),
    ]);
    await result(world.discord, imagine(world, 'gore'));
  });

  it('holds members to the limits, the moderation rule and the cooldown', async () => {
    const world = await setUp((_discord, guild) => {
      guild.channels[2]!.nsfw = true;
    });
    await settings(world, [
      sub('limits', [
        { name: 'max-count', type: 4, value: 1 },
        { name: 'models', type: 3, value: 'dall-e-2, gpt-image-1' },
      ]),
    ]);
    await expectRefused(
      world,
      imagine(world, 'two cats', { options: [{ name: 'count', type: 4, value: 2 }] }),
      /^count 2 is over this server's limit: choose at most 1\. Server managers can change this with \/imagine-settings \(limits\)/,
    );
    const lowModeration = (channel: number) =>
      world.discord.runCommand({
        guild: world.guild,
        user: world.member,
        name: 'imagine',
        channel: world.guild.channels[channel],
        options: [
          { name: 'prompt', type: 3, value: 'a moody scene' },
          { name: 'model', type: 3, value: 'gpt-image-1' },
          { name: 'size', type: 3, value: '1024x1024' },
          { name: 'quality', type: 3, value: 'low' },
          { name: 'moderation', type: 3, value: 'low' },
        ],
      });
    await expectRefused(world, lowModeration(2), /^moderation low is not allowed here/);
    expect(
      await settings(world, [
        sub('moderation', [{ name: 'mode', type: 3, value: 'allow-low-in-nsfw' }]),
      ]),
    ).toBe('Saved. Moderation: low allowed in age-restricted channels.');
    await expectRefused(
      world,
      lowModeration(0),
      /^moderation low is only allowed in an age-restricted channel/,
    );
    expect(world.bot.harness.api.requests).toHaveLength(0);

    await result(world.discord, lowModeration(2));
    expect(world.bot.harness.api.requests[0]?.body).toMatchObject({ moderation: 'low' });

    await settings(world, [sub('cooldown', [{ name: 'seconds', type: 4, value: 600 }])]);
    const other = world.discord.addUser('other');
    await result(world.discord, imagine(world, 'first', { user: other }));
    const again = await privateAnswer(world.discord, imagine(world, 'second', { user: other }));
    expect(again).toMatch(
      /^Please wait \d+ s: this server allows one request every 600 s per member\. .*\(cooldown\)\. Nothing was charged\.$/,
    );
    expect(world.bot.harness.api.requests.map((request) => request.body?.prompt)).toEqual([
      'a moody scene',
      'first',
    ]);
  });

  it('shows every setting with who set it and when, or that it is the default', async () => {
    const world = await setUp();
    await settings(world, [sub('cooldown', [{ name: 'seconds', type: 4, value: 30 }])]);

    const shown = await settings(world, [sub('show')]);

    const lines = shown.split('\n');
    expect(lines[0]).toBe('Channels: everywhere (default)');
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^Cooldown: 30 s \\(set by <@${world.owner.id}>, <t:\\d+:f>\\)$`),
      ),
    );
    expect(lines).toHaveLength(6);
  });

  it('guards 🔁 with the same check, answering in a direct message and charging nothing', async () => {
    const world = await setUp();
    const first = await result(world.discord, imagine(world, 'a stormy sea'));
    await world.discord.world.until(
      () => first.reactions.some((reaction) => reaction.emoji === '🔁'),
      'the 🔁 affordance',
    );
    await settings(world, [
      group('blocked', sub('add', [{ name: 'term', type: 3, value: 'storm' }])),
    ]);

    world.discord.react(first, world.member, '🔁');

    const direct = world.discord.world.directChannel(world.member.id);
    const [told] = await world.discord.world.until(
      () =>
        world.discord.world.channelMessages(direct.id).length > 0 &&
        world.discord.world.channelMessages(direct.id),
      'the direct message',
    );
    expect(told!.content).toBe(
      'That prompt contains a term this server blocks. Server managers can change this with /imagine-settings (blocked). Nothing was charged.',
    );
    expect(
      [...world.discord.world.messages.values()].filter((message) => message.replyTo === first.id),
    ).toEqual([]);
    expect(world.bot.harness.api.requests).toHaveLength(1);
    expect((await world.bot.service.standing(world.guild.id, world.member.id)).user.used).toBe(1);
  });
});
