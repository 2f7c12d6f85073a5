/**
 * One contract, three stores: memory, SQLite (a real file) and Redis (real server). Every case
 * runs against each, the way keyv's adapters share one suite, so the keyed-lock ledger and the
 * Lua ledger are proven to agree.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isUserError } from '#core/errors.js';
import { usedOf } from '#core/quota/counter.js';
import { createQuotas } from '#core/quota/quota-service.js';
import type { QuotaLedger } from '#core/quota/ledger.js';
import type { QuotaHold } from '#core/quota/types.js';
import type { ImageRequest } from '#core/request.js';
import { openStore, type Store, type StoreOptions } from '#store/open-store.js';
import { createResultArchive } from '#store/results.js';
import { describeRedis, redisUrl } from '#test/support/redis.js';
import { makeTempDir } from '#test/support/tmp.js';

const now = Date.parse('2026-11-26T12:00:00Z');
const later = now + 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Long enough that the read just after a write still finds the record on a loaded machine (40 ms
 * did not, with the whole suite running on two cores), short enough to wait out.
 */
const briefTtlMs = 400;
const pastBriefTtl = () => sleep(briefTtlMs + 50);
const request: ImageRequest = {
  prompt: 'a red fox',
  model: 'gpt-image-1.5',
  size: '1024x1024',
  count: 1,
};

type OpenFresh = (options?: StoreOptions) => Promise<Store>;

const applied = async (ledger: QuotaLedger, ...args: Parameters<QuotaLedger['commit']>) =>
  (await ledger.commit(...args)).applied;

const storeContract = (name: string, openFresh: OpenFresh) => {
  describe(`${name} store`, () => {
    const opened: Store[] = [];
    const open = async (options?: StoreOptions) => {
      const store = await openFresh(options);
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    describe('kv', () => {
      it('round-trips a JSON record and forgets it after its TTL', async () => {
        const { kv } = await open();
        await kv.set('forever', { a: [1, 2], b: 'x' });
        await kv.set('brief', 'soon gone', briefTtlMs);
        expect(await kv.get('forever')).toEqual({ a: [1, 2], b: 'x' });
        expect(await kv.get('brief')).toBe('soon gone');
        await pastBriefTtl();
        expect(await kv.get('brief')).toBeUndefined();
      });

      it('keeps a delivered result under its platform message until it expires', async () => {
        const archive = createResultArchive((await open()).kv);
        await archive.save('discord', '1234', request);
        await archive.save('slack', '1234', { ...request, prompt: 'other' }, briefTtlMs);
        expect(await archive.load('discord', '1234')).toEqual(request);
        expect(await archive.load('slack', '1234')).toMatchObject({ prompt: 'other' });
        expect(await archive.load('discord', '9999')).toBeUndefined();
        await pastBriefTtl();
        expect(await archive.load('slack', '1234')).toBeUndefined();
        expect(await archive.load('discord', '1234')).toEqual(request);
      });
    });

    describe('ledger', () => {
      const hold = (images: number, expiresAt = later) => ({ images, expiresAt });

      it('admits holds up to the limit and refuses the rest, naming the full counter', async () => {
        const { ledger } = await open();
        const counters = [{ key: 'g', limit: 3 }];
        expect(await ledger.reserve(counters, 'a', hold(2), now)).toEqual({ admitted: true });
        expect(await ledger.reserve(counters, 'b', hold(1), now)).toEqual({ admitted: true });
        const refused = await ledger.reserve(counters, 'c', hold(1), now);
        expect(refused).toMatchObject({ admitted: false, refused: 0 });
        expect(refused.admitted === false && usedOf(refused.record)).toBe(3);
      });

      it('reserves on every counter or on none', async () => {
        const { ledger } = await open();
        await ledger.reserve([{ key: 'user', limit: 1 }], 'first', hold(1), now);
        const outcome = await ledger.reserve(
          [
            { key: 'guild', limit: 10 },
            { key: 'user', limit: 1 },
          ],
          'second',
          hold(1),
          now,
        );
        expect(outcome).toMatchObject({ admitted: false, refused: 1 });
        const [guild] = await ledger.read(['guild'], now);
        expect(usedOf(guild!)).toBe(0);
      });

      it('treats null as unlimited', async () => {
        const { ledger } = await open();
        const outcome = await ledger.reserve([{ key: 'g', limit: null }], 'a', hold(10_000), now);
        expect(outcome.admitted).toBe(true);
      });

      it('does not count a retried reserve of the same job twice', async () => {
        const { ledger } = await open();
        const counters = [{ key: 'g', limit: 2 }];
        await ledger.reserve(counters, 'job', hold(2), now);
        expect((await ledger.reserve(counters, 'job', hold(2), now)).admitted).toBe(true);
        const [record] = await ledger.read(['g'], now);
        expect(usedOf(record!)).toBe(2);
      });

      it('reports the state of every counter after settling, held or not', async () => {
        const { ledger } = await open();
        await ledger.reserve([{ key: 'g', limit: 5 }], 'job', hold(3), now);
        await ledger.reserve([{ key: 'g', limit: 5 }], 'other', hold(1), now);
        const outcome = await ledger.commit(
          { jobId: 'job', counters: ['g', 'absent'], images: 3 },
          now,
        );
        expect(outcome).toEqual({
          applied: true,
          counters: [
            { committed: 3, granted: 0, holds: { other: { images: 1, expiresAt: later } } },
            { committed: 0, granted: 0, holds: {} },
          ],
        });
      });

      it('checks budgets in the same step without holding on them', async () => {
        const { ledger } = await open();
        const counters = [{ key: 'g', limit: 5 }];
        await ledger.reserve([{ key: 'tokens', limit: null }], 'spend', hold(1), now);
        await ledger.commit({ jobId: 'spend', counters: ['tokens'], images: 100 }, now);
        const open100 = [{ key: 'tokens', limit: 101 }];
        expect(await ledger.reserve(counters, 'a', hold(1), now, open100)).toEqual({
          admitted: true,
        });
        const spent = await ledger.reserve(counters, 'b', hold(1), now, [
          { key: 'tokens', limit: 100 },
        ]);
        expect(spent).toMatchObject({ admitted: false, refused: 1 });
        expect(spent.admitted === false && spent.record.committed).toBe(100);
        const [tokens, guild] = await ledger.read(['tokens', 'g'], now);
        expect(tokens!.holds).toEqual({});
        expect(usedOf(guild!)).toBe(1);
      });

      it('commits a hold into committed exactly once', async () => {
        const { ledger } = await open();
        await ledger.reserve([{ key: 'g', limit: 5 }], 'job', hold(3), now);
        const commitment = { jobId: 'job', counters: ['g', 'g-previous'], images: 2 };
        expect(await applied(ledger, commitment, now)).toBe(true);
        expect(await applied(ledger, commitment, now)).toBe(false);
        const [record] = await ledger.read(['g'], now);
        expect(record).toEqual({ committed: 2, granted: 0, holds: {} });
      });

      it('spends nothing when committing after a refund, and refunds nothing after a commit', async () => {
        const { ledger } = await open();
        await ledger.reserve([{ key: 'g', limit: 5 }], 'refunded', hold(1), now);
        await ledger.reserve([{ key: 'g', limit: 5 }], 'spent', hold(1), now);
        expect(await ledger.refund(['g'], 'refunded', now)).toBe(true);
        expect(await ledger.refund(['g'], 'refunded', now)).toBe(false);
        expect(await applied(ledger, { jobId: 'refunded', counters: ['g'], images: 1 }, now)).toBe(
          false,
        );
        expect(await applied(ledger, { jobId: 'spent', counters: ['g'], images: 1 }, now)).toBe(
          true,
        );
        expect(await ledger.refund(['g'], 'spent', now)).toBe(false);
        const [record] = await ledger.read(['g'], now);
        expect(record).toEqual({ committed: 1, granted: 0, holds: {} });
      });

      it('meters and enrols only when a hold was committed', async () => {
        const { ledger } = await open();
        await ledger.reserve([{ key: 'g', limit: 5 }], 'job', hold(1), now);
        const commitment = {
          jobId: 'job',
          counters: ['g'],
          images: 1,
          meter: { key: 'tokens', amount: 1200 },
          enrol: { key: 'active', member: 'u1' },
        };
        expect(await ledger.commit(commitment, now)).toEqual({
          applied: true,
          counters: [{ committed: 1, granted: 0, holds: {} }],
          meter: { committed: 1200, granted: 0, holds: {} },
        });
        await ledger.commit(commitment, now);
        await ledger.commit(
          { ...commitment, jobId: 'never-held', enrol: { key: 'active', member: 'u2' } },
          now,
        );
        const [tokens] = await ledger.read(['tokens'], now);
        expect(tokens!.committed).toBe(1200);
        expect(await ledger.readMaps(['active'])).toEqual([{ u1: 1 }]);
      });

      it('holds each counter its own amount, and commits spend counters at the actual cost', async () => {
        const { ledger } = await open();
        const counters = (amount: number) => [
          { key: 'g', limit: 5 },
          { key: 'spend', limit: 100_000, amount },
        ];
        expect(await ledger.reserve(counters(60_000), 'a', hold(1), now)).toEqual({
          admitted: true,
        });
        const refused = await ledger.reserve(counters(60_000), 'b', hold(1), now);
        expect(refused).toMatchObject({ admitted: false, refused: 1 });
        expect(refused.admitted === false && refused.record.holds).toEqual({
          a: { images: 60_000, expiresAt: later },
        });

        const outcome = await ledger.commit(
          {
            jobId: 'a',
            counters: ['g'],
            images: 1,
            spend: { counters: ['spend', 'spend-before'], amount: 42_000 },
          },
          now,
        );
        expect(outcome).toEqual({
          applied: true,
          counters: [{ committed: 1, granted: 0, holds: {} }],
          spend: [
            { committed: 42_000, granted: 0, holds: {} },
            { committed: 0, granted: 0, holds: {} },
          ],
        });
        // The committed cost, not the estimate, now counts against the budget.
        expect((await ledger.reserve(counters(58_000), 'b', hold(1), now)).admitted).toBe(true);
        expect(await ledger.refund(['g', 'spend'], 'b', now)).toBe(true);
        expect(await ledger.read(['g', 'spend'], now)).toEqual([
          { committed: 1, granted: 0, holds: {} },
          { committed: 42_000, granted: 0, holds: {} },
        ]);
      });

      it('tallies a day by member only when a hold was committed', async () => {
        const { ledger } = await open();
        const commit = (jobId: string, member: string, images: number, micros: number) =>
          ledger.commit(
            { jobId, counters: ['g'], images, tally: { key: 'day', member, images, micros } },
            now,
          );
        for (const job of ['one', 'two', 'three'])
          await ledger.reserve([{ key: 'g', limit: null }], job, hold(2), now);
        await commit('one', 'u1', 2, 32_000);
        await commit('one', 'u1', 2, 32_000);
        await commit('two', 'u1', 1, 16_000);
        await commit('three', 'u2', 2, 5_000);
        await commit('never-held', 'u3', 4, 1);
        expect(await ledger.readMaps(['day'])).toEqual([
          { u1: { images: 3, micros: 48_000 }, u2: { images: 2, micros: 5_000 } },
        ]);
      });

      it('stops counting a hold at its expiry, so a crashed job frees its images', async () => {
        const { ledger } = await open();
        const counters = [{ key: 'g', limit: 2 }];
        await ledger.reserve(counters, 'crashed', hold(2, now + 1_000), now);
        expect((await ledger.reserve(counters, 'blocked', hold(1), now + 999)).admitted).toBe(
          false,
        );
        const [expired] = await ledger.read(['g'], now + 1_000);
        expect(usedOf(expired!)).toBe(0);
        expect((await ledger.reserve(counters, 'next', hold(2), now + 1_000)).admitted).toBe(true);
        expect(
          await applied(ledger, { jobId: 'crashed', counters: ['g'], images: 2 }, now + 1_000),
        ).toBe(false);
      });

      it('raises the ceiling with a grant; a reset clears committed but keeps holds and grants', async () => {
        const { ledger } = await open();
        const counters = [{ key: 'u', limit: 1 }];
        await ledger.reserve(counters, 'spent', hold(1), now);
        await ledger.commit({ jobId: 'spent', counters: ['u'], images: 1 }, now);
        expect((await ledger.reserve(counters, 'refused', hold(1), now)).admitted).toBe(false);
        await ledger.grant('u', 2, now);
        expect((await ledger.reserve(counters, 'granted', hold(2), now)).admitted).toBe(true);
        await ledger.reset(['u', 'never-written'], now);
        expect(await ledger.read(['u', 'never-written'], now)).toEqual([
          { committed: 0, granted: 2, holds: { granted: { images: 2, expiresAt: later } } },
          { committed: 0, granted: 0, holds: {} },
        ]);
      });

      it('sets and removes single fields of a map, reading {} when absent', async () => {
        const { ledger } = await open();
        await ledger.setField('settings', 'guild', { limit: null, period: 'week' });
        await ledger.setField('settings', 'user:1', { limit: 3, period: 'day' });
        await ledger.setField('settings', 'user:1', undefined);
        expect(await ledger.readMaps(['settings', 'absent'])).toEqual([
          { guild: { limit: null, period: 'week' } },
          {},
        ]);
      });

      it('drops counters after the retention period', async () => {
        const { ledger } = await open({ retentionMs: 40 });
        await ledger.reserve(
          [{ key: 'g', limit: 5 }],
          'job',
          hold(1, Date.now() + 60_000),
          Date.now(),
        );
        await sleep(80);
        expect(await ledger.read(['g'], Date.now())).toEqual([
          { committed: 0, granted: 0, holds: {} },
        ]);
      });
    });

    describe('intake', () => {
      it('admits each id once among concurrent arrivals, and again once its window passed', async () => {
        const { intake } = await open();
        const arrivals = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            intake.firstTime(index % 2 === 0 ? 'Ev0001' : 'Ev0002', briefTtlMs),
          ),
        );
        expect(arrivals.filter(Boolean)).toHaveLength(2);
        expect(await intake.firstTime('Ev0001', briefTtlMs)).toBe(false);
        await pastBriefTtl();
        expect(await intake.firstTime('Ev0001', briefTtlMs)).toBe(true);
      });
    });

    it('admits exactly 50 of 200 concurrent reserves against a limit of 50', async () => {
      const quotas = createQuotas({
        ledger: (await open()).ledger,
        defaults: { guildLimit: 50, userLimit: 20, period: 'day', guildTokenBudget: null },
      });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, (_, index) =>
          quotas.reserve(
            {
              jobId: `job-${index}`,
              guildId: 'g',
              userId: `u${index % 8}`,
              images: 1,
              expiresAt: later,
            },
            now,
          ),
        ),
      );
      const admitted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
      const refusals = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' ? [outcome.reason] : [],
      );
      expect(admitted).toBe(50);
      expect(
        refusals.every((reason) => isUserError(reason) && reason.identifier === 'quotaExceeded'),
      ).toBe(true);
      expect((await quotas.report('g', now)).guild.used).toBe(50);
    });
  });
};

storeContract('memory', (options) => openStore('memory://', options));

const sqliteDir = await makeTempDir('imagine-bot-store-');
let sqliteFiles = 0;
storeContract('SQLite', (options) =>
  openStore(`sqlite://${join(sqliteDir, `store-${++sqliteFiles}.sqlite`)}`, options),
);

describe('SQLite store across a restart', () => {
  it('keeps a reservation counting until its deadline and frees it after', async () => {
    const url = `sqlite://${join(sqliteDir, 'restart.sqlite')}`;
    const defaults = {
      guildLimit: 10,
      userLimit: 2,
      period: 'day' as const,
      guildTokenBudget: null,
    };
    const hold: QuotaHold = {
      jobId: 'j',
      guildId: 'g',
      userId: 'u',
      images: 2,
      expiresAt: now + 840_000,
    };
    const before = await openStore(url);
    await createQuotas({ ledger: before.ledger, defaults }).reserve(hold, now);
    // A crash: the process goes away between reserve and commit.
    await before.close();

    const after = await openStore(url);
    try {
      const quotas = createQuotas({ ledger: after.ledger, defaults });
      expect((await quotas.standing('g', 'u', now + 60_000)).user).toMatchObject({
        used: 2,
        remaining: 0,
      });
      await expect(
        quotas.reserve({ ...hold, jobId: 'k', images: 1, expiresAt: now + 900_000 }, now + 60_000),
      ).rejects.toMatchObject({ identifier: 'quotaExceeded' });
      expect((await quotas.standing('g', 'u', hold.expiresAt)).user).toMatchObject({
        used: 0,
        remaining: 2,
      });
      await quotas.reserve(
        { ...hold, jobId: 'k', expiresAt: hold.expiresAt + 840_000 },
        hold.expiresAt,
      );
    } finally {
      await after.close();
    }
  });
});

describeRedis('Redis store', () => {
  const runPrefix = `imagine-bot-test-contract-${process.pid}-${Date.now()}`;
  let namespaces = 0;
  const nextNamespace = () => `${runPrefix}-${++namespaces}`;

  afterAll(async () => {
    const client = createClient({ url: redisUrl });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  });

  storeContract('Redis', (options) =>
    openStore(redisUrl, { namespace: nextNamespace(), ...options }),
  );

  it('loads its script again after the server forgets it', async () => {
    const store = await openStore(redisUrl, { namespace: nextNamespace() });
    const client = createClient({ url: redisUrl });
    await client.connect();
    try {
      await store.ledger.reserve(
        [{ key: 'g', limit: 1 }],
        'before',
        { images: 1, expiresAt: later },
        now,
      );
      await client.scriptFlush();
      const outcome = await store.ledger.reserve(
        [{ key: 'g', limit: 1 }],
        'after',
        { images: 1, expiresAt: later },
        now,
      );
      expect(outcome).toMatchObject({ admitted: false, refused: 0 });
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('admits exactly 50 of 200 reserves raced by 4 processes, and stores 50', async () => {
    const namespace = nextNamespace();
    const workers = Array.from({ length: 4 }, (_, index) =>
      spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'test/support/quota-worker.ts',
          redisUrl,
          namespace,
          `w${index}`,
          '50',
          '50',
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      ),
    );
    const lines = workers.map((worker) =>
      createInterface({ input: worker.stdout! })[Symbol.asyncIterator](),
    );
    const nextLine = async (index: number) => String((await lines[index]!.next()).value);
    expect(await Promise.all(workers.map((_, index) => nextLine(index)))).toEqual(
      Array(4).fill('ready'),
    );
    for (const worker of workers) worker.stdin!.write('go\n');
    const reports = await Promise.all(workers.map((_, index) => nextLine(index)));
    const admitted = reports.map((line) => (JSON.parse(line) as { admitted: number }).admitted);
    expect(admitted.reduce((sum, count) => sum + count, 0)).toBe(50);

    const store = await openStore(redisUrl, { namespace });
    try {
      const quotas = createQuotas({
        ledger: store.ledger,
        defaults: { guildLimit: 50, userLimit: null, period: 'day', guildTokenBudget: null },
      });
      expect((await quotas.report('race')).guild).toMatchObject({ used: 50, remaining: 0 });
    } finally {
      await store.close();
    }
  }, 30_000);
});
