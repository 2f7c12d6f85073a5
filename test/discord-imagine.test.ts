/**
 * /imagine end to end: the real discord.js client logged in to the fake Discord, the real service
 * on a real store, the real Images client against the fake Images API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeMessage } from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot } from '#test/fakes/discord/bot.js';

let discord: FakeDiscord;
let bot: TestBot | undefined;

beforeEach(async () => {
  discord = await startFakeDiscord();
});

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await discord.close();
});

const withImages = (message: FakeMessage | undefined) =>
  message !== undefined && message.attachments.length > 0 && !message.deleted;

describe('/imagine on Discord', () => {
  it('answers with the API image bytes as attachments and sends the chosen options upstream', async () => {
    const owner = discord.addUser('mina');
    const guild = discord.addGuild('Garden', owner);
    bot = await startTestBot(discord);

    const interaction = discord.runCommand({
      guild,
      user: owner,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: '햇살이 비치는 정원의 고양이' },
        { name: 'model', type: 3, value: 'dall-e-2' },
        { name: 'size', type: 3, value: '512x512' },
        { name: 'count', type: 4, value: 2 },
      ],
    });
    const result = await discord.world.until(
      () =>
        withImages(discord.world.messages.get(interaction.originalMessageId ?? '')) &&
        discord.world.messages.get(interaction.originalMessageId!),
      'the result on the interaction reply',
    );

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
    expect(result.content).toContain('dall-e-2');
    expect(result.content).toContain(`<@${owner.id}>`);
    await discord.world.until(
      () => result.reactions.some((reaction) => reaction.emoji === '🔁'),
      'the 🔁 affordance',
    );
  });
});
