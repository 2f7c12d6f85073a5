/**
 * Discord sharding against the fake gateway, which routes each guild's events to the shard
 * `(guild_id >> 22) % shard_count` as Discord does: the bot runs the shards it is given, answers
 * every guild on them, and identifies no faster than `max_concurrency` allows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import {
  guildPerShard,
  startFakeDiscord,
  type FakeDiscord,
  type FakeGuild,
} from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot } from '#test/fakes/discord/bot.js';

let discord: FakeDiscord | undefined;
let bot: TestBot | undefined;

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await discord?.close();
  discord = undefined;
});

const askQuota = (fake: FakeDiscord, guild: FakeGuild) =>
  fake.runCommand({ guild, user: fake.world.users.get(guild.ownerId)!, name: 'quota' });

const answered = (fake: FakeDiscord, interactionId: string) =>
  fake.world.until(
    () =>
      fake.world.messages.get(fake.world.interactions.get(interactionId)?.originalMessageId ?? '')
        ?.content,
    'the answer',
  );

describe('Discord shards', () => {
  it('runs every shard Discord recommends and answers a guild on each', async () => {
    discord = await startFakeDiscord({ shardCount: 2, maxConcurrency: 2 });
    const guilds = await guildPerShard(discord, 2);
    bot = await startTestBot(discord);

    expect(discord.gateway.identifyLog.map(({ shard }) => shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const guild of guilds)
      expect(await answered(discord, askQuota(discord, guild).id)).toContain('This server');
  });

  it('runs only the shards named, so another process can run the rest', async () => {
    discord = await startFakeDiscord({ shardCount: 2, maxConcurrency: 2 });
    const [onZero, onOne] = await guildPerShard(discord, 2);
    const { discord: config } = parseConfig({
      IMAGES_API_KEY: 'key',
      DISCORD_TOKEN: discord.token,
      DISCORD_API_BASE_URL: discord.restApi,
      DISCORD_SHARD_COUNT: '2',
      DISCORD_SHARD_IDS: '1',
    });
    bot = await startTestBot(discord, {
      shards: { shardCount: config?.shardCount, shardIds: config?.shardIds },
    });

    expect(discord.gateway.identifyLog.map(({ shard }) => shard)).toEqual([[1, 2]]);
    expect(await answered(discord, askQuota(discord, onOne!).id)).toContain('This server');
    // Discord sends shard 0's guild to shard 0 only, which this process does not run.
    const unseen = askQuota(discord, onZero!);
    expect(await answered(discord, askQuota(discord, onOne!).id)).toContain('This server');
    expect(unseen.acknowledgedAt).toBeUndefined();
  });

  it('identifies one shard at a time when max_concurrency is 1', async () => {
    discord = await startFakeDiscord({ shardCount: 2, maxConcurrency: 1 });
    bot = await startTestBot(discord);

    const [first, second] = discord.gateway.identifyLog;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(4_900);
  }, 30_000);
});
