/**
 * The buttons on Discord results end to end: the real discord.js client on the fake Discord, the
 * real service, store and Images client. The result is made by one bot process and the buttons are
 * clicked on the next, started on the same SQLite file, so every action is shown to need nothing
 * but the store.
 */
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '#test/support/close-after-each.js';
import {
  memberPermissions,
  startFakeDiscord,
  type FakeDiscord,
  type FakeInteraction,
  type FakeMessage,
  type FakeUser,
  type InteractionOption,
} from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot, type TestBotOptions } from '#test/fakes/discord/bot.js';
import { makeTempDir } from '#test/support/tmp.js';

const closeLater = closeAfterEach();
const text = (name: string, value: string | number): InteractionOption =>
  typeof value === 'number' ? { name, type: 4, value } : { name, type: 3, value };

const setUp = async () => {
  const discord = closeLater(await startFakeDiscord(), (fake) => fake.close());
  const guild = discord.addGuild('Garden', discord.addUser('owner'));
  const storeUrl = `sqlite://${join(await makeTempDir('discord-actions-'), 'bot.sqlite')}`;
  const start = async (options: TestBotOptions['harness'] = {}): Promise<TestBot> =>
    closeLater(
      await startTestBot(discord, { harness: { storeUrl, quota: { userLimit: 10 }, ...options } }),
      (bot) => bot.stop(),
    );
  return { discord, guild, start };
};

/** Runs /imagine and resolves with its result message. */
const imagine = async (
  discord: FakeDiscord,
  user: FakeUser,
  options: InteractionOption[],
  locale = 'en-US',
): Promise<FakeMessage> => {
  const guild = [...discord.world.guilds.values()][0]!;
  const interaction = discord.runCommand({ guild, user, name: 'imagine', options, locale });
  return discord.world.until(() => {
    const message = discord.world.messages.get(interaction.originalMessageId ?? '');
    return message !== undefined && message.embeds.length > 0 && message;
  }, 'the result');
};

/** The labels and custom ids of a message's buttons. */
const buttonsOf = (message: FakeMessage) =>
  (message.components ?? []).flatMap((row) =>
    (row.components as Array<{ label: string; custom_id: string }>).map((button) => ({
      label: button.label,
      id: button.custom_id,
    })),
  );

/** What a click was privately told, once it has (text or a picker). */
const privateAnswer = (discord: FakeDiscord, click: FakeInteraction) =>
  discord.world.privateAnswer(click, () => true);

/** A result the bot posted as a reply to `message`. */
const replyTo = (discord: FakeDiscord, message: FakeMessage) =>
  discord.world.until(
    () =>
      [...discord.world.messages.values()].find(
        (candidate) => candidate.replyTo === message.id && candidate.attachments.length > 0,
      ),
    'the reply with images',
  );

describe('buttons on Discord results', () => {
  it('shows Reroll, Vary, Remix and Delete under every result, in Korean for Korean users', async () => {
    const { discord, start } = await setUp();
    await start();

    const english = await imagine(discord, discord.addUser('ann'), [text('prompt', 'a fox')]);
    const korean = await imagine(discord, discord.addUser('min'), [text('prompt', '여우')], 'ko');

    expect(buttonsOf(english).map((button) => button.label)).toEqual([
      'Reroll',
      'Vary',
      'Remix',
      'Delete',
    ]);
    expect(buttonsOf(korean).map((button) => button.label)).toEqual([
      '다시 만들기',
      '변형',
      '리믹스',
      '삭제',
    ]);
    // 🔁 keeps working alongside.
    expect(english.reactions.some((reaction) => reaction.emoji === '🔁')).toBe(true);
  });

  it('after a restart: Reroll makes the same again, charged to whoever clicked', async () => {
    const { discord, guild, start } = await setUp();
    const first = await start();
    const result = await imagine(discord, discord.addUser('ann'), [
      text('prompt', 'a lighthouse'),
      text('model', 'dall-e-2'),
      text('size', '256x256'),
    ]);
    await first.stop();
    const second = await start();
    const clicker = discord.addUser('bob');

    discord.click(result, 'imagine:reroll', { user: clicker });
    await replyTo(discord, result);

    expect(second.harness.api.requests[0]?.body).toMatchObject({
      prompt: 'a lighthouse',
      model: 'dall-e-2',
      size: '256x256',
    });
    expect(await second.service.standing(guild.id, clicker.id)).toMatchObject({
      user: { used: 1 },
    });
  });

  it('after a restart: Vary asks which image and how much, then sends exactly that image to /edits', async () => {
    const { discord, guild, start } = await setUp();
    const first = await start();
    const result = await imagine(discord, discord.addUser('ann'), [
      text('prompt', 'two cats'),
      text('model', 'gpt-image-1.5'),
      text('size', '1024x1024'),
      text('count', 2),
    ]);
    await first.stop();
    const second = await start();
    const clicker = discord.addUser('bob');

    const vary = discord.click(result, 'imagine:vary', { user: clicker });
    const picker = await privateAnswer(discord, vary);
    expect(picker.content).toBe('Which image should vary, and how much?');
    const choices = buttonsOf(picker);
    expect(choices.map((choice) => choice.label)).toEqual([
      'Image 1 · subtle',
      'Image 1 · strong',
      'Image 2 · subtle',
      'Image 2 · strong',
    ]);
    discord.click(picker, choices[3]!.id, { user: clicker });
    await replyTo(discord, result);

    const [upstream] = second.harness.api.requests;
    expect(upstream?.endpoint).toBe('edits');
    expect(upstream?.inputs.map((input) => input.bytes)).toEqual([result.attachments[1]!.bytes]);
    expect(upstream?.body).toMatchObject({ prompt: 'two cats', input_fidelity: 'low', n: 2 });
    // The same settings, two images, charged to whoever clicked.
    expect(await second.service.standing(guild.id, clicker.id)).toMatchObject({
      user: { used: 2 },
    });
  });

  it('Vary of a one-image dall-e-2 result goes to /images/variations with the bytes shown', async () => {
    const { discord, start } = await setUp();
    const bot = await start();
    const result = await imagine(discord, discord.addUser('ann'), [
      text('prompt', 'a square'),
      text('model', 'dall-e-2'),
      text('size', '256x256'),
    ]);

    discord.click(result, 'imagine:vary', { user: discord.addUser('bob') });
    await replyTo(discord, result);

    const varied = bot.harness.api.requests[1];
    expect(varied?.endpoint).toBe('variations');
    expect(varied?.inputs.map((input) => input.bytes)).toEqual([result.attachments[0]!.bytes]);
  });

  it('after a restart: Remix opens a modal with the prompt, and runs what is submitted with the same settings', async () => {
    const { discord, start } = await setUp();
    const first = await start();
    const result = await imagine(discord, discord.addUser('ann'), [
      text('prompt', 'a red boat'),
      text('model', 'dall-e-2'),
      text('size', '512x512'),
    ]);
    await first.stop();
    const second = await start();

    const remix = discord.click(result, 'imagine:remix', { user: discord.addUser('bob') });
    const modal = await discord.world.until(() => remix.modal, 'the remix modal');
    expect(modal.title).toBe('Remix');
    const field = (modal.components as Array<{ components: Array<{ value?: string }> }>)[0]!
      .components[0];
    expect(field?.value).toBe('a red boat');
    const submitted = discord.submitModal(remix, { prompt: 'a blue boat' });
    await discord.world.until(() => {
      const message = discord.world.messages.get(submitted.originalMessageId ?? '');
      return message !== undefined && message.embeds.length > 0 && message;
    }, 'the remix result');

    expect(second.harness.api.requests[0]?.body).toMatchObject({
      prompt: 'a blue boat',
      model: 'dall-e-2',
      size: '512x512',
    });
  });

  it('after a restart: Delete removes the result for its owner and for a moderator, and refuses anyone else privately', async () => {
    const { discord, start } = await setUp();
    const first = await start();
    const ann = discord.addUser('ann');
    const small = [text('model', 'dall-e-2'), text('size', '256x256')];
    const mine = await imagine(discord, ann, [text('prompt', 'mine'), ...small]);
    const moderated = await imagine(discord, ann, [text('prompt', 'moderated'), ...small]);
    await first.stop();
    const second = await start();

    const stranger = discord.click(mine, 'imagine:delete', { user: discord.addUser('eve') });
    expect((await privateAnswer(discord, stranger)).content).toBe(
      'Only the person who asked for this image, or a moderator, can delete it.',
    );
    expect(mine.deleted).toBe(false);

    discord.click(mine, 'imagine:delete', { user: ann });
    await discord.world.until(() => mine.deleted, 'the owner to delete it');
    discord.click(moderated, 'imagine:delete', {
      user: discord.addUser('mod'),
      permissions: memberPermissions | PermissionFlagsBits.ManageMessages,
    });
    await discord.world.until(() => moderated.deleted, 'the moderator to delete it');
    expect(second.harness.api.requests).toHaveLength(0);
  });

  it("refuses an action privately and charges nothing when the clicker's quota is spent", async () => {
    const { discord, guild, start } = await setUp();
    const bot = await start({ quota: { userLimit: 1 } });
    const ann = discord.addUser('ann');
    const result = await imagine(discord, ann, [
      text('prompt', 'one'),
      text('model', 'dall-e-2'),
      text('size', '256x256'),
    ]);

    const click = discord.click(result, 'imagine:reroll', { user: ann });
    const answer = await privateAnswer(discord, click);

    expect(answer.content).toContain('You have 0 of 1 images left today');
    expect(bot.harness.api.requests).toHaveLength(1);
    expect(await bot.service.standing(guild.id, ann.id)).toMatchObject({ user: { used: 1 } });
  });
});

describe('the Cancel button of a waiting job on Discord', () => {
  it('takes the job out of the queue and refunds it for its owner, and refuses anyone else', async () => {
    const { discord, guild, start } = await setUp();
    const bot = await start({ queue: { concurrency: 1 }, api: { latencyMs: 1_000 } });
    const small = [text('model', 'dall-e-2'), text('size', '256x256')];
    const ann = discord.addUser('ann');
    discord.runCommand({
      guild,
      user: discord.addUser('first'),
      name: 'imagine',
      options: [text('prompt', 'first'), ...small],
    });
    await bot.harness.api.received(1);
    const waiting = discord.runCommand({
      guild,
      user: ann,
      name: 'imagine',
      options: [text('prompt', 'second'), ...small],
    });
    const status = await discord.world.until(() => {
      const message = discord.world.messages.get(waiting.originalMessageId ?? '');
      return message !== undefined && buttonsOf(message).length > 0 && message;
    }, 'the Cancel button');
    expect(status.content).toContain('Queued: #1 in line.');
    const [cancel] = buttonsOf(status);
    expect(cancel?.label).toBe('Cancel');
    // Held while it waits.
    expect(await bot.service.standing(guild.id, ann.id)).toMatchObject({ user: { used: 1 } });

    const stranger = discord.click(status, cancel!.id, { user: discord.addUser('eve') });
    expect((await privateAnswer(discord, stranger)).content).toBe(
      'Only the person who asked, or an admin, can cancel this request.',
    );
    discord.click(status, cancel!.id, { user: ann });
    await discord.world.until(
      () => status.content.includes('Cancelled. Nothing was charged.'),
      'the status to say it was cancelled',
    );

    expect(buttonsOf(status)).toEqual([]);
    expect(bot.harness.api.requests).toHaveLength(1);
    const standing = await bot.service.standing(guild.id, ann.id);
    expect(standing.user.used).toBe(0);
  });
});
