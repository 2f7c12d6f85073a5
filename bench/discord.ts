/**
 * 500 simultaneous /imagine across 50 guilds through the fake Discord gateway, into the real
 * adapter and service: how long from the gateway dispatch to the acknowledgement arriving at the
 * fake REST API. Discord gives 3 s; the goal is a p99 under 250 ms. The fake runs in a worker
 * thread, as Discord runs on other machines, so only the bot's own work is on the bot's loop.
 *
 * The same burst first meets a bare discord.js client that does nothing but defer: the floor that
 * discord.js itself sets on this machine, so our figure is read against it (the machine may be
 * shared, and only the ratio survives that).
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { startTestBot } from '#test/fakes/discord/bot.js';
import type { BurstPlan, FromWorker, ToWorker } from '#test/fakes/discord/burst-worker.js';
import type { BenchRow } from './types.js';

const plan: BurstPlan = { guilds: 50, usersPerGuild: 10, warmUp: 10, ackTimeoutMs: 10_000 };

/** A worker does not inherit tsx's loader: it registers it before importing the TypeScript entry. */
const workerBoot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(
    new URL('../test/fakes/discord/burst-worker.ts', import.meta.url).href,
  )}); })`;

const percentile = (sorted: readonly number[], fraction: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;

const next = async <T extends FromWorker['type']>(
  worker: Worker,
  type: T,
): Promise<Extract<FromWorker, { type: T }>> => {
  for (;;) {
    const [message] = (await once(worker, 'message')) as [FromWorker];
    if (message.type === type) return message as Extract<FromWorker, { type: T }>;
  }
};

type StartBot = (discord: { token: string; restApi: string }) => Promise<{ stop(): Promise<void> }>;

/** One fresh fake Discord, one bot logged in to it, one burst: each acknowledgement's delay. */
const measureBurst = async (startBot: StartBot) => {
  const worker = new Worker(workerBoot, { eval: true, workerData: plan });
  const tell = (message: ToWorker) => worker.postMessage(message);
  const discord = await next(worker, 'ready');
  const bot = await startBot(discord);

  tell({ type: 'burst' });
  const { sent, delaysMs } = await next(worker, 'measured');
  // Closing the fake first makes the leftover deliveries fail fast instead of running for minutes.
  tell({ type: 'close' });
  await next(worker, 'closed');
  await bot.stop();
  await worker.terminate();
  return { sent, delays: [...delaysMs].sort((a, b) => a - b) };
};

/** The floor: discord.js receiving the dispatch and deferring, with no command logic at all. */
const startBareClient: StartBot = async (discord) => {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: discord.restApi },
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isChatInputCommand()) interaction.deferReply().catch(() => undefined);
  });
  const ready = once(client, Events.ClientReady);
  await client.login(discord.token);
  await ready;
  return { stop: () => client.destroy() };
};

const startImagineBot: StartBot = (discord) =>
  startTestBot(discord, {
    harness: { queue: { concurrency: 8, maxPendingPerGuild: 100, maxPendingPerUser: 10 } },
  });

export async function benchDiscord(): Promise<BenchRow[]> {
  const total = plan.guilds * plan.usersPerGuild;
  const baseline = await measureBurst(startBareClient);
  const ours = await measureBurst(startImagineBot);
  const p99 = percentile(ours.delays, 0.99);
  return [
    {
      name: `/imagine acknowledged of ${total} at once (${plan.guilds} guilds)`,
      value: ours.delays.length,
      unit: '',
      target: `= ${ours.sent}`,
      pass: ours.delays.length === ours.sent,
    },
    { name: 'dispatch to acknowledgement, p50', value: percentile(ours.delays, 0.5), unit: 'ms' },
    {
      name: 'dispatch to acknowledgement, p99',
      value: p99,
      unit: 'ms',
      target: '< 250 ms',
      pass: p99 < 250,
    },
    {
      name: 'dispatch to acknowledgement, max',
      value: ours.delays.at(-1) ?? Number.NaN,
      unit: 'ms',
    },
    {
      name: 'bare discord.js client that only defers, same burst: p50',
      value: percentile(baseline.delays, 0.5),
      unit: 'ms',
    },
    {
      name: 'bare discord.js client that only defers, same burst: p99',
      value: percentile(baseline.delays, 0.99),
      unit: 'ms',
    },
  ];
}
