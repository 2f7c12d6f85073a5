/**
 * Image inputs on Discord, end to end: files attached to /imagine are fetched from the fake
 * Discord's CDN by the process that runs the job and reach the fake Images API's /edits byte for
 * byte; a file the model cannot take is refused by name and nothing is charged.
 */
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '#test/support/close-after-each.js';
import {
  startFakeDiscord,
  type FakeDiscord,
  type FakeInteraction,
  type InteractionOption,
} from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot } from '#test/fakes/discord/bot.js';
import { noisyPng, solidPng } from '#test/fakes/png.js';

const closeLater = closeAfterEach();

const setUp = async (): Promise<{ discord: FakeDiscord; bot: TestBot }> => {
  const discord = closeLater(await startFakeDiscord(), (fake) => fake.close());
  discord.addGuild('Garden', discord.addUser('owner'));
  const bot = closeLater(
    await startTestBot(discord, { harness: { quota: { userLimit: 5 } } }),
    (started) => started.stop(),
  );
  return { discord, bot };
};

const guildOf = (discord: FakeDiscord) => [...discord.world.guilds.values()][0]!;
const text = (name: string, value: string): InteractionOption => ({ name, type: 3, value });

/** The job's status message, once it says `what`. */
const endOf = (discord: FakeDiscord, interaction: FakeInteraction, what: string) =>
  discord.world.until(() => {
    const message = discord.world.messages.get(interaction.originalMessageId ?? '');
    return message !== undefined && message.content.includes(what) && message;
  }, `the status message to say ${what}`);

describe('/imagine with attached images on Discord', () => {
  it('sends the attachments to /images/edits byte for byte, with a Korean prompt as typed', async () => {
    const { discord, bot } = await setUp();
    const user = discord.addUser('painter');
    const first = solidPng({ width: 96, height: 64 }, 'photo');
    const second = solidPng({ width: 32, height: 32 }, 'style');
    const interaction = discord.runCommand({
      guild: guildOf(discord),
      user,
      name: 'imagine',
      locale: 'ko',
      options: [
        text('prompt', '이 사진을 수채화로 그려 주세요 🎨'),
        text('model', 'gpt-image-1.5'),
      ],
      attachments: [
        { option: 'image', filename: '사진.png', bytes: first },
        { option: 'image2', filename: 'style.png', bytes: second },
      ],
    });

    const result = await discord.world.until(() => {
      const message = discord.world.messages.get(interaction.originalMessageId ?? '');
      return message !== undefined && message.embeds.length > 0 && message;
    }, 'the result');

    const [upstream] = bot.harness.api.requests;
    expect(upstream?.endpoint).toBe('edits');
    expect(upstream?.inputs.map((input) => input.bytes)).toEqual([first, second]);
    expect(upstream?.inputs.map((input) => input.filename)).toEqual(['사진.png', 'style.png']);
    expect(upstream?.body?.prompt).toBe('이 사진을 수채화로 그려 주세요 🎨');
    expect(result.attachments.map((attachment) => attachment.bytes)).toEqual(upstream?.images);
    expect(await bot.service.standing(guildOf(discord).id, user.id)).toMatchObject({
      user: { used: 1 },
    });
  });

  it.each([
    {
      what: 'an oversize dall-e-2 input',
      locale: 'en-US',
      model: [text('model', 'dall-e-2'), text('size', '256x256')],
      file: { filename: 'big.png', bytes: () => noisyPng(4 * 1024 * 1024 + 10) },
      says: [
        'The image big.png is larger than 4 MB, the most this model takes. Nothing was charged.',
      ],
    },
    {
      what: 'a file that is not PNG, JPEG or WebP whatever it is called, in Korean',
      locale: 'ko',
      model: [text('model', 'gpt-image-1.5')],
      file: {
        filename: 'fake.png',
        bytes: () => Buffer.from('GIF89a not really a png', 'latin1'),
      },
      says: ['이미지 fake.png은(는) PNG, JPEG 또는 WEBP 파일이 아닙니다', '차감된 것은 없습니다'],
    },
  ])('refuses $what by name, calls nothing upstream and charges nothing', async (c) => {
    const { discord, bot } = await setUp();
    const user = discord.addUser('painter');
    const interaction = discord.runCommand({
      guild: guildOf(discord),
      user,
      name: 'imagine',
      locale: c.locale,
      options: [text('prompt', 'a cat'), ...c.model],
      attachments: [{ option: 'image', filename: c.file.filename, bytes: c.file.bytes() }],
    });

    const ended = await endOf(discord, interaction, c.file.filename);
    for (const sentence of c.says) expect(ended.content).toContain(sentence);
    expect(bot.harness.api.requests).toHaveLength(0);
    expect(await bot.service.standing(guildOf(discord).id, user.id)).toMatchObject({
      user: { used: 0 },
    });
  });

  it('refuses at once, privately, an image for a model that takes none', async () => {
    const { discord, bot } = await setUp();
    const interaction = discord.runCommand({
      guild: guildOf(discord),
      user: discord.addUser('painter'),
      name: 'imagine',
      options: [text('prompt', 'a cat'), text('model', 'dall-e-3')],
      attachments: [
        { option: 'image', filename: 'a.png', bytes: solidPng({ width: 8, height: 8 }, 'a') },
      ],
    });

    const refusal = await discord.world.until(
      () =>
        [...discord.world.messages.values()].find(
          (message) => message.interactionId === interaction.id && message.source === 'webhook',
        ),
      'the private refusal',
    );
    expect(refusal.content).toContain('image is not supported by dall-e-3');
    expect(bot.harness.api.requests).toHaveLength(0);
  });
});
