/**
 * The bot scaled out as operators run it: two gateway processes, each on one of two Discord shards,
 * take the commands and queue the jobs; worker processes run them and deliver over REST. All are
 * real `node --import tsx src/main.ts` processes on one Redis of the test's own, against the fake
 * Discord and the fake Images API on loopback. Each worker calls upstream with a key of its own, so
 * the fake's requests tell which worker ran which job.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageFlags } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { messagesFor } from '#adapters/shared/messages.js';
import { UserError } from '#core/errors.js';
import {
  guildPerShard,
  smallImageOptions,
  startFakeDiscord,
  type FakeDiscord,
  type FakeGuild,
  type FakeInteraction,
  type FakeMessage,
} from './fakes/discord/index.js';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import { closeAfterEach } from './support/close-after-each.js';
import { expectDeliveredOnce, imagesUsed, shownOn } from './support/discord-outcomes.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { parseLogLines, startBotProcess, type BotProcess } from './support/process-bot.js';

const later = closeAfterEach();
const english = messagesFor('en');
const token = 'multi-process-discord-token';
const gatewayKey = 'sk-gateway-never-calls-upstream';
const isRunning = (line: { msg?: string }) => line.msg === 'imagine-bot is running';

interface Cluster {
  redis: PrivateRedis;
  api: FakeImagesApi;
  discord: FakeDiscord;
  /** One guild on shard 0, one on shard 1. */
  guilds: FakeGuild[];
  /** What every process shares; a process's own role, shard and key come on top. */
  variables: Record<string, string>;
  gateways: BotProcess[];
  workers: BotProcess[];
  /** Each worker's upstream key, in the order of `workers`. */
  workerKeys: string[];
}

/** Starts the processes, and has them killed after the test if it did not stop them. */
const startProcess = (variables: Record<string, string>): BotProcess =>
  later(startBotProcess(variables), async (bot) => {
    if (!bot.alive()) return;
    bot.signalGroup('SIGKILL');
    await bot.exit();
  });

const startCluster = async (options: { workers: number; latencyMs: number }): Promise<Cluster> => {
  const redis = later(await startPrivateRedis(), (server) => server.stop());
  const api = later(await startFakeImagesApi({ latencyMs: options.latencyMs }), (fake) =>
    fake.close(),
  );
  const discord = later(
    await startFakeDiscord({ token, shardCount: 2, maxConcurrency: 2 }),
    (fake) => fake.close(),
  );
  const guilds = await guildPerShard(discord, 2);
  const variables = {
    IMAGES_API_KEY: gatewayKey,
    IMAGES_API_BASE_URL: api.baseUrl,
    STORE_URL: redis.url,
    // Unique, though the Redis is private: the namespace is what keeps runs apart in production.
    STORE_NAMESPACE: `multi-process-${randomUUID()}`,
    LOG_LEVEL: 'info',
    QUEUE_CONCURRENCY: '2',
    DISCORD_TOKEN: token,
    DISCORD_API_BASE_URL: discord.restApi,
    DISCORD_SHARD_COUNT: '2',
  };
  const gateways = ['0', '1'].map((shard) =>
    startProcess({ ...variables, BOT_ROLE: 'gateway', DISCORD_SHARD_IDS: shard }),
  );
  const workerKeys = Array.from(
    { length: options.workers },
    (_, index) => `sk-worker-${index + 1}`,
  );
  const workers = workerKeys.map((key) =>
    startProcess({ ...variables, BOT_ROLE: 'worker', IMAGES_API_KEY: key }),
  );
  // Five tsx processes starting at once on a small, shared machine take a while.
  await Promise.all(
    [...gateways, ...workers].map((bot) =>
      bot.waitForLog('the bot to be running', isRunning, 90_000),
    ),
  );
  return { redis, api, discord, guilds, variables, gateways, workers, workerKeys };
};

interface Command {
  guild: FakeGuild;
  userId: string;
  prompt: string;
  count: number;
  interaction: FakeInteraction;
}

/** `/imagine` by a new member of each guild in turn, each with a prompt of its own. */
const imagine = (cluster: Cluster, label: string, perGuild: number, count: number): Command[] =>
  Array.from({ length: perGuild }, (_, index) =>
    cluster.guilds.map((guild, shard) => {
      const user = cluster.discord.addUser(`${label}-${shard}-${index}`);
      const prompt = `${label} ${index + 1} on shard ${shard}`;
      const interaction = cluster.discord.runCommand({
        guild,
        user,
        name: 'imagine',
        options: smallImageOptions(prompt, count),
      });
      return { guild, userId: user.id, prompt, count, interaction };
    }),
  ).flat();

/** The workers' keys that asked upstream for `prompt`, in order. */
const callersOf = (cluster: Cluster, prompt: string): string[] =>
  cluster.api.requests
    .filter((request) => request.body?.prompt === prompt)
    .map((request) => String(request.headers.authorization).replace(/^Bearer /, ''));

const usedBy = (cluster: Cluster, commands: readonly Command[]) =>
  imagesUsed(
    cluster.variables,
    commands.map(({ guild, userId }) => ({ guildId: guild.id, userId })),
  );

/** SIGTERM to each process still running: each stops in order, exits 0, and logged no error. */
const stopAll = async (bots: readonly BotProcess[]) => {
  for (const bot of bots) bot.signal('SIGTERM');
  for (const bot of bots) {
    expect(await bot.exit(45_000), bot.troubles()).toEqual({ code: 0, signal: null });
    expect(parseLogLines(bot.stdout()).filter((line) => line.level >= 50)).toEqual([]);
  }
};

/** Whether the owner was told the job is queued or started: it was admitted. */
const toldQueued = (cluster: Cluster, command: Command): boolean =>
  shownOn(cluster.discord, command.interaction.id)?.history.some(
    (state) => state.content.includes(english.started()) || /Queued: #\d+/.test(state.content),
  ) ?? false;

/** The private answer telling the owner the bot could not take the command and to try again. */
const refusalOf = (cluster: Cluster, command: Command): FakeMessage | undefined => {
  const tryAgain = english.refusal(new UserError('storeUnavailable'));
  return [...cluster.discord.world.messages.values()].find(
    (message) =>
      message.interactionId === command.interaction.id &&
      (message.flags & MessageFlags.Ephemeral) !== 0 &&
      message.content === tryAgain,
  );
};

/** How the command ended for its owner: its images delivered, or told to try again. */
const outcomeOf = (cluster: Cluster, command: Command): Promise<'delivered' | 'refused'> =>
  cluster.discord.world.until(
    () =>
      ((shownOn(cluster.discord, command.interaction.id)?.attachments.length ?? 0) > 0 &&
        'delivered') ||
      (refusalOf(cluster, command) !== undefined && 'refused'),
    `the images of "${command.prompt}", or a refusal`,
    90_000,
  );

describe.sequential('gateways and workers in separate processes on one Redis', () => {
  it(
    'delivers every job from guilds on both shards once, charged once, run by more than one worker',
    { timeout: 240_000 },
    async () => {
      const cluster = await startCluster({ workers: 3, latencyMs: 1_500 });

      const commands = imagine(cluster, 'burst', 4, 2);
      for (const { interaction, prompt } of commands)
        await expectDeliveredOnce(cluster.discord, cluster.api, interaction, prompt, 60_000);

      // Only the gateways opened a Discord session, one shard each; the workers delivered over REST.
      expect(cluster.discord.gateway.identifyLog.map(({ shard }) => shard).sort()).toEqual([
        [0, 2],
        [1, 2],
      ]);
      // Each job was asked upstream once, by a worker, and not always the same one.
      const callers = commands.map(({ prompt }) => callersOf(cluster, prompt));
      for (const asked of callers) expect(asked).toHaveLength(1);
      expect(callers.flat().every((key) => cluster.workerKeys.includes(key))).toBe(true);
      expect(new Set(callers.flat()).size).toBeGreaterThan(1);
      // A late second copy would show up after the first: give it the time to.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const { interaction, prompt, count } of commands) {
        expect(shownOn(cluster.discord, interaction.id)?.attachments, prompt).toHaveLength(count);
        await expectDeliveredOnce(cluster.discord, cluster.api, interaction, prompt);
      }
      expect(await usedBy(cluster, commands)).toEqual(commands.map(({ count }) => count));

      await stopAll([...cluster.gateways, ...cluster.workers]);
    },
  );

  it(
    'hands the jobs of a worker killed with kill -9 to another within 60 s, each delivered once, charged once',
    { timeout: 240_000 },
    async () => {
      const cluster = await startCluster({ workers: 2, latencyMs: 200 });
      // The first call of each job is slow, so that both workers are busy when one of them dies.
      cluster.api.failNext(4, { type: 'latency', ms: 8_000 });
      const commands = imagine(cluster, 'cut off', 2, 2);
      await cluster.api.received(4);
      const victimKey = callersOf(cluster, commands[0]!.prompt)[0]!;
      const victim = cluster.workers[cluster.workerKeys.indexOf(victimKey)]!;
      const survivor = cluster.workers.find((worker) => worker !== victim)!;
      // Its jobs still waiting for upstream's answer (a slow start may have let it finish some).
      const cutOff = commands.filter(
        ({ prompt, interaction }) =>
          callersOf(cluster, prompt).at(-1) === victimKey &&
          (shownOn(cluster.discord, interaction.id)?.attachments.length ?? 0) === 0,
      );
      expect(cutOff.length).toBeGreaterThan(0);

      victim.signalGroup('SIGKILL');
      const killedAt = Date.now();
      expect(await victim.exit()).toEqual({ code: null, signal: 'SIGKILL' });

      for (const { interaction, prompt } of cutOff) {
        await expectDeliveredOnce(cluster.discord, cluster.api, interaction, prompt, 70_000);
        expect(Date.now() - killedAt, 'redelivered within 60 s of the kill').toBeLessThan(60_000);
        // Asked upstream by the worker that died, then once more by the other one.
        expect(callersOf(cluster, prompt)).toEqual([
          victimKey,
          cluster.workerKeys.find((key) => key !== victimKey),
        ]);
      }
      for (const { interaction, prompt } of commands)
        await expectDeliveredOnce(cluster.discord, cluster.api, interaction, prompt);
      expect(await usedBy(cluster, commands)).toEqual(commands.map(({ count }) => count));

      await stopAll([...cluster.gateways, survivor]);
    },
  );

  it(
    'rides out Redis hanging for 10 s in a burst: every process lives, commands are answered in time, admitted jobs delivered once, quotas exact',
    { timeout: 240_000 },
    async () => {
      const cluster = await startCluster({ workers: 3, latencyMs: 3_000 });
      // More jobs than the workers run at once (3 × 2): some wait in Redis, some run upstream.
      const burst = imagine(cluster, 'burst', 4, 1);
      await cluster.discord.world.until(
        () => burst.every((command) => toldQueued(cluster, command)),
        'every job of the burst to be queued',
        20_000,
      );

      cluster.redis.hang();
      const hungAt = Date.now();
      const during = imagine(cluster, 'during the hang', 1, 1);
      for (const { interaction } of during) {
        const acknowledgedAt = await cluster.discord.world.until(
          () => cluster.discord.world.interactions.get(interaction.id)?.acknowledgedAt,
          'the acknowledgement of a command sent while Redis hangs',
          5_000,
        );
        expect(acknowledgedAt - interaction.dispatchedAt).toBeLessThan(3_000);
      }
      await sleep(10_000 - (Date.now() - hungAt));
      cluster.redis.resume();
      const resumedAt = Date.now();

      const commands = [...burst, ...during];
      const outcomes = await Promise.all(commands.map((command) => outcomeOf(cluster, command)));
      // Every job queued before the hang is delivered; one sent during it may be refused.
      expect(outcomes.slice(0, burst.length)).toEqual(burst.map(() => 'delivered'));
      for (const [index, { interaction, prompt }] of commands.entries())
        if (outcomes[index] === 'delivered') {
          await expectDeliveredOnce(cluster.discord, cluster.api, interaction, prompt);
          // The hang was shorter than a worker's hold on its jobs: none was taken from it.
          expect(callersOf(cluster, prompt), prompt).toHaveLength(1);
        } else {
          expect(callersOf(cluster, prompt), prompt).toEqual([]);
          // Told while Redis still hung, not left waiting for it.
          expect(refusalOf(cluster, commands[index]!)!.history[0]!.at).toBeLessThan(resumedAt);
        }
      // Charged for what was delivered, and nothing for what was refused (late holds undone).
      await expect
        .poll(() => usedBy(cluster, commands), { timeout: 15_000, interval: 1_000 })
        .toEqual(
          outcomes.map((outcome, index) => (outcome === 'delivered' ? commands[index]!.count : 0)),
        );

      const everyone = [...cluster.gateways, ...cluster.workers];
      for (const bot of everyone) expect(bot.alive(), bot.troubles()).toBe(true);
      await stopAll(everyone);
    },
  );
});
