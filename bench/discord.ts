/**
 * 500 simultaneous /imagine across 50 guilds through the fake Discord gateway, into the real
 * adapter and service: how long from the gateway dispatch to the acknowledgement arriving at the
 * fake REST API. Discord gives 3 s; the goal is a p99 under 250 ms.
 */
import { startTestBot } from '#test/fakes/discord/bot.js';
import {
  startFakeDiscord,
  type CommandInvocation,
  type FakeGuild,
  type FakeUser,
} from '#test/fakes/discord/index.js';
import type { BenchRow } from './types.js';

const guildCount = 50;
const usersPerGuild = 10;
const ackTimeoutMs = 10_000;
const warmUpCount = 10;

const percentile = (sorted: readonly number[], fraction: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;

export async function benchDiscord(): Promise<BenchRow[]> {
  const discord = await startFakeDiscord();
  const guilds = Array.from({ length: guildCount }, (_, index) => {
    const owner = discord.addUser(`owner-${index}`);
    const guild = discord.addGuild(`guild-${index}`, owner);
    const users = Array.from({ length: usersPerGuild }, (_, user) =>
      discord.addUser(`user-${index}-${user}`),
    );
    return { guild, users };
  });
  const bot = await startTestBot(discord, {
    harness: { queue: { concurrency: 8, maxPendingPerGuild: 100, maxPendingPerUser: 10 } },
  });

  const imagine = (guild: FakeGuild, user: FakeUser): CommandInvocation => ({
    guild,
    user,
    name: 'imagine',
    options: [
      { name: 'prompt', type: 3, value: `a lighthouse for ${user.username}` },
      { name: 'model', type: 3, value: 'dall-e-2' },
      { name: 'size', type: 3, value: '256x256' },
    ],
  });
  // Warm-up: the first commands load modules and open connections, which a running bot has done.
  const warmUp = discord.runCommands(
    guilds.slice(0, warmUpCount).map(({ guild, users }) => imagine(guild, users[0] as FakeUser)),
  );
  await discord.world.until(
    () => warmUp.every((interaction) => interaction.acknowledgedAt !== undefined),
    'the warm-up acknowledgements',
    ackTimeoutMs,
  );

  const interactions = discord.runCommands(
    guilds.flatMap(({ guild, users }) => users.map((user) => imagine(guild, user))),
  );
  await discord.world
    .until(
      () => interactions.every((interaction) => interaction.acknowledgedAt !== undefined),
      'every acknowledgement',
      ackTimeoutMs,
    )
    .catch(() => undefined);

  const delays = interactions
    .flatMap((interaction) =>
      interaction.acknowledgedAt === undefined
        ? []
        : [interaction.acknowledgedAt - interaction.dispatchedAt],
    )
    .sort((a, b) => a - b);
  // Unacknowledged work would only slow the shutdown down; the measurement is over.
  await discord.close();
  await bot.stop();

  const p99 = percentile(delays, 0.99);
  return [
    {
      name: `acknowledged of ${interactions.length} /imagine (${guildCount} guilds)`,
      value: delays.length,
      unit: '',
      target: `= ${interactions.length}`,
      pass: delays.length === interactions.length,
    },
    { name: 'dispatch to acknowledgement, p50', value: percentile(delays, 0.5), unit: 'ms' },
    {
      name: 'dispatch to acknowledgement, p99',
      value: p99,
      unit: 'ms',
      target: '< 250 ms',
      pass: p99 < 250,
    },
    { name: 'dispatch to acknowledgement, max', value: delays.at(-1) ?? Number.NaN, unit: 'ms' },
  ];
}
