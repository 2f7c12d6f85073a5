/**
 * Quota throughput: reserve + commit pairs per second through the real quota service, on each
 * store, from one process, with bounded concurrency across many guilds and users (as a busy bot
 * would spread them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '@keyv/redis';
import PQueue from 'p-queue';
import { createQuotas } from '../src/core/quota/quota-service.js';
import { openStore, type Store } from '../src/store/open-store.js';
import type { BenchRow } from './types.js';

export interface QuotaBenchOptions {
  /** @default 5000 */
  pairs?: number;
  /** Pairs in flight at once. @default 64 */
  concurrency?: number;
  /** @default process.env.REDIS_URL or 'redis://127.0.0.1:6379' */
  redisUrl?: string;
}

const guilds = 50;
const usersPerGuild = 20;

/** Runs `pairs` reserve+commit pairs and returns pairs per second. */
const pairsPerSecond = async (
  store: Store,
  pairs: number,
  concurrency: number,
): Promise<number> => {
  const quotas = createQuotas({
    ledger: store.ledger,
    defaults: { guildLimit: null, userLimit: 1_000_000, period: 'day', guildTokenBudget: 1e12 },
  });
  const queue = new PQueue({ concurrency });
  const started = performance.now();
  await queue.addAll(
    Array.from({ length: pairs }, (_, index) => async () => {
      const now = Date.now();
      const hold = {
        jobId: `bench-${index}`,
        guildId: `guild-${index % guilds}`,
        userId: `user-${Math.floor(index / guilds) % usersPerGuild}`,
        images: 1,
        expiresAt: now + 840_000,
      };
      await quotas.reserve(hold, now);
      await quotas.commit(hold, { images: 1, tokens: 1_000 }, now);
    }),
  );
  return pairs / ((performance.now() - started) / 1_000);
};

const row = (name: string, value: number, minimum?: number): BenchRow => ({
  name,
  value: Math.round(value),
  unit: 'pairs/s',
  ...(minimum !== undefined && {
    target: `>= ${minimum.toLocaleString('en-US')}/s`,
    pass: value >= minimum,
  }),
});

export async function benchQuota(options: QuotaBenchOptions = {}): Promise<BenchRow[]> {
  const pairs = options.pairs ?? 5_000;
  const concurrency = options.concurrency ?? 64;
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const rows: BenchRow[] = [];

  // An unmeasured pass first, so that the first store measured does not pay for JIT compilation.
  const warmUp = await openStore('memory://');
  await pairsPerSecond(warmUp, Math.min(pairs, 1_000), concurrency);
  await warmUp.close();

  const memory = await openStore('memory://');
  rows.push(row('quota reserve+commit, memory', await pairsPerSecond(memory, pairs, concurrency)));
  await memory.close();

  const dir = await mkdtemp(join(tmpdir(), 'imagine-bot-bench-'));
  try {
    const sqlite = await openStore(`sqlite://${join(dir, 'bench.sqlite')}`);
    rows.push(
      row('quota reserve+commit, SQLite', await pairsPerSecond(sqlite, pairs, concurrency), 2_000),
    );
    await sqlite.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const namespace = `imagine-bot-bench-${process.pid}-${Date.now()}`;
  const redis = await openStore(redisUrl, { namespace, connectTimeoutMs: 1_000 }).catch(
    (error: unknown) => {
      console.error(
        `Redis quota bench skipped: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    },
  );
  if (!redis) {
    rows.push({ ...row('quota reserve+commit, Redis (not reachable)', 0, 5_000), pass: false });
    return rows;
  }
  try {
    rows.push(
      row('quota reserve+commit, Redis', await pairsPerSecond(redis, pairs, concurrency), 5_000),
    );
  } finally {
    await redis.close();
    const client = createClient({ url: redisUrl });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1_000 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  }
  return rows;
}
