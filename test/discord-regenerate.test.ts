/**
 * 🔁 regenerate end to end, across a restart of the bot on the same SQLite file: the reacted
 * message is no longer in discord.js's cache (it arrives as a partial) and its settings come back
 * from the store.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot } from '#test/fakes/discord/bot.js';
import { makeTempDir } from '#test/support/tmp.js';

let discord: FakeDiscord;
let bot: TestBot | undefined;

afterEach(async () => {
  await bot?.stop();
  await discord.close();
});

describe('🔁 regenerate on Discord', () => {
  it('after a restart, queues the same settings charged to the reactor and replies to the result, once per burst, never for a bot', async () => {
    const storeUrl = `sqlite://${join(await makeTempDir('discord-regenerate-'), 'bot.sqlite')}`;
    const options = { harness: { storeUrl, quota: { userLimit: 10 } } };
    discord = await startFakeDiscord();
    const author = discord.addUser('author');
    const guild = discord.addGuild('Garden', author);
    const reactor = discord.addUser('reactor');
    bot = await startTestBot(discord, options);
    const interaction = discord.runCommand({
      guild,
      user: author,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: '등대와 파도' },
        { name: 'model', type: 3, value: 'dall-e-2' },
        { name: 'size', type: 3, value: '512x512' },
      ],
    });
    const result = await discord.world.until(() => {
      const message = discord.world.messages.get(interaction.originalMessageId ?? '');
      return message?.reactions.some((reaction) => reaction.emoji === '🔁') && message;
    }, 'the first result with its 🔁');

    await bot.stop();
    bot = await startTestBot(discord, options);
    discord.react(result, reactor, '🔁');
    discord.react(result, reactor, '🔁');
    const reply = await discord.world.until(
      () =>
        [...discord.world.messages.values()].find(
          (message) => message.replyTo === result.id && message.embeds.length > 0,
        ),
      'the regenerated result as a reply',
    );

    expect(reply.source).toBe('channel');
    expect(reply.content).toContain(`<@${reactor.id}>`);
    expect(reply.embeds[0]?.description).toBe('등대와 파도');
    const [upstream] = bot.harness.api.requests;
    expect(upstream?.body).toMatchObject({
      prompt: '등대와 파도',
      model: 'dall-e-2',
      size: '512x512',
    });
    expect(reply.attachments.map((attachment) => attachment.bytes)).toEqual(upstream?.images);
    expect(bot.harness.api.requests).toHaveLength(1);
    expect((await bot.service.standing(guild.id, reactor.id)).user.used).toBe(1);
    expect((await bot.service.standing(guild.id, author.id)).user.used).toBe(1);
    expect(discord.world.pings(reply).every((pings) => !pings.repliedUser)).toBe(true);

    // The bot's own 🔁 on the new result reaches it as a reaction too, and must queue nothing. A
    // person's 🔁 after it takes the same path, so once that one's result is back, the bot's was seen.
    const botId = discord.world.botUser.id;
    await discord.world.until(
      () =>
        reply.reactions.some((reaction) => reaction.emoji === '🔁' && reaction.userId === botId),
      "the bot's own 🔁 on the new result",
    );
    discord.react(reply, author, '🔁');
    await discord.world.until(
      () =>
        [...discord.world.messages.values()].find(
          (message) =>
            message.replyTo === reply.id &&
            message.content.includes(`<@${author.id}>`) &&
            message.embeds.length > 0,
        ),
      "the author's regenerate of the new result",
    );
    expect(bot.harness.api.requests).toHaveLength(2);
    expect((await bot.service.standing(guild.id, botId)).user.used).toBe(0);
  });

  it('ends and refunds a 🔁 job whose channel no longer lets the bot post', async () => {
    discord = await startFakeDiscord();
    const author = discord.addUser('author');
    const guild = discord.addGuild('Garden', author);
    const reactor = discord.addUser('reactor');
    bot = await startTestBot(discord, {
      harness: { quota: { userLimit: 10 }, api: { latencyMs: 300 } },
    });
    const interaction = discord.runCommand({
      guild,
      user: author,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a closed gate' },
        { name: 'model', type: 3, value: 'dall-e-2' },
        { name: 'size', type: 3, value: '256x256' },
      ],
    });
    const result = await discord.world.until(() => {
      const message = discord.world.messages.get(interaction.originalMessageId ?? '');
      return message?.reactions.some((reaction) => reaction.emoji === '🔁') && message;
    }, 'the first result with its 🔁');
    const channel = guild.channels[0]!;
    channel.botMaySend = false;

    discord.react(result, reactor, '🔁');
    // Its status reply is refused, so the job ends; its ending is tried once more, refused too.
    await expect
      .poll(
        () =>
          discord.requests.filter(
            (request) =>
              request.method === 'POST' &&
              request.path.endsWith(`/channels/${channel.id}/messages`) &&
              request.status === 403,
          ).length,
      )
      .toBe(2);

    expect((await bot.service.standing(guild.id, reactor.id)).user).toMatchObject({
      used: 0,
      remaining: 10,
    });
    expect(
      [...discord.world.messages.values()].filter((message) => message.replyTo === result.id),
    ).toEqual([]);
  });

  it('ignores 🔁 on a message that is not a remembered result', async () => {
    discord = await startFakeDiscord();
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    bot = await startTestBot(discord);
    const chatter = discord.world.addMessage({
      content: 'just chatting',
      embeds: [],
      attachments: [],
      flags: 0,
      allowedMentions: undefined,
      channelId: guild.channels[0]!.id,
      guildId: guild.id,
      authorId: owner.id,
      source: 'channel',
    });

    expect(discord.react(chatter, owner, '🔁')).toBe(1);
    // The next command is handled after the reaction, so by its answer the reaction was seen.
    const quota = discord.runCommand({ guild, user: owner, name: 'quota' });
    await discord.world.until(
      () => discord.world.messages.get(quota.originalMessageId ?? '')?.content,
      'a later command answered',
    );

    expect(
      [...discord.world.messages.values()].filter((message) => message.replyTo === chatter.id),
    ).toEqual([]);
    expect(bot.harness.api.requests).toHaveLength(0);
  });
});
