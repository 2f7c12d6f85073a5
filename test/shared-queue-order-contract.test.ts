/**
 * One fair order, two implementations: the shared queue's Lua script (src/store/shared-queue.lua)
 * must start jobs in the order the in-process {@link FairOrder} does. Both are driven by the same
 * seeded random arrivals, starts and withdrawals, and compared after every step: the job each
 * start takes, and the whole waiting order.
 */
import { readFileSync } from 'node:fs';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FairOrder } from '#core/queue/fair-order.js';
import { orderOfSnapshot } from '#store/shared-queue.js';
import { describeRedis, redisUrl } from './support/redis.js';

const script = readFileSync(new URL('../src/store/shared-queue.lua', import.meta.url), 'utf8');

/** mulberry32: the same steps on every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describeRedis('the Lua fair order against FairOrder', () => {
  const client = createClient({ url: redisUrl });
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    client.destroy();
  });

  const run = async (prefix: string, operation: string, ...rest: Array<string | number>) =>
    client.eval(script, { keys: [], arguments: [operation, prefix, ...rest].map(String) });
  /** A worker's take with no images cap, under no pause. */
  const take = (prefix: string, ticket: string) =>
    run(prefix, 'take', ticket, -1, 60_000, `${prefix}limiter`);

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'starts the same jobs in the same order (seed %i)',
    async (seed) => {
      const random = seeded(seed);
      const prefix = `sqo-${process.pid}-${Date.now()}-${seed}:queue:`;
      const local = new FairOrder<null>();
      const waiting: string[] = [];
      let jobs = 0;
      let tickets = 0;
      let starts = 0;
      for (let step = 0; step < 300; step++) {
        const roll = random();
        if (roll < 0.5 || waiting.length === 0) {
          // Few guilds and users, so that they empty, rejoin and collide often.
          const guildId = `g${Math.floor(random() * 4)}`;
          const userId = `u${Math.floor(random() * 3)}`;
          const id = `job${jobs++}`;
          local.push({ id, guildId, userId, value: null });
          waiting.push(id);
          const json = JSON.stringify({ id });
          const [outcome] = (await run(
            prefix,
            'enqueue',
            id,
            guildId,
            userId,
            json,
            1,
            Date.now() + 600_000,
            1_000,
            1_000,
          )) as [string];
          expect(outcome).toBe('queued');
        } else if (roll < 0.88) {
          const expected = local.shift()?.id;
          const [what, taken] = (await take(prefix, `t${tickets++}`)) as [string, string?];
          expect(what).toBe('job');
          expect(taken).toBe(expected);
          waiting.splice(waiting.indexOf(taken ?? ''), 1);
          await run(prefix, 'finish', taken ?? '');
          starts++;
        } else {
          const id = waiting.splice(Math.floor(random() * waiting.length), 1)[0] ?? '';
          local.remove(id);
          const [where] = (await run(prefix, 'withdraw', id)) as [string];
          expect(where).toBe('waiting');
        }
        const order = orderOfSnapshot((await run(prefix, 'order', 1_000)) as unknown[]);
        expect(order).toEqual(local.ids());
      }
      // Drain what is left: the same order to the end.
      for (let entry = local.shift(); entry !== undefined; entry = local.shift()) {
        const [, taken] = (await take(prefix, `t${tickets++}`)) as [string, string?];
        expect(taken).toBe(entry.id);
        await run(prefix, 'finish', taken ?? '');
        starts++;
      }
      expect(await take(prefix, `t${tickets}`)).toEqual(['none']);
      expect(starts).toBeGreaterThan(100);
      const leftovers = await client.keys(`${prefix}*`);
      if (leftovers.length > 0) await client.del(leftovers);
    },
  );
});
