/**
 * /imagine end to end: the real discord.js client logged in to the fake Discord, the real service
 * on a real store, the real Images client against the fake Images API.
 */
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '#test/support/close-after-each.js';
import { MessageFlags } from 'discord.js';
import {
  startFakeDiscord,
  type FakeDiscord,
  type FakeDiscordOptions,
  type FakeInteraction,
  type FakeMessage,
  type InteractionOption,
} from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot, type TestBotOptions } from '#test/fakes/discord/bot.js';
import { solidPng } from '#test/fakes/png.js';
import { createLogger } from '#core/log.js';

const closeLater = closeAfterEach();

const setUp = async (
  options: { discord?: FakeDiscordOptions; bot?: TestBotOptions } = {},
): Promise<{ discord: FakeDiscord; bot: TestBot }> => {
  const discord = closeLater(await startFakeDiscord(options.discord), (fake) => fake.close());
  discord.addGuild('Garden', discord.addUser('owner'));
  const bot = closeLater(await startTestBot(discord, options.bot), (started) => started.stop());
  return { discord, bot };
};

const prompt = (value: string): InteractionOption => ({ name: 'prompt', type: 3, value });
const smallModel: InteractionOption[] = [
  { name: 'model', type: 3, value: 'dall-e-2' },
  { name: 'size', type: 3, value: '256x256' },
];

/** Runs /imagine in the fake's first guild as a new user. */
const imagine = (
  fake: FakeDiscord,
  options: InteractionOption[],
  extra: { locale?: string; attachmentSizeLimit?: number; username?: string } = {},
) => {
  const guild = [...fake.world.guilds.values()][0]!;
  const user = fake.addUser(extra.username ?? `user-${fake.world.users.size}`);
  const interaction = fake.runCommand({ guild, user, name: 'imagine', options, ...extra });
  return { guild, user, interaction };
};

/** Messages belonging to an interaction (its reply and follow-ups), oldest first. */
const messagesOf = (fake: FakeDiscord, interaction: FakeInteraction): FakeMessage[] =>
  [...fake.world.messages.values()].filter((message) => message.interactionId === interaction.id);

const original = (fake: FakeDiscord, interaction: FakeInteraction) =>
  fake.world.messages.get(interaction.originalMessageId ?? '');

const resultOf = (fake: FakeDiscord, interaction: FakeInteraction) =>
  fake.world.until(() => {
    const message = original(fake, interaction);
    // Previews carry an attachment too; only the result has the prompt embed.
    return message !== undefined && message.embeds.length > 0 && message;
  }, 'the result on the interaction reply');

/** The private answer a refusal ends in, after the public "thinking…" was deleted. */
const refusalOf = (fake: FakeDiscord, interaction: FakeInteraction) =>
  fake.world.until(
    () =>
      messagesOf(fake, interaction).find(
        (message) => message.source === 'webhook' && message.flags & MessageFlags.Ephemeral,
      ),
    'the ephemeral refusal',
  );

describe('/imagine on Discord', () => {
  it('answers with the API image bytes as attachments and sends the chosen options upstream', async () => {
    const { discord, bot } = await setUp();
    const { user, interaction } = imagine(discord, [
      prompt('햇살이 비치는 정원의 고양이'),
      { name: 'model', type: 3, value: 'dall-e-2' },
      { name: 'size', type: 3, value: '512x512' },
      { name: 'count', type: 4, value: 2 },
    ]);

    const result = await resultOf(discord, interaction);

    const upstream = bot.harness.api.requests;
    expect(upstream).toHaveLength(1);
    expect(upstream[0]?.body).toMatchObject({
      prompt: '햇살이 비치는 정원의 고양이',
      model: 'dall-e-2',
      size: '512x512',
      n: 2,
    });
    expect(result.attachments.map((attachment) => attachment.bytes)).toEqual(upstream[0]?.images);
    expect(result.embeds[0]?.description).toBe('햇살이 비치는 정원의 고양이');
    expect(result.content).toContain('dall-e-2 · 512x512');
    expect(result.content).toContain(`<@${user.id}>`);
    expect(interaction.response).toEqual({ type: 5, ephemeral: false });
    await discord.world.until(
      () => result.reactions.some((reaction) => reaction.emoji === '🔁'),
      'the 🔁 affordance',
    );
    expect(await bot.harness.archive.load('discord', result.id)).toMatchObject({
      prompt: '햇살이 비치는 정원의 고양이',
      count: 2,
    });
  });

  it('edits the queue position while a job waits behind others', async () => {
    const { discord } = await setUp({
      bot: { harness: { queue: { concurrency: 1 }, api: { latencyMs: 300 } } },
    });
    imagine(discord, [prompt('first'), ...smallModel]);
    imagine(discord, [prompt('second'), ...smallModel]);
    const { interaction: third } = imagine(discord, [prompt('third'), ...smallModel]);

    const result = await resultOf(discord, third);

    const shown = result.history.map((state) => state.content.split('\n')[0]);
    const positions = shown.flatMap((line) => /#(\d+) in line/.exec(line ?? '')?.[1] ?? []);
    expect(positions).toEqual(['2', '1']);
    expect(shown).toContainEqual(expect.stringContaining('Generating…'));
  });

  it('refuses a bad option privately, names what is allowed, and calls nothing upstream', async () => {
    const { discord, bot } = await setUp();
    const { interaction } = imagine(discord, [
      prompt('a fox'),
      { name: 'model', type: 3, value: 'gpt-image-1' },
      { name: 'size', type: 3, value: '1792x1024' },
    ]);

    const refusal = await refusalOf(discord, interaction);

    expect(refusal.content).toContain('size 1792x1024 is not available for gpt-image-1');
    expect(refusal.content).toContain('1024x1024');
    expect(original(discord, interaction)?.deleted).toBe(true);
    expect(bot.harness.api.requests).toHaveLength(0);
  });

  it('refuses when the quota is spent, in Korean for a Korean client, without calling upstream', async () => {
    const { discord, bot } = await setUp({ bot: { harness: { quota: { userLimit: 1 } } } });
    const guild = [...discord.world.guilds.values()][0]!;
    const user = discord.addUser('jun');
    const first = discord.runCommand({
      guild,
      user,
      name: 'imagine',
      options: [prompt('one'), ...smallModel],
    });
    await resultOf(discord, first);

    const second = discord.runCommand({
      guild,
      user,
      name: 'imagine',
      locale: 'ko',
      options: [prompt('two'), ...smallModel],
    });
    const refusal = await refusalOf(discord, second);

    expect(refusal.content).toContain('1장 중 0장이 남았고');
    expect(bot.harness.api.requests).toHaveLength(1);
  });

  it('refuses a request over the pending cap without calling upstream for it', async () => {
    const { discord, bot } = await setUp({
      bot: { harness: { queue: { maxPendingPerUser: 1 }, api: { latencyMs: 300 } } },
    });
    const guild = [...discord.world.guilds.values()][0]!;
    const user = discord.addUser('eager');
    const run = (text: string) =>
      discord.runCommand({ guild, user, name: 'imagine', options: [prompt(text), ...smallModel] });
    const first = run('one');
    await discord.world.until(
      () => original(discord, first)?.content.includes('Generating'),
      'the first job started',
    );

    const refusal = await refusalOf(discord, run('two'));

    expect(refusal.content).toContain('You already have 1 requests waiting (the most is 1)');
    await resultOf(discord, first);
    expect(bot.harness.api.requests.map((request) => request.body?.prompt)).toEqual(['one']);
  });

  it('sends every message with mentions disabled, so @everyone in a prompt pings nobody', async () => {
    const { discord } = await setUp();
    const text = '@everyone @here <@&123456789012345678> <@234567890123456789> a parade';
    const { interaction } = imagine(discord, [prompt(text), ...smallModel]);

    const result = await resultOf(discord, interaction);

    expect(result.embeds[0]?.description).toBe(text);
    const sent = messagesOf(discord, interaction).filter((message) => message.content !== '');
    expect(sent.length).toBeGreaterThan(0);
    for (const message of sent) {
      for (const pings of discord.world.pings(message).slice(1))
        expect(pings).toEqual({ everyone: false, users: [], roles: [], repliedUser: false });
    }
  });

  it('cuts a prompt longer than Discord allows to the embed limit', async () => {
    const { discord } = await setUp();
    // As long as Discord lets a string option be (6,000), and longer than an embed may show.
    const long = '고양이 '.repeat(1500);
    const { interaction } = imagine(discord, [
      prompt(long),
      { name: 'model', type: 3, value: 'gpt-image-1' },
      { name: 'size', type: 3, value: '1024x1024' },
    ]);

    const result = await resultOf(discord, interaction);

    const description = String(result.embeds[0]?.description);
    expect([...description]).toHaveLength(4096);
    expect(description.endsWith('…')).toBe(true);
    expect(long.startsWith(description.slice(0, -1))).toBe(true);
  });

  it('splits images across follow-ups to stay within the interaction upload limit', async () => {
    const { discord, bot } = await setUp();
    const imageBytes = solidPng({ width: 256, height: 256 }, 'any').length;
    const limit = Math.floor(imageBytes * 2.5);
    const { interaction } = imagine(
      discord,
      [prompt('three boats'), ...smallModel, { name: 'count', type: 4, value: 3 }],
      {
        attachmentSizeLimit: limit,
      },
    );

    await discord.world.until(
      () => messagesOf(discord, interaction).flatMap((m) => m.attachments).length === 3,
      'three images delivered',
    );

    const results = messagesOf(discord, interaction).filter((m) => m.attachments.length > 0);
    expect(results.map((message) => message.attachments.length)).toEqual([2, 1]);
    for (const message of results)
      expect(message.attachments.reduce((sum, a) => sum + a.size, 0)).toBeLessThanOrEqual(limit);
    expect(results.flatMap((m) => m.attachments.map((a) => a.bytes))).toEqual(
      bot.harness.api.requests[0]?.images,
    );
    await discord.world.until(
      () => results.every((m) => m.reactions.some((r) => r.emoji === '🔁')),
      '🔁 on both result messages',
    );
  });

  it('re-encodes an image that alone is over the upload limit until it fits', async () => {
    const { discord, bot } = await setUp();
    bot.harness.api.failNext(1, { type: 'oversizeImage', bytes: 400_000 });
    const limit = 120_000;
    const { interaction } = imagine(discord, [prompt('static'), ...smallModel], {
      attachmentSizeLimit: limit,
    });

    const result = await resultOf(discord, interaction);

    const [attachment] = result.attachments;
    expect(bot.harness.api.requests[0]?.images[0]?.length).toBeGreaterThan(limit);
    expect(attachment?.size).toBeLessThanOrEqual(limit);
    expect(attachment?.filename).toMatch(/\.webp$/);
    expect(attachment?.bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
  });

  it('says the images were made but not posted, with an error id in the log, when one cannot fit the upload limit', async () => {
    const lines: string[] = [];
    const { discord, bot } = await setUp({
      bot: {
        logger: createLogger({
          level: 'error',
          destination: { write: (line) => lines.push(line) },
        }),
      },
    });
    // Smaller than any WebP's headers, so no re-encoding can get there.
    const { guild, user, interaction } = imagine(discord, [prompt('dust'), ...smallModel], {
      attachmentSizeLimit: 20,
    });

    const notice = await discord.world.until(() => {
      const reply = original(discord, interaction);
      return reply?.content.includes('could not be posted') && reply;
    }, 'the delivery failure notice');

    const incidentId = /error id ([0-9a-f]+)/.exec(notice.content)?.[1];
    expect(incidentId).toBeDefined();
    expect(notice.content).not.toContain('Nothing was charged');
    expect(
      lines.some((line) => line.includes(String(incidentId)) && line.includes('imageTooLarge')),
    ).toBe(true);
    expect((await bot.service.standing(guild.id, user.id)).user.used).toBe(1);
  });

  it('keeps the images already shown when a later part of the result cannot be posted', async () => {
    const { discord } = await setUp();
    const imageBytes = solidPng({ width: 256, height: 256 }, 'any').length;
    // The first attempt and the messenger's 3 retries of the follow-up all fail; the notice after
    // them goes through.
    discord.injectFault({
      method: 'POST',
      path: /^\/webhooks\/\d+\/[^/]+$/,
      fault: { kind: 'serverError', status: 500 },
      times: 4,
    });
    const { interaction } = imagine(
      discord,
      [prompt('two kites'), ...smallModel, { name: 'count', type: 4, value: 2 }],
      { attachmentSizeLimit: Math.floor(imageBytes * 1.5) },
    );

    const notice = await discord.world.until(
      () =>
        messagesOf(discord, interaction).find((message) =>
          message.content.includes('could not be posted'),
        ),
      'the delivery failure notice',
    );

    expect(notice.id).not.toBe(interaction.originalMessageId);
    expect(original(discord, interaction)?.attachments).toHaveLength(1);
  });

  it('survives Discord 429s and 5xx on the way to delivering the result', async () => {
    const { discord, bot } = await setUp();
    discord.injectFault({
      method: 'POST',
      path: /^\/interactions\/\d+\/[^/]+\/callback$/,
      fault: { kind: 'rateLimit', retryAfter: 0.05 },
      times: 1,
    });
    discord.injectFault({
      method: 'PATCH',
      path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/,
      fault: { kind: 'rateLimit', retryAfter: 0.05, global: true },
      times: 2,
    });
    discord.injectFault({
      method: 'PATCH',
      path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/,
      fault: { kind: 'serverError', status: 502 },
      times: 2,
    });
    const { interaction } = imagine(discord, [prompt('storm'), ...smallModel]);

    const result = await resultOf(discord, interaction);

    expect(discord.faults).toHaveLength(5);
    expect(result.attachments[0]?.bytes).toEqual(bot.harness.api.requests[0]?.images[0]);
  });

  it('says the provider refused the prompt, in the user language, and refunds the quota', async () => {
    const { discord, bot } = await setUp({ bot: { harness: { quota: { userLimit: 5 } } } });
    bot.harness.api.failNext(1, { type: 'moderation' });
    const { guild, user, interaction } = imagine(discord, [prompt('forbidden'), ...smallModel], {
      locale: 'ko',
    });

    const message = await discord.world.until(() => {
      const reply = original(discord, interaction);
      return reply?.content.includes('콘텐츠 정책') && reply;
    }, 'the content policy message');

    expect(message.content).toContain('차감된 것은 없습니다');
    const standing = await bot.service.standing(guild.id, user.id);
    expect(standing.user).toMatchObject({ used: 0, remaining: 5 });
  });

  it('posts the result to the channel when the interaction token has expired, logging no token', async () => {
    const lines: string[] = [];
    const { discord, bot } = await setUp({
      discord: { tokenLifetimeMs: 250 },
      bot: {
        harness: { api: { latencyMs: 600 } },
        logger: createLogger({ destination: { write: (line) => lines.push(line) } }),
      },
    });
    const { user, interaction } = imagine(discord, [prompt('late'), ...smallModel]);

    const posted = await discord.world.until(
      () =>
        [...discord.world.messages.values()].find(
          (message) => message.source === 'channel' && message.attachments.length > 0,
        ),
      'the result in the channel',
    );

    expect(posted.replyTo).toBe(interaction.originalMessageId);
    expect(posted.content).toContain(`<@${user.id}>`);
    expect(posted.attachments[0]?.bytes).toEqual(bot.harness.api.requests[0]?.images[0]);
    expect(discord.world.pings(posted).every((pings) => !pings.repliedUser)).toBe(true);
    await discord.world.until(
      () => posted.reactions.some((reaction) => reaction.emoji === '🔁'),
      'the 🔁 affordance on the channel result',
    );
    const fallback = lines.find((line) => line.includes('interaction webhook no longer usable'));
    expect(fallback).toContain('/webhooks/');
    expect(lines.join('\n')).not.toContain(interaction.token);
    expect(fallback).not.toContain('requestBody');
  });
});
