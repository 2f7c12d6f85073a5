/**
 * The audit channel on Discord: one line per job, posted through REST when the job ends, with a
 * `Delete` button that removes the public result for a moderator and for nobody else.
 */
import { describe, expect, it } from 'vitest';
import { PermissionFlagsBits } from 'discord.js';
import { closeAfterEach } from '#test/support/close-after-each.js';
import {
  adminPermissions,
  memberPermissions,
  startFakeDiscord,
  type FakeDiscord,
  type FakeInteraction,
} from '#test/fakes/discord/index.js';
import { startTestBot } from '#test/fakes/discord/bot.js';

const closeLater = closeAfterEach();

/** The text of the command's private answer. */
const privateAnswer = async (discord: FakeDiscord, interaction: FakeInteraction) =>
  (await discord.world.privateAnswer(interaction)).content;

describe('the audit channel on Discord', () => {
  it('gets one line per job, and its Delete removes the result for moderators only', async () => {
    const discord = closeLater(await startFakeDiscord(), (fake) => fake.close());
    const owner = discord.addUser('owner');
    const member = discord.addUser('member');
    const guild = discord.addGuild('Garden', owner, 2);
    const bot = closeLater(await startTestBot(discord), (started) => started.stop());
    const [general, audit] = guild.channels as [
      (typeof guild.channels)[0],
      (typeof guild.channels)[0],
    ];

    const set = discord.runCommand({
      guild,
      user: owner,
      name: 'imagine-settings',
      permissions: adminPermissions,
      options: [
        {
          name: 'audit-channel',
          type: 1,
          options: [{ name: 'channel', type: 7, value: audit.id }],
        },
      ],
    });
    expect(await privateAnswer(discord, set)).toBe(`Saved. Audit channel: <#${audit.id}>.`);
    const blocked = discord.runCommand({
      guild,
      user: owner,
      name: 'imagine-settings',
      permissions: adminPermissions,
      options: [
        {
          name: 'blocked',
          type: 2,
          options: [
            { name: 'add', type: 1, options: [{ name: 'term', type: 3, value: 'forbidden' }] },
          ],
        },
      ],
    });
    await privateAnswer(discord, blocked);

    const imagine = (prompt: string) =>
      discord.runCommand({
        guild,
        user: member,
        name: 'imagine',
        channel: general,
        options: [
          { name: 'prompt', type: 3, value: prompt },
          { name: 'model', type: 3, value: 'dall-e-2' },
          { name: 'size', type: 3, value: '256x256' },
        ],
      });
    const first = imagine('a lighthouse at dusk');
    const auditLines = () => discord.world.channelMessages(audit.id);
    const [line] = await discord.world.until(
      () => auditLines().length === 1 && auditLines(),
      'the first audit line',
    );
    // A refused request never became a job: nothing to audit.
    await privateAnswer(discord, imagine('something forbidden'));
    imagine('a second lighthouse');
    await discord.world.until(() => auditLines().length === 2, 'the second audit line');

    const result = discord.world.messages.get(first.originalMessageId ?? '')!;
    expect(result.attachments).toHaveLength(1);
    expect(line!.content).toBe(
      `<@${member.id}> · made 1 image · dall-e-2 · 256x256 · ×1 · tokens not reported · about $0.02 · https://discord.com/channels/${guild.id}/${general.id}/${result.id}\n> a lighthouse at dusk`,
    );
    expect(discord.world.pings(line!).every((pings) => pings.users.length === 0)).toBe(true);
    const button = (line!.components?.[0]?.components as Array<Record<string, unknown>>)[0]!;
    expect(button).toMatchObject({ type: 2, label: 'Delete' });

    const refused = discord.clickButton({
      message: line!,
      user: member,
      customId: String(button.custom_id),
      permissions: memberPermissions,
    });
    expect(await privateAnswer(discord, refused)).toBe('Only moderators can use Delete.');
    expect(result.deleted).toBe(false);

    const moderator = discord.addUser('moderator');
    const deleted = discord.clickButton({
      message: line!,
      user: moderator,
      customId: String(button.custom_id),
      permissions: memberPermissions | PermissionFlagsBits.ManageMessages,
    });
    expect(await privateAnswer(discord, deleted)).toBe('The result was deleted.');
    expect(result.deleted).toBe(true);
    expect(line!.content).toMatch(new RegExp(`\\nResult deleted by <@${moderator.id}>\\.$`));
    expect(line!.components).toEqual([]);
    expect(bot.harness.api.requests).toHaveLength(2);
  });
});
