/**
 * Shared-queue benchmarks (issue 9): the queue every process shares on Redis (BullMQ tickets, the
 * fair order and the images window in `shared-queue.lua`), measured with real worker processes.
 *
 * The bench process holds the gateway cores (BOT_ROLE=gateway, which queue jobs and run none) and
 * the fake Images API; each worker is its own OS process (`support/queue-worker.ts`, BOT_ROLE=worker)
 * that reports every job's start and ending over IPC, stamped with the machine's monotonic clock.
 * Every run uses its own STORE_NAMESPACE on the real Redis and deletes its keys afterwards.
 *
 * - Throughput of 1, 2 and 4 workers against the fake API at a fixed latency, as a fraction of
 *   the ideal ceil(N / (workers × C)) × latency.
 * - An images-per-window cap below demand (a window shortened to a few seconds): the images the
 *   fake API saw start per window, over the cap, from its own record of arrivals.
 * - Enqueue-to-start at low load (one job at a time, zero upstream latency): the shared queue
 *   against the in-process fair queue.
 * - Fairness across processes: guild A's burst, then guild B's first job through another gateway.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once, setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClient } from '@keyv/redis';
import { Queue } from 'bullmq';
import type { Job, JobEvent, JobReporter } from '../src/core/jobs.js';
import { startFakeImagesApi, type FakeImagesApi } from '../test/fakes/images-api.js';
import {
  delivery,
  requester,
  smallRequest,
  wireService,
  type WiredService,
} from '../test/support/service-harness.js';
import type { QueueWorkerMessage, QueueWorkerOptions } from './support/queue-worker.js';
import type { BenchRow } from './types.js';

/** Loopback only: the bench never talks to anything but this machine. */
const redisUrl = 'redis://127.0.0.1:6379';
/** Jobs each worker process runs at once (QUEUE_CONCURRENCY). */
const concurrency = 8;
// Real generations take 10-60 s; a second keeps the run short while the fixed per-job work (about
// 20 ms of service and HTTP, the same in-process) stays a small part of each round.
const throughputLatencyMs = 1_000;
/** Rounds of workers × C jobs in each throughput run. */
const throughputRounds = 10;
// The real window is a minute; ten seconds keeps the run short while the time a worker takes to
// wake when the window frees stays a small part of it.
const capWindowMs = 10_000;
const capImagesPerWindow = 12;
/** Windows over which the cap's use is counted; demand lasts one window longer. */
const capWindows = 3;
const overheadSamples = 150;
const burstJobs = 500;
/** Long enough that none of A's first jobs ends before B's job is queued. */
const fairnessLatencyMs = 2_000;

const workerEntry = fileURLToPath(new URL('./support/queue-worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The machine's monotonic clock in ms; the workers stamp their events with the same one. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

const roomyQueue = {
  concurrency,
  maxPendingPerGuild: 100_000,
  maxPendingPerUser: 100_000,
  jobDeadlineMs: 600_000,
  shutdownGraceMs: 0,
};

const uniqueNamespace = (label: string) =>
  `bench-sq-${label}-${process.pid}-${Date.now().toString(36)}`;

/** Deletes every key of `namespace` (the store's, the queue's and BullMQ's). */
const deleteNamespace = async (namespace: string): Promise<number> => {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `${namespace}:*`, COUNT: 1_000 })) {
      const batch = ([] as string[]).concat(keys);
      if (batch.length > 0) deleted += await client.del(batch);
    }
  } finally {
    client.destroy();
  }
  return deleted;
};

/**
 * Holds every worker of `namespace` back while jobs are queued, through BullMQ's global pause of
 * the tickets (the shared queue's own Redis state is untouched), so that a measurement starts with
 * all its jobs waiting, as a burst that arrived at once; `resume` lets the workers go.
 */
const holdWorkers = async (namespace: string) => {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  const tickets = new Queue('jobs', { connection: client, prefix: `${namespace}:bull` });
  await tickets.pause();
  return {
    resume: () => tickets.resume(),
    close: async () => {
      await tickets.close();
      if (client.isOpen) client.destroy();
    },
  };
};

interface WorkerEvent {
  event: JobEvent['type'];
  jobId: string;
  guildId: string;
  at: number;
}

/** Worker processes and the events they report, in the order they arrive. */
class WorkerPool {
  readonly events: WorkerEvent[] = [];
  readonly #children: ChildProcess[] = [];
  #waiters: Array<{ done: () => boolean; resolve: () => void }> = [];

  static async start(count: number, options: QueueWorkerOptions): Promise<WorkerPool> {
    const pool = new WorkerPool();
    try {
      await Promise.all(Array.from({ length: count }, () => pool.#fork(options)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  async #fork(options: QueueWorkerOptions): Promise<void> {
    const child = fork(workerEntry, [JSON.stringify(options)], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#children.push(child);
    child.on('message', (message: QueueWorkerMessage) => {
      if (message.type !== 'event') return;
      this.events.push(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.done()) return true;
        waiter.resolve();
        return false;
      });
    });
    await new Promise<void>((resolve, reject) => {
      const exited = (code: number | null) =>
        reject(new Error(`a queue worker exited (code ${code}) before it was ready`));
      child.once('exit', exited);
      child.on('message', (message: QueueWorkerMessage) => {
        if (message.type !== 'ready') return;
        child.off('exit', exited);
        resolve();
      });
    });
  }

  count(type: JobEvent['type']): number {
    return this.events.filter((event) => event.event === type).length;
  }

  /** Resolves once `done` holds, checked on every event; rejects after `timeoutMs`. */
  async until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (done()) return;
    const reached = new Promise<void>((resolve) => this.#waiters.push({ done, resolve }));
    const timer = new AbortController();
    const timedOut = sleep(timeoutMs, undefined, { signal: timer.signal }).then(
      () => Promise.reject(new Error(`shared-queue bench: timed out waiting for ${what}`)),
      () => {},
    );
    await Promise.race([reached, timedOut]).finally(() => timer.abort());
  }

  /** Asks every worker to shut down (running jobs go back to the queue), killing any that hang. */
  async close(): Promise<void> {
    await Promise.all(
      this.#children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        if (child.connected) child.send('close');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Records when each job started and ended in this process (for cores that run jobs here). */
class TimingReporter implements JobReporter {
  readonly started = new Map<string, number>();
  readonly ended = new Map<string, JobEvent['type']>();
  readonly endedAt = new Map<string, number>();
  #waiters = new Map<string, () => void>();

  #count: { target: number; reached: () => void } | undefined;

  async report(job: Job, event: JobEvent): Promise<void> {
    if (event.type === 'started') this.started.set(job.id, monotonicMs());
    if (event.type === 'queued' || event.type === 'started' || event.type === 'partial') return;
    this.ended.set(job.id, event.type);
    this.endedAt.set(job.id, monotonicMs());
    this.#waiters.get(job.id)?.();
    if (this.#count !== undefined && this.ended.size >= this.#count.target) this.#count.reached();
  }

  /** Resolves once `count` jobs in all have ended here. */
  endings(count: number): Promise<void> {
    if (this.ended.size >= count) return Promise.resolve();
    return new Promise((resolve) => (this.#count = { target: count, reached: resolve }));
  }

  ending(jobId: string): Promise<void> {
    if (this.ended.has(jobId)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.set(jobId, resolve));
  }
}

/** A reporter for gateways: they only see `queued` before a worker takes the job. */
const quietReporter: JobReporter = { report: async () => {} };

const gatewayCore = (api: FakeImagesApi, namespace: string, rateWindowMs?: number) =>
  wireService(api.baseUrl, quietReporter, {
    storeUrl: redisUrl,
    storeNamespace: namespace,
    role: 'gateway',
    queue: roomyQueue,
    service: {
      positionIntervalMs: 1_500,
      ...(rateWindowMs !== undefined && { rateWindowMs }),
    },
  });

/** Runs `body` with a fresh namespace, a fake API and the given workers, and cleans all up. */
const withSharedQueue = async <T>(
  label: string,
  setup: {
    workers: number;
    latencyMs: number;
    imagesPerMinute?: number;
    rateWindowMs?: number;
    gateways?: number;
  },
  body: (parts: {
    namespace: string;
    api: FakeImagesApi;
    gateways: WiredService[];
    pool: WorkerPool;
  }) => Promise<T>,
): Promise<T> => {
  const namespace = uniqueNamespace(label);
  const api = await startFakeImagesApi({ latencyMs: setup.latencyMs });
  const gateways: WiredService[] = [];
  let pool: WorkerPool | undefined;
  try {
    for (let index = 0; index < (setup.gateways ?? 1); index++)
      gateways.push(await gatewayCore(api, namespace, setup.rateWindowMs));
    pool = await WorkerPool.start(setup.workers, {
      apiBaseUrl: api.baseUrl,
      storeUrl: redisUrl,
      storeNamespace: namespace,
      queue: { ...roomyQueue, imagesPerMinute: setup.imagesPerMinute ?? null },
      ...(setup.rateWindowMs !== undefined && { rateWindowMs: setup.rateWindowMs }),
    });
    return await body({ namespace, api, gateways, pool });
  } finally {
    await pool?.close();
    for (const gateway of gateways) await gateway.close();
    await api.close();
    await deleteNamespace(namespace);
  }
};

/**
 * Submits `count` jobs spread over 20 guilds of 5 users each, `inFlight` submissions at a time, as
 * many users' commands would arrive at once; returns their ids in submission order.
 */
const submitMany = async (
  gateway: WiredService,
  count: number,
  options: {
    inFlight?: number;
    guildOf?: (index: number) => string;
    userOf?: (index: number) => string;
    /**
     * One prompt for all by default: the fake API then serves one cached picture, rather than
     * encoding a PNG per request on its one thread, which would slow every round of the bench.
     */
    promptOf?: (index: number) => string;
  } = {},
): Promise<string[]> => {
  const {
    inFlight = 32,
    guildOf = (index) => `g${index % 20}`,
    userOf = (index) => `u${index % 100}`,
    promptOf = () => 'bench',
  } = options;
  const ids: string[] = [];
  let next = 0;
  const submitter = async () => {
    for (let index = next++; index < count; index = next++) {
      const { job } = await gateway.service.submit(
        smallRequest(promptOf(index)),
        requester(guildOf(index), userOf(index)),
        delivery,
      );
      ids[index] = job.id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, submitter));
  return ids;
};

const percentile = (values: readonly number[], fraction: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? NaN;
};

/** The machine's CPU times so far, summed over its cores (ms). */
const cpuTimes = () =>
  os.cpus().reduce(
    (sum, { times }) => ({
      idle: sum.idle + times.idle,
      all: sum.all + times.idle + times.user + times.sys + times.nice + times.irq,
    }),
    { idle: 0, all: 0 },
  );

/** The share of the machine's CPU time left idle since `since`. */
const idleSince = (since: ReturnType<typeof cpuTimes>) => {
  const now = cpuTimes();
  return (now.idle - since.idle) / Math.max(1, now.all - since.all);
};

const throughput = async (workers: number): Promise<BenchRow[]> => {
  const jobs = throughputRounds * workers * concurrency;
  const ideal = Math.ceil(jobs / (workers * concurrency)) * throughputLatencyMs;
  let queuedPerSecond = NaN;
  let jobTimeP50 = NaN;
  let idle = NaN;
  let cpuBefore = cpuTimes();
  const elapsed = await withSharedQueue(
    `throughput${workers}`,
    { workers, latencyMs: throughputLatencyMs },
    async ({ namespace, gateways: [gateway], pool }) => {
      if (gateway === undefined) throw new Error('no gateway');
      // One round first, so that every worker has its connections and code warm.
      await submitMany(gateway, workers * concurrency);
      await pool.until('the warm-up round', () => pool.count('completed') >= workers * concurrency);
      const before = pool.events.length;
      const held = await holdWorkers(namespace);
      let started: number;
      try {
        const queueing = monotonicMs();
        await submitMany(gateway, jobs);
        queuedPerSecond = jobs / ((monotonicMs() - queueing) / 1000);
        started = monotonicMs();
        cpuBefore = cpuTimes();
        await held.resume();
      } finally {
        await held.close();
      }
      const endings = () => pool.events.slice(before).filter((event) => event.event !== 'started');
      await pool.until('the measured jobs', () => endings().length >= jobs, ideal * 4 + 30_000);
      const measured = endings();
      idle = idleSince(cpuBefore);
      const failed = measured.filter((event) => event.event !== 'completed');
      if (failed.length > 0)
        throw new Error(`shared-queue throughput: ${failed.length} jobs did not complete`);
      // Each job's own time from its start to its ending, of which the fake API's latency is part.
      const startOf = new Map(
        pool.events
          .slice(before)
          .filter((event) => event.event === 'started')
          .map((event) => [event.jobId, event.at]),
      );
      jobTimeP50 = percentile(
        measured.map((event) => event.at - (startOf.get(event.jobId) ?? NaN)),
        0.5,
      );
      return Math.max(...measured.map((event) => event.at)) - started;
    },
  );
  const value = ideal / elapsed;
  const rows: BenchRow[] = [
    {
      name: `throughput, ${workers} worker process${workers > 1 ? 'es' : ''} × C=${concurrency}, fake API at ${throughputLatencyMs} ms (N=${jobs} queued up front; ${Math.round(elapsed)} ms for ideal ${ideal} ms; a job's own start to ending p50 ${Math.round(jobTimeP50)} ms; machine CPU idle ${Math.round(idle * 100)} %)`,
      value,
      unit: 'of ideal',
      target: '>= 0.95',
      pass: value >= 0.95,
    },
  ];
  if (workers === 4)
    rows.push({
      name: `same run: jobs queued by the one gateway core while the workers were held (32 submissions in flight)`,
      value: queuedPerSecond,
      unit: 'jobs/s',
    });
  return rows;
};

/** The same work through the in-process fair queue (memory store, BOT_ROLE=all) in this process. */
const inProcessThroughput = async (): Promise<BenchRow> => {
  const jobs = throughputRounds * concurrency;
  const ideal = throughputRounds * throughputLatencyMs;
  const api = await startFakeImagesApi({ latencyMs: throughputLatencyMs });
  const reporter = new TimingReporter();
  const core = await wireService(api.baseUrl, reporter, {
    queue: roomyQueue,
    service: { positionIntervalMs: 1_500 },
  });
  let elapsed: number;
  let jobTimeP50: number;
  let idle: number;
  try {
    await submitMany(core, concurrency);
    await reporter.endings(concurrency);
    const started = monotonicMs();
    const cpuBefore = cpuTimes();
    await submitMany(core, jobs);
    await reporter.endings(concurrency + jobs);
    elapsed = monotonicMs() - started;
    idle = idleSince(cpuBefore);
    jobTimeP50 = percentile(
      [...reporter.endedAt].map(([id, at]) => at - (reporter.started.get(id) ?? NaN)),
      0.5,
    );
    const failed = [...reporter.ended.values()].filter((type) => type !== 'completed');
    if (failed.length > 0) throw new Error(`in-process throughput: ${failed.length} jobs failed`);
  } finally {
    await core.close();
    await api.close();
  }
  return {
    name: `reference: in-process fair queue, one process × C=${concurrency}, same fake API (N=${jobs}; ${Math.round(elapsed)} ms for ideal ${ideal} ms; a job's own start to ending p50 ${Math.round(jobTimeP50)} ms; machine CPU idle ${Math.round(idle * 100)} %)`,
    value: ideal / elapsed,
    unit: 'of ideal',
  };
};

/** The most images in any window of `windowMs` (sliding, starting at each arrival). */
const busiestWindow = (starts: ReadonlyArray<{ at: number; images: number }>, windowMs: number) => {
  let most = 0;
  let inWindow = 0;
  let first = 0;
  for (const start of starts) {
    inWindow += start.images;
    while ((starts[first]?.at ?? Infinity) <= start.at - windowMs)
      inWindow -= starts[first++]!.images;
    most = Math.max(most, inWindow);
  }
  return most;
};

const imagesCap = async (): Promise<BenchRow[]> => {
  // QUEUE_IMAGES_PER_MINUTE counts over the window, shortened here to a few seconds.
  const imagesPerMinute = capImagesPerWindow;
  return withSharedQueue(
    'cap',
    { workers: 2, latencyMs: 250, imagesPerMinute, rateWindowMs: capWindowMs },
    async ({ namespace, api, gateways: [gateway], pool }) => {
      if (gateway === undefined) throw new Error('no gateway');
      // The queue's own log of starts (Redis time, kept for one window): read it often enough to
      // see every entry, for what the queue decided apart from when the upstream heard of it.
      const logged = new Map<string, number>();
      const reader = createClient({ url: redisUrl });
      reader.on('error', () => {});
      await reader.connect();
      const readLog = async () => {
        const entries = await reader.zRangeWithScores(`${namespace}:queue:starts`, 0, -1);
        for (const { value, score } of entries) logged.set(value, score);
      };
      const logReader = setInterval(() => void readLog().catch(() => {}), capWindowMs / 6);
      // The fake API's own record of when each request arrived: what an upstream counts.
      const arrivals: number[] = [];
      let watching = true;
      void (async () => {
        for (let count = 1; watching; count++) {
          await api.received(count);
          arrivals.push(monotonicMs());
        }
      })();
      const jobs = (capWindows + 1) * capImagesPerWindow;
      // Each prompt names its job, to match requests with the workers' starts.
      const ids = await submitMany(gateway, jobs, { promptOf: (index) => `bench ${index}` });
      await pool.until(
        'the capped jobs',
        () => pool.count('completed') >= jobs,
        (capWindows + 3) * capWindowMs + 30_000,
      );
      watching = false;
      clearInterval(logReader);
      await readLog();
      reader.destroy();
      const starts = api.requests.map((request, index) => ({
        at: arrivals[index] ?? Infinity,
        images: Number(request.body?.n ?? 1),
      }));
      // Every window position from the first arrival until demand ends (the last batch starts
      // about capWindows windows later): the mean is the images started per window.
      const first = starts[0]?.at ?? 0;
      const positions = Math.round(((capWindows - 1) * capWindowMs) / 10) + 1;
      let counted = 0;
      for (let step = 0; step < positions; step++) {
        const from = first + step * 10;
        for (const start of starts)
          if (start.at >= from && start.at < from + capWindowMs) counted += start.images;
      }
      const used = counted / positions / capImagesPerWindow;
      const busiest = busiestWindow(starts, capWindowMs) / capImagesPerWindow;
      const taken = [...logged].map(([entry, at]) => ({
        at,
        images: Number(entry.slice(entry.lastIndexOf(':') + 1)),
      }));
      taken.sort((a, b) => a.at - b.at);
      if (taken.length !== jobs)
        throw new Error(`images cap: read ${taken.length} of ${jobs} starts from the queue's log`);
      const busiestTaken = busiestWindow(taken, capWindowMs) / capImagesPerWindow;
      // How late each request reached the fake API after its worker took the job (the prompt
      // names the job): the window is counted when a job is taken, an upstream counts arrivals.
      const startOf = new Map(
        pool.events
          .filter((event) => event.event === 'started')
          .map((event) => [event.jobId, event.at]),
      );
      const lags = api.requests.map((request, index) => {
        const jobId = ids[Number(String(request.body?.prompt ?? '').replace('bench ', ''))] ?? '';
        return (arrivals[index] ?? NaN) - (startOf.get(jobId) ?? NaN);
      });
      const setting = `cap ${capImagesPerWindow} images per ${capWindowMs / 1000} s window, 2 workers × C=${concurrency}, ${jobs} jobs queued`;
      return [
        {
          name: `images cap: images started per window over the cap, mean of every sliding window over ${capWindows} windows from the first arrival at the fake API (${setting})`,
          value: used,
          unit: 'of cap',
          target: '>= 0.95',
          pass: used >= 0.95,
        },
        {
          name: `images cap: busiest sliding window as the fake API saw it, over the cap (same run)`,
          value: busiest,
          unit: 'of cap',
          target: '<= 1',
          pass: busiest <= 1,
        },
        {
          name: `images cap: busiest sliding window of the queue's own log of starts (Redis time), over the cap (same run)`,
          value: busiestTaken,
          unit: 'of cap',
          target: '<= 1',
          pass: busiestTaken <= 1,
        },
        {
          name: `same run: delay from a worker's 'started' to the request's arrival at the fake API, p50 ${percentile(lags, 0.5).toFixed(1)} ms; max`,
          value: Math.max(...lags),
          unit: 'ms',
        },
      ];
    },
  );
};

/** Submits one job at a time, each after the last ended; returns submit-to-start times in ms. */
const spacedStarts = async (
  samples: number,
  submit: () => Promise<string>,
  startedAt: (jobId: string) => Promise<number>,
): Promise<number[]> => {
  const delays: number[] = [];
  for (let index = 0; index < samples; index++) {
    const submitted = monotonicMs();
    const jobId = await submit();
    delays.push((await startedAt(jobId)) - submitted);
    await sleep(10);
  }
  return delays;
};

const overheadRows = (label: string, delays: readonly number[], note = ''): BenchRow[] => [
  {
    name: `submit() to 'started', ${label}, one job at a time, zero-latency fake API: p50${note}`,
    value: percentile(delays, 0.5),
    unit: 'ms',
  },
  {
    name: `submit() to 'started', ${label}: p99`,
    value: percentile(delays, 0.99),
    unit: 'ms',
  },
];

const enqueueToStart = async (): Promise<BenchRow[]> => {
  // The in-process fair queue (memory store, BOT_ROLE=all).
  const api = await startFakeImagesApi({ latencyMs: 0 });
  const reporter = new TimingReporter();
  const local = await wireService(api.baseUrl, reporter, {
    queue: roomyQueue,
    service: { positionIntervalMs: 1_500 },
  });
  let inProcess: number[];
  try {
    const submit = async () =>
      (await local.service.submit(smallRequest('bench'), requester('g1', 'u1'), delivery)).job.id;
    const startedAt = async (jobId: string) => {
      await reporter.ending(jobId);
      return reporter.started.get(jobId) ?? NaN;
    };
    await spacedStarts(20, submit, startedAt);
    inProcess = await spacedStarts(overheadSamples, submit, startedAt);
  } finally {
    await local.close();
    await api.close();
  }

  // The shared queue: a gateway here, one worker process.
  const shared = await withSharedQueue(
    'overhead',
    { workers: 1, latencyMs: 0 },
    async ({ gateways: [gateway], pool }) => {
      if (gateway === undefined) throw new Error('no gateway');
      const submit = async () =>
        (await gateway.service.submit(smallRequest('bench'), requester('g1', 'u1'), delivery)).job
          .id;
      const startedAt = async (jobId: string) => {
        const ended = (event: WorkerEvent) => event.jobId === jobId && event.event !== 'started';
        await pool.until(`job ${jobId}`, () => pool.events.some(ended));
        return (
          pool.events.find((event) => event.jobId === jobId && event.event === 'started')?.at ?? NaN
        );
      };
      await spacedStarts(20, submit, startedAt);
      return spacedStarts(overheadSamples, submit, startedAt);
    },
  );
  return [
    ...overheadRows(
      'in-process fair queue (memory store, role all)',
      inProcess,
      ` (n=${overheadSamples})`,
    ),
    ...overheadRows(
      'shared queue, gateway here → 1 worker process',
      shared,
      ` (n=${overheadSamples})`,
    ),
  ];
};

const fairnessAcrossProcesses = async (): Promise<BenchRow[]> => {
  const workers = 2;
  const total = workers * concurrency;
  return withSharedQueue(
    'fairness',
    { workers, latencyMs: fairnessLatencyMs, gateways: 2 },
    async ({ namespace, gateways: [gatewayA, gatewayB], pool }) => {
      if (gatewayA === undefined || gatewayB === undefined) throw new Error('no gateways');
      // A's burst arrives at once, as in the in-process fairness bench: queued while the workers
      // are held, then they fill every slot with A's jobs before B's one arrives elsewhere.
      const held = await holdWorkers(namespace);
      try {
        await submitMany(gatewayA, burstJobs, { guildOf: () => 'A', userOf: () => 'a' });
        await held.resume();
      } finally {
        await held.close();
      }
      await pool.until("A's first jobs", () => pool.count('started') >= total);
      const startedBeforeB = pool.count('started');
      const { job } = await gatewayB.service.submit(
        smallRequest('bench'),
        requester('B', 'b'),
        delivery,
      );
      await pool.until("guild B's first start", () =>
        pool.events.some((event) => event.jobId === job.id && event.event === 'started'),
      );
      const starts = pool.events
        .filter((event) => event.event === 'started')
        .sort((a, b) => a.at - b.at);
      const slot = starts.findIndex((event) => event.jobId === job.id) + 1;
      return [
        {
          name: `fairness across processes: slot of guild B's first start (another gateway) after A's burst of ${burstJobs} (2 workers × C=${concurrency})`,
          value: slot,
          unit: 'th start',
          target: `<= ${total + 1}`,
          pass: slot <= total + 1,
        },
        {
          name: `same run: A's starts before B's job was queued (fake API at ${fairnessLatencyMs} ms)`,
          value: startedBeforeB,
          unit: 'starts',
        },
      ];
    },
  );
};

/** The Redis server this bench runs against, for the record. */
export const describeRedis = async (): Promise<string> => {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
    return `Redis ${version} at 127.0.0.1:6379`;
  } finally {
    client.destroy();
  }
};

export async function benchSharedQueue(): Promise<BenchRow[]> {
  // The fake API waits on one closing signal per request in flight: up to 4 workers × C here.
  setMaxListeners(8 * concurrency);
  const rows: BenchRow[] = [];
  rows.push(await inProcessThroughput());
  for (const workers of [1, 2, 4]) rows.push(...(await throughput(workers)));
  rows.push(...(await imagesCap()));
  rows.push(...(await enqueueToStart()));
  rows.push(...(await fairnessAcrossProcesses()));
  return rows;
}
