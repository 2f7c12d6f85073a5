/**
 * 500 simultaneous /imagine across 50 guilds through the fake Discord gateway, into the real
 * adapter and service: how long from the gateway dispatch to the acknowledgement arriving at the
 * fake REST API. Discord gives 3 s; the goal is a p99 under 250 ms. The fake runs in a worker
 * thread, as Discord runs on other machines, so only the bot's own work is on the bot's loop.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
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

export async function benchDiscord(): Promise<BenchRow[]> {
  const worker = new Worker(workerBoot, { eval: true, workerData: plan });
  const tell = (message: ToWorker) => worker.postMessage(message);
  const discord = await next(worker, 'ready');
  const bot = await startTestBot(discord, {
    harness: { queue: { concurrency: 8, maxPendingPerGuild: 100, maxPendingPerUser: 10 } },
  });

  tell({ type: 'burst' });
  const { sent, delaysMs } = await next(worker, 'measured');
  // Closing the fake first makes the leftover deliveries fail fast instead of running for minutes.
  tell({ type: 'close' });
  await next(worker, 'closed');
  await bot.stop();
  await worker.terminate();

  const delays = [...delaysMs].sort((a, b) => a - b);
  const p99 = percentile(delays, 0.99);
  const total = plan.guilds * plan.usersPerGuild;
  return [
    {
      name: `/imagine acknowledged of ${total} at once (${plan.guilds} guilds)`,
      value: delays.length,
      unit: '',
      target: `= ${sent}`,
      pass: delays.length === sent,
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
