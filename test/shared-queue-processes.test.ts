/**
 * The shared queue's promises where they matter: across separate OS processes. Each worker is a
 * process of its own (test/support/queue-worker-process.ts) taking jobs from one Redis namespace;
 * this process runs the gateways that queue jobs and the fake Images API, which records when each
 * request arrived. Upstream arrivals are the truth: they are what the provider counts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createClient } from '@keyv/redis';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import { closeAfterEach } from './support/close-after-each.js';
import type { WorkerEvent, WorkerMessage, WorkerSettings } from './support/queue-worker-process.js';
import { RecordingReporter } from './support/recording-reporter.js';
import { describeRedis, redisUrl } from './support/redis.js';
import {
  delivery,
  requester,
  smallRequest,
  wireService,
  type WiredService,
} from './support/service-harness.js';

const closeLater = closeAfterEach();
const workerScript = fileURLToPath(new URL('./support/queue-worker-process.ts', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

let namespaces = 0;
const freshNamespace = () => `sqp-${process.pid}-${Date.now()}-${namespaces++}`;

interface Worker {
  name: string;
  child: ChildProcess;
}

/** Every event the worker processes of the current test reported, in the order they came. */
let events: WorkerEvent[] = [];

const stopWorker = async ({ child }: Worker): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
};

const startWorker = async (settings: WorkerSettings): Promise<Worker> => {
  const child = fork(workerScript, [JSON.stringify(settings)], {
    cwd: repo,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const worker = closeLater({ name: settings.name, child }, stopWorker);
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve();
      else if (message.type !== 'closed') events.push(message);
    });
    child.once('exit', (code) => reject(new Error(`worker ${settings.name} exited (${code})`)));
  });
  await ready;
  return worker;
};

interface Setup {
  workers: number;
  concurrency: number;
  queue?: Partial<Config['queue']>;
  rateWindowMs?: number;
  client?: WorkerSettings['client'];
  latencyMs?: number;
}

/** The fake API, `workers` worker processes and one gateway (more with `gateway()`), on a fresh namespace. */
const setUp = async (setup: Setup) => {
  events = [];
  const api: FakeImagesApi = closeLater(
    await startFakeImagesApi({ latencyMs: setup.latencyMs ?? 0 }),
    (fake) => fake.close(),
  );
  const storeNamespace = freshNamespace();
  const queue = { jobDeadlineMs: 90_000, ...setup.queue, concurrency: setup.concurrency };
  const service = {
    positionIntervalMs: 50,
    ...(setup.rateWindowMs !== undefined && { rateWindowMs: setup.rateWindowMs }),
  };
  const gateway = async (): Promise<WiredService> =>
    closeLater(
      await wireService(api.baseUrl, new RecordingReporter(), {
        storeUrl: redisUrl,
        storeNamespace,
        role: 'gateway',
        queue,
        service,
      }),
      (core) => core.close(),
    );
  // One after another: each loads the whole core through tsx, seconds apiece on a busy machine.
  const workers: Worker[] = [];
  for (let index = 0; index < setup.workers; index++)
    workers.push(
      await startWorker({
        name: `w${index}`,
        apiBaseUrl: api.baseUrl,
        storeUrl: redisUrl,
        storeNamespace,
        queue,
        service,
        ...(setup.client && { client: setup.client }),
      }),
    );
  return { api, workers, gateway, storeNamespace, first: await gateway() };
};

const waitFor = async (what: string, condition: () => boolean, timeoutMs: number) => {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const endedIds = () =>
  new Set(
    events
      .filter(({ type }) => type === 'completed' || type === 'failed' || type === 'cancelled')
      .map(({ jobId }) => jobId),
  );

const allEnded = (jobIds: readonly string[], timeoutMs: number) =>
  waitFor(
    `${jobIds.length} jobs to end`,
    () => {
      const ended = endedIds();
      return jobIds.every((id) => ended.has(id));
    },
    timeoutMs,
  );

const ofType = (type: WorkerEvent['type']) => events.filter((event) => event.type === type);

const imagesOf = (request: FakeImagesApi['requests'][number]) => Number(request.body?.n ?? 1);

/** The most images in any span of `spanMs` that begins at one of `moments`. */
const busiestSpan = (moments: ReadonlyArray<{ at: number; images: number }>, spanMs: number) =>
  Math.max(
    ...moments.map(({ at }) =>
      moments
        .filter((other) => other.at >= at && other.at < at + spanMs)
        .reduce((sum, other) => sum + other.images, 0),
    ),
  );

describeRedis('the shared queue across worker processes', () => {
  it('holds the images-per-window cap across three worker processes, and fills it', async () => {
    const cap = 6;
    const windowMs = 2_000;
    const { api, first, storeNamespace } = await setUp({
      workers: 3,
      concurrency: 2,
      queue: { imagesPerMinute: cap },
      rateWindowMs: windowMs,
      latencyMs: 100,
    });
    // The window's own record of each start ("<job id>:<images>" -> Redis time: when the worker
    // took the job, then when it sent the request, which is what the window counts), read often
    // enough that nothing slides out of it unseen: an entry stays at least a window long.
    const ledger = new Map<string, number>();
    const redis = closeLater(createClient({ url: redisUrl }), (client) => client.close());
    await redis.connect();
    const readLedger = async () => {
      for (const { value, score } of await redis.zRangeWithScores(
        `${storeNamespace}:queue:starts`,
        0,
        -1,
      ))
        ledger.set(value, score);
    };
    let reading = true;
    const reader = (async () => {
      while (reading) {
        await readLedger();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // 40 images, in an order that does not pack evenly into windows of 6.
    const counts = [3, 1, 2, 2, 3, 1, 1, 3, 2, 3, 2, 1, 3, 3, 1, 2, 2, 3, 1, 1];
    const jobIds: string[] = [];
    for (const [index, count] of counts.entries())
      jobIds.push(
        (
          await first.service.submit(
            smallRequest(`job ${index}`, count),
            requester(`g${index % 4}`, `u${index}`),
            delivery,
          )
        ).job.id,
      );
    await allEnded(jobIds, 60_000);
    reading = false;
    await reader;
    await readLedger();

    expect(ofType('completed')).toHaveLength(counts.length);
    const requests = api.requests;
    expect(requests).toHaveLength(counts.length);
    const total = requests.reduce((sum, request) => sum + imagesOf(request), 0);
    expect(total).toBe(40);

    // Every job was counted once, with its images, before its request went upstream.
    const takes = [...ledger].map(([member, at]) => {
      const [jobId = '', images = ''] = member.split(':');
      return { jobId, at, images: Number(images) };
    });
    expect(takes.map(({ jobId }) => jobId).sort()).toEqual([...jobIds].sort());
    const startedEvents = ofType('started');
    const lags = requests.map((request) => {
      const prompt = String(request.body?.prompt);
      const jobId = startedEvents.find((event) => event.prompt === prompt)?.jobId;
      const take = takes.find((taken) => taken.jobId === jobId);
      expect(take?.images).toBe(imagesOf(request));
      return request.at - (take?.at ?? Number.NaN);
    });
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);

    // Which windows the jobs fill, taken in the fair order, which no job overtakes.
    const byTake = [...takes].sort((one, other) => one.at - other.at);
    let windows = 1;
    let filled = 0;
    for (const { images } of byTake) {
      if (filled + images > cap) {
        windows++;
        filled = 0;
      }
      filled += images;
    }
    const spanMs = (byTake.at(-1)?.at ?? 0) - (byTake[0]?.at ?? 0);
    const arrivals = requests.map((request) => ({ at: request.at, images: imagesOf(request) }));
    const busiestTaken = busiestSpan(takes, windowMs);
    const busiestArriving = busiestSpan(arrivals, windowMs);
    // Requests trail their takes by a lag that varies (tens of ms, hundreds on a busy machine), so
    // upstream a span shorter than the window by that variation can see no more than the cap.
    const lagSpreadMs = Math.max(...lags) - Math.min(...lags);
    const narrowMs = windowMs - lagSpreadMs;
    const busiestArrivingNarrow = busiestSpan(arrivals, narrowMs);
    const workersUsed = new Set(startedEvents.map(({ worker }) => worker));
    // eslint-disable-next-line no-console -- the numbers behind the verdict, for whoever reads the run
    console.info(
      `cap ${cap}/${windowMs} ms: ${total} images in ${requests.length} jobs, taken over ` +
        `${spanMs} ms, ${windows} windows' worth; most images taken in ${windowMs} ms: ` +
        `${busiestTaken}; arriving upstream: ${busiestArriving} in ${windowMs} ms, ` +
        `${busiestArrivingNarrow} in ${narrowMs} ms; take to arrival ` +
        `${Math.min(...lags)}..${Math.max(...lags)} ms; workers ${[...workersUsed].join(',')}`,
    );

    // The cap, exactly, on the times the window counted: no 2 s span took more than 6 images.
    expect(busiestTaken).toBeLessThanOrEqual(cap);
    // What the provider saw agrees, up to the variation in lag (a full 2 s span of arrivals can
    // hold more than 6 when early requests of one window were slow and the next window's fast).
    expect(lagSpreadMs).toBeLessThan(windowMs / 2);
    expect(busiestArrivingNarrow).toBeLessThanOrEqual(cap);
    // As fast as the cap allows: the last start (windows - 1) slides after the first, and not
    // much later. A window counts from when its oldest request was sent, which trails its take by
    // a worker's few milliseconds (a few hundred on a loaded machine) at each window's turn.
    expect(spanMs).toBeGreaterThanOrEqual((windows - 1) * windowMs);
    expect(spanMs).toBeLessThanOrEqual((windows - 1) * (windowMs + 250) + 1_500);
    expect(workersUsed.size).toBe(3);
  }, 90_000);

  it('pauses every worker process while the Images API asks one of them to wait after a 429', async () => {
    const retryAfterMs = 2_000;
    const { api, workers, first, storeNamespace } = await setUp({
      workers: 3,
      concurrency: 2,
      // One retry after the 429, when retry-after says.
      client: { maxRetries: 1 },
    });
    const redis = closeLater(createClient({ url: redisUrl }), (client) => client.close());
    await redis.connect();
    // Every answer takes 200 ms, except the 429, which comes at once (failNext replaces it). The
    // first six hold every slot for 1.5 s, so that the jobs are all queued, however slowly a busy
    // machine submits them, before the next request gets the 429.
    api.setFault({ type: 'latency', ms: 200 });
    api.failNext(6, { type: 'latency', ms: 1_500 });
    const jobIds: string[] = [];
    for (let index = 0; index < 60; index++)
      jobIds.push(
        (
          await first.service.submit(
            smallRequest(`job ${index}`),
            requester(`g${index % 5}`, `u${index}`),
            delivery,
          )
        ).job.id,
      );
    // Every worker busy before the 429 falls on the next request.
    await waitFor(
      'every worker to start jobs',
      () => new Set(ofType('started').map(({ worker }) => worker)).size === workers.length,
      10_000,
    );
    await api.received(6);
    api.failNext(1, { type: 'rateLimited', retryAfter: String(retryAfterMs / 1_000) });
    // When the pause was set, from BullMQ's limiter key as it counts down. The key also counts
    // ordinary takes for a second at a time (the worker's never-binding limiter): only a longer
    // life is the pause.
    let pauseSetAt = Number.POSITIVE_INFINITY;
    await waitFor(
      'the pause',
      () => {
        void redis.pTTL(`${storeNamespace}:bull:jobs:limiter`).then((left) => {
          if (left > 1_000) pauseSetAt = Math.min(pauseSetAt, Date.now() - (retryAfterMs - left));
        });
        return Number.isFinite(pauseSetAt);
      },
      10_000,
    );
    await allEnded(jobIds, 60_000);

    expect(ofType('completed')).toHaveLength(jobIds.length);
    const prompts = api.requests.map((request) => String(request.body?.prompt));
    // The request that got the 429 is the one whose job asked again.
    const limitedPrompt = prompts.find((prompt, index) => prompts.indexOf(prompt) !== index) ?? '';
    const limited = prompts.indexOf(limitedPrompt);
    expect(prompts.filter((prompt) => prompt === limitedPrompt)).toHaveLength(2);
    const limitedAt = api.requests[limited]?.at ?? Number.NaN;
    const retriedAt = api.requests.findLast(
      (request) => request.body?.prompt === limitedPrompt,
    )?.at;
    const pauseEnd = pauseSetAt + retryAfterMs;
    const startedAt = new Map(ofType('started').map(({ prompt, at }) => [prompt, at]));
    // A job reports 'started' within milliseconds of taking its ticket, but its report crosses a
    // process boundary; on a loaded machine that can take a few hundred milliseconds.
    const reportMs = 300;
    const startedDuring = ofType('started').filter(
      ({ at }) => at > pauseSetAt + reportMs && at < pauseEnd,
    );
    const arrivedDuring = api.requests.filter(({ at }) => at > pauseSetAt && at < pauseEnd);
    // Those were on their way already: taken before the pause, slow to reach the API.
    const newDuring = arrivedDuring.filter(
      (request) =>
        request.body?.prompt !== limitedPrompt &&
        (startedAt.get(String(request.body?.prompt)) ?? Number.NaN) > pauseSetAt + reportMs,
    );
    const startedAfter = ofType('started').filter(({ at }) => at >= pauseEnd);
    const firstNewAfter = Math.min(
      ...api.requests
        .filter(({ body }) => (startedAt.get(String(body?.prompt)) ?? 0) > pauseSetAt + reportMs)
        .map(({ at }) => at),
    );
    // eslint-disable-next-line no-console -- the numbers behind the verdict, for whoever reads the run
    console.info(
      `429 on request ${limited} (${limitedPrompt}); pause set ${pauseSetAt - limitedAt} ms after ` +
        `it; in the pause: ${startedDuring.length} started, ${arrivedDuring.length} arrived ` +
        `(${newDuring.length} of jobs started in it); first new request ${firstNewAfter - pauseSetAt} ms ` +
        `after the pause was set, the retry ${(retriedAt ?? 0) - limitedAt} ms after the 429; ` +
        `${startedAfter.length} started after it`,
    );

    expect(limited).toBeGreaterThan(0);
    expect(pauseSetAt).toBeGreaterThanOrEqual(limitedAt);
    expect(startedDuring).toEqual([]);
    expect(newDuring).toEqual([]);
    expect(firstNewAfter).toBeGreaterThanOrEqual(pauseEnd - 5);
    expect(retriedAt).toBeGreaterThanOrEqual(limitedAt + retryAfterMs);
    // The pause held back real work, in every process: most jobs were still waiting, and every
    // worker had taken jobs before it and took more after it.
    expect(startedAfter.length).toBeGreaterThanOrEqual(20);
    for (const { name } of workers) {
      expect(ofType('started').some(({ worker, at }) => worker === name && at <= limitedAt)).toBe(
        true,
      );
      expect(startedAfter.some(({ worker }) => worker === name)).toBe(true);
    }
  }, 90_000);

  it("starts a newcomer guild's first job, queued at another gateway, within C + 1 starts of a burst", async () => {
    const workerCount = 2;
    const concurrency = 2;
    const total = workerCount * concurrency;
    const { api, first, gateway } = await setUp({
      workers: workerCount,
      concurrency,
      latencyMs: 150,
    });
    const second = await gateway();
    // The first jobs hold every slot for 2 s, so the whole burst is queued behind them however
    // slowly a busy machine submits it; after them each request takes 150 ms.
    api.failNext(total, { type: 'latency', ms: 2_000 });
    const burst: string[] = [];
    for (let index = 0; index < 60; index++)
      burst.push(
        (await first.service.submit(smallRequest(`A/a/${index}`), requester('A', 'a'), delivery))
          .job.id,
      );
    // B arrives while every slot is held; D arrives later, while the slots turn over every 150 ms.
    const startsBeforeB = api.requests.length;
    const b = await second.service.submit(smallRequest('B/b/0'), requester('B', 'b'), delivery);
    await api.received(20);
    const startsBeforeD = api.requests.length;
    const d = await second.service.submit(smallRequest('D/d/0'), requester('D', 'd'), delivery);
    await allEnded([...burst, b.job.id, d.job.id], 60_000);

    const order = api.requests.map((request) => String(request.body?.prompt));
    const between = (prompt: string, before: number) => order.indexOf(prompt) - before;
    const burstAfter = (prompt: string) =>
      order.slice(order.indexOf(prompt) + 1).filter((other) => other.startsWith('A/')).length;
    // eslint-disable-next-line no-console -- the numbers behind the verdict, for whoever reads the run
    console.info(
      `${total} slots; B queued at position ${b.position} after ${startsBeforeB} starts, ` +
        `${between('B/b/0', startsBeforeB)} more before its own, ${burstAfter('B/b/0')} of A's after; ` +
        `D queued at position ${d.position} after ${startsBeforeD} starts, ` +
        `${between('D/d/0', startsBeforeD)} more before its own, ${burstAfter('D/d/0')} of A's after`,
    );

    expect(order).toHaveLength(62);
    for (const [prompt, before, submitted] of [
      ['B/b/0', startsBeforeB, b],
      ['D/d/0', startsBeforeD, d],
    ] as const) {
      // The backlog was real: much of the burst was still waiting behind the newcomer.
      expect(burstAfter(prompt)).toBeGreaterThanOrEqual(20);
      // Jobs already taken when it arrived may reach upstream first, at most one per slot.
      expect(between(prompt, before)).toBeGreaterThanOrEqual(0);
      expect(between(prompt, before)).toBeLessThanOrEqual(total);
      // Its gateway told it so: next in line, or started already.
      expect(submitted.position).toBeLessThanOrEqual(1);
    }
  }, 90_000);

  it('takes turns across the users of a guild, whichever worker process runs the jobs', async () => {
    const { api, first } = await setUp({ workers: 2, concurrency: 1 });
    // Both workers' only slots hang on a blocker each, so everything after is queued first.
    api.failNext(2, { type: 'hang' });
    const blockers = [];
    for (const user of ['x1', 'x2'])
      blockers.push(
        (await first.service.submit(smallRequest(`X/${user}`), requester('X', user), delivery)).job,
      );
    await api.received(2);
    const jobs: string[] = [];
    for (const [user, count] of [
      ['u1', 3],
      ['u2', 2],
      ['u3', 1],
    ] as const)
      for (let index = 0; index < count; index++)
        jobs.push(
          (
            await first.service.submit(
              smallRequest(`G/${user}/${index}`),
              requester('G', user),
              delivery,
            )
          ).job.id,
        );
    // Cancelled at the gateway, stopped in the worker process that runs it: its slot frees, and
    // every queued job runs there one after another, in the order the shared queue chose.
    const [freed, held] = blockers;
    await first.service.cancel(freed?.id ?? '', { userId: 'x1', isAdmin: false });
    await allEnded(jobs, 30_000);
    await first.service.cancel(held?.id ?? '', { userId: 'x2', isAdmin: false });
    await allEnded([freed?.id ?? '', held?.id ?? ''], 10_000);

    expect(
      ofType('cancelled')
        .map(({ prompt }) => prompt)
        .sort(),
    ).toEqual(['X/x1', 'X/x2']);
    expect(api.requests.slice(2).map((request) => String(request.body?.prompt))).toEqual([
      'G/u1/0',
      'G/u2/0',
      'G/u3/0',
      'G/u1/1',
      'G/u2/1',
      'G/u1/2',
    ]);
    // All in the one freed slot, in the worker process that ran the cancelled blocker.
    const ranBy = new Set(
      ofType('started')
        .filter(({ prompt }) => prompt.startsWith('G/'))
        .map(({ worker }) => worker),
    );
    const freedBy = ofType('started').find(({ prompt }) => prompt === 'X/x1')?.worker;
    expect([...ranBy]).toEqual([freedBy]);
  }, 60_000);
});
