/**
 * /quota and /quota-admin end to end: permissions come from the interaction's member, checked
 * again when the command runs, and an admin's change is what the next /imagine meets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  adminPermissions,
  startFakeDiscord,
  type FakeDiscord,
  type FakeInteraction,
  type InteractionOption,
} from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot } from '#test/fakes/discord/bot.js';
import { createLogger } from '#core/log.js';

let discord: FakeDiscord;
let bot: TestBot;

afterEach(async () => {
  await bot.stop();
  await discord.close();
});

const start = async () => {
  discord = await startFakeDiscord();
  const owner = discord.addUser('owner');
  const guild = discord.addGuild('Garden', owner);
  bot = await startTestBot(discord, { harness: { quota: { guildLimit: 100, userLimit: 10 } } });
  return { owner, guild };
};

/** The text of the command's private answer. */
const privateAnswer = async (interaction: FakeInteraction) =>
  (await discord.world.privateAnswer(interaction)).content;

const guildLimit = (limit: number): InteractionOption[] => [
  {
    name: 'guild-limit',
    type: 1,
    options: [
      { name: 'limit', type: 4, value: limit },
      { name: 'period', type: 3, value: 'day' },
    ],
  },
];

describe('/quota-admin and /quota on Discord', () => {
  it('refuses /quota-admin to a member without Manage Server, privately, and changes nothing', async () => {
    const { guild } = await start();
    const member = discord.addUser('member');

    const interaction = discord.runCommand({
      guild,
      user: member,
      name: 'quota-admin',
      options: guildLimit(0),
    });

    expect(await privateAnswer(interaction)).toBe('Only server managers can use /quota-admin.');
    expect(interaction.response).toEqual({ type: 5, ephemeral: true });
    expect((await bot.service.quotaAdmin.report(guild.id)).guild.limit).toBe(100);
  });

  it('refuses a command sent from a direct message, saying to use it in a server, and requests nothing', async () => {
    const { guild } = await start();
    const stranger = discord.addUser('stranger');

    const interaction = discord.runCommand({
      guild,
      user: stranger,
      name: 'imagine',
      options: [{ name: 'prompt', type: 3, value: 'a lighthouse' }],
      directMessage: true,
    });

    expect(await privateAnswer(interaction)).toBe(
      'Use this command in a server: quotas and results belong to a server, not to direct messages.',
    );
    expect(bot.harness.api.requests).toHaveLength(0);
  });

  it("applies an admin's new server limit to the next /imagine", async () => {
    const { owner, guild } = await start();
    const admin = discord.runCommand({
      guild,
      user: owner,
      name: 'quota-admin',
      permissions: adminPermissions,
      options: guildLimit(0),
    });
    expect(await privateAnswer(admin)).toBe('Server limit set to 0 images a day.');

    const member = discord.addUser('member');
    const imagine = discord.runCommand({
      guild,
      user: member,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a comet' },
        { name: 'model', type: 3, value: 'dall-e-2' },
      ],
    });

    expect(await privateAnswer(imagine)).toMatch(/^This server has 0 of 0 images left today/);
    expect(bot.harness.api.requests).toHaveLength(0);
  });

  it("applies the most generous of a member's role limits, read from the interaction, and lists them", async () => {
    discord = await startFakeDiscord();
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    const patron = discord.addUser('patron');
    const visitor = discord.addUser('visitor');
    const patrons = discord.addRole(guild, 'patrons', [patron]);
    const visitors = discord.addRole(guild, 'visitors', [patron, visitor]);
    bot = await startTestBot(discord, { harness: { quota: { guildLimit: 100, userLimit: 10 } } });
    const roleLimit = (roleId: string, limit: number) =>
      privateAnswer(
        discord.runCommand({
          guild,
          user: owner,
          name: 'quota-admin',
          permissions: adminPermissions,
          options: [
            {
              name: 'role-limit',
              type: 1,
              options: [
                { name: 'role', type: 8, value: roleId },
                { name: 'limit', type: 4, value: limit },
                { name: 'period', type: 3, value: 'day' },
              ],
            },
          ],
        }),
      );
    expect(await roleLimit(visitors.id, 0)).toBe(
      `Limit for members of <@&${visitors.id}> set to 0 images a day each.`,
    );
    await roleLimit(patrons.id, 3);

    const imagine = (user: typeof owner) =>
      discord.runCommand({
        guild,
        user,
        name: 'imagine',
        options: [
          { name: 'prompt', type: 3, value: 'a comet' },
          { name: 'model', type: 3, value: 'dall-e-2' },
          { name: 'size', type: 3, value: '256x256' },
          { name: 'count', type: 4, value: 2 },
        ],
      });
    expect(await privateAnswer(imagine(visitor))).toMatch(/^You have 0 of 0 images left today/);
    const quota = await privateAnswer(discord.runCommand({ guild, user: patron, name: 'quota' }));
    expect(quota).toMatch(/^You: 3 of 3 left today/);
    imagine(patron);
    await discord.world.until(() => bot.harness.api.requests.length === 1, 'one upstream request');
    expect(await privateAnswer(imagine(patron))).toMatch(/^You have 1 of 3 images left today/);

    const shown = await privateAnswer(
      discord.runCommand({
        guild,
        user: owner,
        name: 'quota-admin',
        permissions: adminPermissions,
        options: [{ name: 'show', type: 1, options: [] }],
      }),
    );
    expect(shown).toContain(`Members of <@&${visitors.id}>: 0 images a day each.`);
    expect(shown).toContain(`Members of <@&${patrons.id}>: 3 images a day each.`);
  });

  it("grants a user extra images and shows them in that user's /quota", async () => {
    const { owner, guild } = await start();
    const member = discord.addUser('member');
    const grant = discord.runCommand({
      guild,
      user: owner,
      name: 'quota-admin',
      permissions: adminPermissions,
      options: [
        {
          name: 'grant',
          type: 1,
          options: [
            { name: 'user', type: 6, value: member.id },
            { name: 'amount', type: 4, value: 5 },
          ],
        },
      ],
    });
    expect(await privateAnswer(grant)).toBe(
      `Granted <@${member.id}> 5 extra images for this period.`,
    );

    const quota = discord.runCommand({ guild, user: member, name: 'quota', locale: 'ko' });

    expect(await privateAnswer(quota)).toMatch(/^회원님: 오늘 15장 중 15장 남음/);
  });

  it('answers an unexpected failure with an error id that is also in the log, never a stack', async () => {
    discord = await startFakeDiscord();
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    const lines: string[] = [];
    bot = await startTestBot(discord, {
      logger: createLogger({ level: 'error', destination: { write: (line) => lines.push(line) } }),
    });

    // Registered on Discord long ago, unknown to this version of the bot.
    const stale = discord.runCommand({ guild, user: owner, name: 'retired-command' });
    const answer = await privateAnswer(stale);

    const incidentId = /error id ([0-9a-f]+)/.exec(answer)?.[1];
    expect(incidentId).toBeDefined();
    expect(answer).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(
      lines.some((line) => line.includes(String(incidentId)) && line.includes('retired-command')),
    ).toBe(true);
  });
});
