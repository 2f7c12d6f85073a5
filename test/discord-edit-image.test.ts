/**
 * `Edit image` on Discord, end to end: the message context-menu command opens a modal for the
 * prompt; its submission, even after a restart on the same SQLite file, runs a job whose inputs are
 * the message's images, fetched from the fake Discord's CDN and sent to /edits byte for byte.
 */
import { join } from 'node:path';
import { MessageFlags } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '#test/support/close-after-each.js';
import {
  startFakeDiscord,
  type FakeDiscord,
  type FakeInteraction,
} from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot, type TestBotOptions } from '#test/fakes/discord/bot.js';
import { solidPng } from '#test/fakes/png.js';
import { makeTempDir } from '#test/support/tmp.js';

const closeLater = closeAfterEach();

const setUp = async () => {
  const discord = closeLater(await startFakeDiscord(), (fake) => fake.close());
  const guild = discord.addGuild('Garden', discord.addUser('owner'));
  return { discord, guild, channel: guild.channels[0]! };
};

const startBot = async (discord: FakeDiscord, options?: TestBotOptions): Promise<TestBot> =>
  closeLater(await startTestBot(discord, options), (bot) => bot.stop());

const modalOf = (discord: FakeDiscord, interaction: FakeInteraction) =>
  discord.world.until(() => interaction.modal, 'the modal');

const resultOf = (discord: FakeDiscord, interaction: FakeInteraction) =>
  discord.world.until(() => {
    const message = discord.world.messages.get(interaction.originalMessageId ?? '');
    return message !== undefined && message.embeds.length > 0 && message;
  }, 'the result on the submission reply');

describe('Edit image on Discord', () => {
  it('opens a modal for the prompt, then sends the message image to /edits with the Korean prompt', async () => {
    const { discord, channel } = await setUp();
    const bot = await startBot(discord);
    const author = discord.addUser('photographer');
    const editor = discord.addUser('editor');
    const photo = solidPng({ width: 120, height: 80 }, 'a photo');
    const posted = discord.world.postAsUser(channel, author, 'my garden', [
      { filename: 'garden.png', bytes: photo },
    ]);

    const opened = discord.runMessageCommand(posted, 'Edit image', { user: editor, locale: 'ko' });
    const modal = await modalOf(discord, opened);
    expect(opened.response).toEqual({ type: 9, ephemeral: false });
    expect(modal.title).toBe('이미지 편집');
    expect(String(modal.custom_id)).toMatch(/^imagine:form:/);

    const submitted = discord.submitModal(opened, { prompt: '밤하늘 아래로 바꿔 주세요' });
    const result = await resultOf(discord, submitted);

    const [upstream] = bot.harness.api.requests;
    expect(upstream?.endpoint).toBe('edits');
    expect(upstream?.inputs.map((input) => input.bytes)).toEqual([photo]);
    expect(upstream?.body?.prompt).toBe('밤하늘 아래로 바꿔 주세요');
    expect(result.attachments.map((attachment) => attachment.bytes)).toEqual(upstream?.images);
    expect(result.content).toContain(`<@${editor.id}>`);
    expect(await bot.service.standing(channel.guildId, editor.id)).toMatchObject({
      user: { used: 1 },
    });
  });

  it('takes a modal opened before a restart', async () => {
    const { discord, channel } = await setUp();
    const storeUrl = `sqlite://${join(await makeTempDir('discord-edit-'), 'bot.sqlite')}`;
    const first = await startTestBot(discord, { harness: { storeUrl } });
    const photo = solidPng({ width: 64, height: 64 }, 'before the restart');
    const posted = discord.world.postAsUser(channel, discord.addUser('author'), '', [
      { filename: 'p.png', bytes: photo },
    ]);
    const opened = discord.runMessageCommand(posted, 'Edit image', {
      user: discord.addUser('editor'),
    });
    await modalOf(discord, opened);
    await first.stop();

    const second = await startBot(discord, { harness: { storeUrl } });
    const submitted = discord.submitModal(opened, { prompt: 'in watercolour' });
    await resultOf(discord, submitted);

    expect(second.harness.api.requests[0]?.inputs.map((input) => input.bytes)).toEqual([photo]);
  });

  it('says privately when the message has no image, and opens nothing', async () => {
    const { discord, channel } = await setUp();
    const bot = await startBot(discord);
    const posted = discord.world.postAsUser(channel, discord.addUser('author'), 'just words');

    const opened = discord.runMessageCommand(posted, 'Edit image', {
      user: discord.addUser('editor'),
    });

    const answer = await discord.world.until(
      () => discord.world.messages.get(opened.originalMessageId ?? ''),
      'the answer',
    );
    expect(answer.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(answer.content).toContain('That message has no image to work from');
    expect(opened.modal).toBeUndefined();
    expect(bot.harness.api.requests).toHaveLength(0);
  });
});
