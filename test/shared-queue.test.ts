/**
 * The queue that processes share on Redis, driven through the real service: gateways and workers
 * here are cores in one test process on one Redis namespace, so each test can look at every side
 * at once. That the same holds across OS processes is shown in test/multi-process.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it, vi } from 'vitest';
import { UserError } from '#core/errors.js';
import { startFakeImagesApi, type FakeImagesApiOptions } from './fakes/images-api.js';
import { RecordingReporter } from './support/recording-reporter.js';
import {
  delivery,
  requester,
  smallRequest,
  startHarness,
  wireService,
  type HarnessOptions,
  type WiredService,
} from './support/service-harness.js';
import { startPrivateRedis } from './support/private-redis.js';
import { describeRedis, redisUrl } from './support/redis.js';
import { parseExposition } from './support/scrape.js';
import { createPrometheusMetrics } from '../src/ops/prometheus.js';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

/** A fake upstream and a way to start cores on one fresh namespace of the shared Redis. */
const startWorld = async (api: FakeImagesApiOptions = {}) => {
  const upstream = await startFakeImagesApi(api);
  opened.push(upstream);
  const storeNamespace = `shared-queue-${randomBytes(6).toString('hex')}`;
  const reporter = new RecordingReporter();
  const core = async (
    role: 'all' | 'gateway' | 'worker',
    options: Omit<HarnessOptions, 'role'> = {},
  ): Promise<WiredService> => {
    const wired = await wireService(upstream.baseUrl, reporter, {
      storeUrl: redisUrl,
      storeNamespace,
      role,
      quota: { userLimit: 50 },
      ...options,
    });
    opened.push(wired);
    return wired;
  };
  return { upstream, reporter, core };
};

vi.setConfig({ testTimeout: 30_000 });

const identifierOf = (error: unknown) => (error instanceof UserError ? error.identifier : error);

describeRedis('the queue shared by processes on Redis', () => {
  it('runs a job a gateway queued in a worker, delivers it once and charges it once', async () => {
    const { reporter, core, upstream } = await startWorld({ latencyMs: 50 });
    const gateway = await core('gateway');
    await core('worker');
    const { job } = await gateway.service.submit(
      smallRequest('hello', 2),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'completed');
    await gateway.close();
    expect(reporter.typesOf(job.id).filter((type) => type === 'completed')).toHaveLength(1);
    expect(upstream.requests).toHaveLength(1);
    const again = await core('gateway');
    expect((await again.service.standing('g1', 'u1')).user.used).toBe(2);
  });

  it('keeps jobs no worker is running in Redis until a worker starts, in their fair order', async () => {
    const { reporter, core } = await startWorld();
    const gateway = await core('gateway');
    const first = await gateway.service.submit(smallRequest('a1'), requester('gA', 'u1'), delivery);
    const second = await gateway.service.submit(
      smallRequest('a2'),
      requester('gA', 'u1'),
      delivery,
    );
    const other = await gateway.service.submit(smallRequest('b1'), requester('gB', 'u2'), delivery);
    expect([first.position, second.position, other.position]).toEqual([1, 2, 2]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reporter.typesOf(first.job.id)).toEqual(['queued']);

    await core('worker', { queue: { concurrency: 1 } });
    await reporter.next(second.job.id, 'completed');
    const starts = reporter.recorded
      .filter(({ event }) => event.type === 'started')
      .map(({ job }) => job.request.prompt);
    expect(starts).toEqual(['a1', 'b1', 'a2']);
  });

  it('tells a waiting job its position as it moves, from the gateway that took it', async () => {
    const { reporter, core } = await startWorld({ latencyMs: 300 });
    const gateway = await core('gateway');
    await core('worker', { queue: { concurrency: 1 } });
    const jobs = [];
    for (const prompt of ['p1', 'p2', 'p3'])
      jobs.push(
        await gateway.service.submit(smallRequest(prompt), requester('g1', 'u1'), delivery),
      );
    const last = jobs[2]!.job.id;
    await reporter.next(last, 'completed');
    const positions = reporter
      .eventsOf(last)
      .flatMap((event) => (event.type === 'queued' ? [event.position] : []));
    expect(positions[0]).toBeGreaterThan(1);
    expect(positions.at(-1)).toBe(1);
    expect(reporter.typesOf(last).slice(-2)).toEqual(['started', 'completed']);
  });

  it('lets any process cancel a waiting job, refunded, and a job running in another process', async () => {
    const { reporter, core, upstream } = await startWorld({ latencyMs: 3_000 });
    const gateway = await core('gateway');
    const elsewhere = await core('gateway');
    await core('worker', { queue: { concurrency: 1 } });
    const running = await gateway.service.submit(
      smallRequest('run'),
      requester('g1', 'u1'),
      delivery,
    );
    const waiting = await gateway.service.submit(
      smallRequest('wait', 3),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(running.job.id, 'started');
    expect((await elsewhere.service.standing('g1', 'u1')).user.used).toBe(4);

    await elsewhere.service.cancel(waiting.job.id, { userId: 'u1', isAdmin: false });
    expect(await reporter.next(waiting.job.id, 'cancelled')).toEqual({
      type: 'cancelled',
      byUserId: 'u1',
    });
    const refusal = await elsewhere.service
      .cancel(running.job.id, { userId: 'stranger', isAdmin: false })
      .catch((error: unknown) => error);
    expect(identifierOf(refusal)).toBe('notAllowed');
    await elsewhere.service.cancel(running.job.id, { userId: 'mod', isAdmin: true });
    await reporter.next(running.job.id, 'cancelled');
    expect((await elsewhere.service.standing('g1', 'u1')).user.used).toBe(0);
    expect(upstream.requests.map((request) => request.body?.prompt)).toEqual(['run']);
    const gone = await elsewhere.service
      .cancel(waiting.job.id, { userId: 'u1', isAdmin: false })
      .catch((error: unknown) => error);
    expect(identifierOf(gone)).toBe('unknownJob');
  });

  it('counts pending jobs per user and per guild across gateways', async () => {
    const { core } = await startWorld();
    const queue = { maxPendingPerUser: 2, maxPendingPerGuild: 3 };
    const one = await core('gateway', { queue });
    const two = await core('gateway', { queue });
    await one.service.submit(smallRequest('1'), requester('g1', 'u1'), delivery);
    await two.service.submit(smallRequest('2'), requester('g1', 'u1'), delivery);
    const userRefusal = await one.service
      .submit(smallRequest('3'), requester('g1', 'u1'), delivery)
      .catch((error: unknown) => error);
    expect(identifierOf(userRefusal)).toBe('tooManyPendingForUser');
    await two.service.submit(smallRequest('4'), requester('g1', 'u2'), delivery);
    const guildRefusal = await one.service
      .submit(smallRequest('5'), requester('g1', 'u3'), delivery)
      .catch((error: unknown) => error);
    expect(identifierOf(guildRefusal)).toBe('tooManyPendingInGuild');
    // Refused requests hold nothing.
    expect((await one.service.standing('g1', 'u3')).user.used).toBe(0);
  });

  it('ends a waiting job at its deadline even with no worker running, refunded and told', async () => {
    const { reporter, core } = await startWorld();
    const gateway = await core('gateway', {
      queue: { jobDeadlineMs: 1_000, maxPendingPerUser: 1 },
    });
    const { job } = await gateway.service.submit(
      smallRequest('late'),
      requester('g1', 'u1'),
      delivery,
    );
    expect(await reporter.next(job.id, 'failed')).toEqual({
      type: 'failed',
      failure: { reason: 'deadline' },
    });
    expect((await gateway.service.standing('g1', 'u1')).user.used).toBe(0);
    // It no longer counts against the user's pending cap of one.
    await gateway.service.submit(smallRequest('next'), requester('g1', 'u1'), delivery);
  });

  it('puts a job back for another worker when its worker stops past the grace, charged once', async () => {
    const { reporter, core, upstream } = await startWorld({ latencyMs: 1_500 });
    const gateway = await core('gateway');
    const leaving = await core('worker', { queue: { shutdownGraceMs: 200 } });
    const { job } = await gateway.service.submit(
      smallRequest('moved'),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'started');
    await leaving.close();
    expect(reporter.typesOf(job.id)).toContain('suspended');

    await core('worker');
    await reporter.next(job.id, 'completed');
    expect(reporter.typesOf(job.id).filter((type) => type === 'completed')).toHaveLength(1);
    expect(upstream.requests).toHaveLength(2);
    expect((await gateway.service.standing('g1', 'u1')).user.used).toBe(1);
  });

  it("counts a job as waiting in its gateway's metrics only until a worker takes it", async () => {
    const { reporter, core } = await startWorld({ latencyMs: 200 });
    const { metrics, registry } = createPrometheusMetrics();
    const gateway = await core('gateway', { metrics });
    const waiting = async () =>
      parseExposition(await registry.metrics()).get('imagine_jobs_waiting') ?? 0;
    const jobs = [];
    for (const prompt of ['m1', 'm2', 'm3'])
      jobs.push(
        await gateway.service.submit(smallRequest(prompt), requester('g1', 'u1'), delivery),
      );
    expect(await waiting()).toBe(3);
    await core('worker');
    for (const { job } of jobs) await reporter.next(job.id, 'completed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await waiting()).toBe(0);
  });

  it('starts jobs in the same order as the in-process queue, for the same arrivals', async () => {
    const arrivals: Array<[guild: string, user: string]> = [
      ['gA', 'u1'],
      ['gA', 'u1'],
      ['gA', 'u1'],
      ['gA', 'u2'],
      ['gB', 'u3'],
      ['gA', 'u1'],
      ['gB', 'u3'],
      ['gC', 'u4'],
      ['gA', 'u2'],
      ['gB', 'u5'],
      ['gC', 'u4'],
      ['gA', 'u6'],
    ];
    const runIn = async (core: WiredService, reporter: RecordingReporter) => {
      const ids = [];
      for (const [index, [guild, user]] of arrivals.entries())
        ids.push(
          (await core.service.submit(smallRequest(`${index}`), requester(guild, user), delivery))
            .job.id,
        );
      for (const id of ids) await reporter.next(id, 'completed');
      return reporter.recorded
        .filter(({ event }) => event.type === 'started')
        .map(({ job }) => job.request.prompt);
    };

    const local = await startHarness({ queue: { concurrency: 1 }, api: { latencyMs: 60 } });
    opened.push(local);
    const expected = await runIn(local, local.reporter);

    const { reporter, core } = await startWorld({ latencyMs: 60 });
    await core('worker', { queue: { concurrency: 1 } });
    const gateway = await core('gateway');
    expect(await runIn(gateway, reporter)).toEqual(expected);
    expect(expected.slice(0, 4)).toEqual(['0', '4', '7', '3']);
  });

  it('rides out Redis hung for 30 s mid-job: delivered once, run once, a command meanwhile told to try again', async () => {
    const redis = await startPrivateRedis();
    opened.push({ close: () => redis.stop() });
    const { reporter, core, upstream } = await startWorld();
    // The job is still being generated when Redis comes back, so a worker's hold that lapsed during
    // the hang would hand it to the idle worker, which would run it a second time.
    upstream.failNext(1, { type: 'latency', ms: 50_000 });
    // A deadline past the hang: what is tested is the outage, not the deadline.
    const onRedis = { storeUrl: redis.url, queue: { jobDeadlineMs: 120_000, concurrency: 1 } };
    const gateway = await core('gateway', onRedis);
    await core('worker', onRedis);
    await core('worker', onRedis);
    const { job } = await gateway.service.submit(
      smallRequest('long'),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'started');
    // Into the job, when the worker's hold was last renewed a while ago.
    await new Promise((resolve) => setTimeout(resolve, 10_000));

    const hungAt = Date.now();
    redis.hang();
    const refusal = await gateway.service
      .submit(smallRequest('during'), requester('g1', 'u2'), delivery)
      .catch((error: unknown) => error);
    expect(identifierOf(refusal)).toBe('storeUnavailable');
    expect(Date.now() - hungAt).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() - hungAt)));
    redis.resume();

    await reporter.next(job.id, 'completed');
    // Long enough for the idle worker's stalled-job check to have handed the job over twice.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(reporter.typesOf(job.id).filter((type) => type === 'completed')).toHaveLength(1);
    expect(upstream.requests.map((request) => request.body?.prompt)).toEqual(['long']);
    expect((await gateway.service.standing('g1', 'u1')).user.used).toBe(1);
    expect((await gateway.service.standing('g1', 'u2')).user.used).toBe(0);
  }, 150_000);
});
