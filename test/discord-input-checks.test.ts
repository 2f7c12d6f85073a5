/**
 * Every value a Discord user can send is checked where it enters: options of the wrong type (an
 * older registration, a forged call), numbers out of range, prompts with nothing visible. The user
 * is told which option and what it allows; nothing is requested upstream, nothing is charged, and
 * nothing is logged as an internal error. The real discord.js client against the fake Discord.
 */
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '#test/support/close-after-each.js';
import { adminPermissions, startFakeDiscord } from '#test/fakes/discord/index.js';
import type { FakeDiscord, FakeInteraction, InteractionOption } from '#test/fakes/discord/index.js';
import { startTestBot, type TestBot } from '#test/fakes/discord/bot.js';
import { createLogger } from '#core/log.js';

const closeLater = closeAfterEach();

const setUp = async (): Promise<{ discord: FakeDiscord; bot: TestBot; logLines: string[] }> => {
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const discord = closeLater(await startFakeDiscord(), (fake) => fake.close());
  discord.addGuild('Garden', discord.addUser('owner'));
  const bot = closeLater(
    await startTestBot(discord, {
      logger,
      harness: { quota: { guildLimit: 100, userLimit: 10 } },
    }),
    (started) => started.stop(),
  );
  return { discord, bot, logLines };
};

const run = (
  discord: FakeDiscord,
  name: string,
  options: InteractionOption[],
  locale = 'en-US',
): FakeInteraction => {
  const guild = [...discord.world.guilds.values()][0]!;
  const user = discord.addUser(`user-${discord.world.users.size}`);
  return discord.runCommand({
    guild,
    user,
    name,
    options,
    locale,
    permissions: adminPermissions,
  });
};

/** The private answer the command ends in. */
const answerOf = async (discord: FakeDiscord, interaction: FakeInteraction) =>
  (await discord.world.privateAnswer(interaction)).content;

const foxAnd = (option: InteractionOption): InteractionOption[] => [
  { name: 'prompt', type: 3, value: 'a fox' },
  option,
];

const errorLines = (logLines: string[]) =>
  logLines.map((line) => JSON.parse(line) as { level: number }).filter((line) => line.level >= 50);

describe('values Discord users send are checked where they enter', () => {
  it.each([
    [
      'a string where an integer belongs',
      foxAnd({ name: 'count', type: 3, value: 'two' }),
      'count must be a whole number.',
    ],
    [
      'an integer where a string belongs',
      [{ name: 'prompt', type: 4, value: 7 }],
      'prompt must be text.',
    ],
    [
      'a count beyond the definition',
      foxAnd({ name: 'count', type: 4, value: 1e20 }),
      'count must be from 1 to 10, not 100000000000000000000.',
    ],
    [
      'a fraction as a count',
      foxAnd({ name: 'count', type: 4, value: 2.5 }),
      'count must be a whole number in plain digits, not "2.5".',
    ],
    [
      'a prompt longer than a Discord string option may be',
      [{ name: 'prompt', type: 3, value: 'a'.repeat(6001) }],
      'prompt is longer than 6000 characters.',
    ],
    [
      'a prompt of zero-width characters only',
      [{ name: 'prompt', type: 3, value: '\u200b\u200d\u2060\ufeff \u3164' }],
      'prompt is required',
    ],
  ] as Array<[string, InteractionOption[], string]>)(
    '/imagine with %s is refused naming the option, and charges nothing',
    async (_, options, expected) => {
      const { discord, bot, logLines } = await setUp();
      const interaction = run(discord, 'imagine', options);

      expect(await answerOf(discord, interaction)).toContain(expected);
      expect(bot.harness.api.requests).toHaveLength(0);
      const guildId = [...discord.world.guilds.keys()][0]!;
      expect((await bot.service.quotaAdmin.report(guildId)).guild.used).toBe(0);
      expect(errorLines(logLines)).toEqual([]);
    },
  );

  it.each([
    [
      'a negative limit',
      'guild-limit',
      [
        { name: 'limit', type: 4, value: -5 },
        { name: 'period', type: 3, value: 'day' },
      ],
      'limit must be from 0 to 1000000, not -5.',
    ],
    [
      'a grant of 1e20',
      'grant',
      [
        { name: 'user', type: 6, value: '' },
        { name: 'amount', type: 4, value: 1e20 },
      ],
      'amount must be from 1 to 1000000, not 100000000000000000000.',
    ],
    [
      'a period that does not exist',
      'guild-limit',
      [
        { name: 'limit', type: 4, value: 5 },
        { name: 'period', type: 3, value: 'year' },
      ],
      'period "year" is not available: choose day, week or month.',
    ],
    [
      'a limit sent as a string',
      'guild-limit',
      [
        { name: 'limit', type: 3, value: '5' },
        { name: 'period', type: 3, value: 'day' },
      ],
      'limit must be a whole number.',
    ],
  ] as Array<[string, string, InteractionOption[], string]>)(
    '/quota-admin with %s is refused naming the option and what it allows, and changes nothing',
    async (_, subcommand, options, expected) => {
      const { discord, bot, logLines } = await setUp();
      const target = discord.addUser('target');
      const sent = options.map((option) =>
        option.name === 'user' ? { ...option, value: target.id } : option,
      );
      const interaction = run(discord, 'quota-admin', [
        { name: subcommand, type: 1, options: sent },
      ]);

      expect(await answerOf(discord, interaction)).toBe(expected);
      const guildId = [...discord.world.guilds.keys()][0]!;
      const report = await bot.service.quotaAdmin.report(guildId);
      expect(report.guild.limit).toBe(100);
      expect((await bot.service.standing(guildId, target.id)).user.limit).toBe(10);
      expect(errorLines(logLines)).toEqual([]);
    },
  );

  it('words the refusal in Korean for a Korean client', async () => {
    const { discord } = await setUp();
    const interaction = run(
      discord,
      'quota-admin',
      [
        {
          name: 'guild-limit',
          type: 1,
          options: [
            { name: 'limit', type: 4, value: -5 },
            { name: 'period', type: 3, value: 'day' },
          ],
        },
      ],
      'ko',
    );
    expect(await answerOf(discord, interaction)).toBe(
      '명령 형식이 올바르지 않습니다: limit은(는) 0부터 1000000까지의 정수여야 합니다 (-5은(는) 안 됩니다).',
    );
  });
});
