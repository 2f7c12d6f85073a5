/**
 * Queue and service benchmarks (issue 3): throughput against the ideal C / L, scheduling overhead,
 * fairness under a burst, and memory with large images in flight.
 *
 * Two layers are measured. The scheduler alone (the fair queue on p-queue, each job a fixed-latency
 * stand-in for the upstream call) shows what the queue itself costs. The whole service (validation,
 * quota reserve and commit on the in-memory store, the real Images client over loopback HTTP to the
 * fake Images API in a child process, so its CPU is not ours) shows what a job costs end to end;
 * there the HTTP client and server, not the queue, set the pace, which the figures make visible.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setImmediate as yieldToEvents, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import PQueue from 'p-queue';
import type { Job, JobEvent, JobReporter } from '../src/core/jobs.js';
import { createFairQueue } from '../src/core/queue/fair-queue.js';
import type { QueueHandlers } from '../src/core/queue/types.js';
import type { Fault } from '../test/fakes/images-api.js';
import { delivery, requester, smallRequest, wireService } from '../test/support/service-harness.js';
import type { BenchRow } from './types.js';

const throughputJobs = 2_000;
const concurrency = 32;
const latencyMs = 50;
const burstJobs = 500;
const lateJobs = 5;
const bigImageBytes = 3 * 1024 * 1024;
const bigImagesInFlight = 64;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const fakeApiModule = pathToFileURL(
  fileURLToPath(new URL('../test/fakes/images-api.ts', import.meta.url)),
).href;

/** The fake Images API in its own process: its CPU and memory stay out of what is measured here. */
const startFakeApiProcess = async (options: { latencyMs: number; fault?: Fault }) => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      // The fake waits on one closing signal per pending request: up to C of them here.
      `(await import('node:events')).setMaxListeners(${concurrency * 4});
       const { startFakeImagesApi } = await import(process.argv[1]);
       const options = JSON.parse(process.argv[2]);
       const api = await startFakeImagesApi({ latencyMs: options.latencyMs });
       if (options.fault) api.setFault(options.fault);
       console.log(api.baseUrl);
       process.stdin.resume();
       process.stdin.on('end', () => api.close().then(() => process.exit(0)));`,
      fakeApiModule,
      JSON.stringify(options),
    ],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const failed = (code: number | null) =>
      reject(new Error(`the fake Images API process exited (code ${code}) before it was ready`));
    child.once('exit', failed);
    createInterface({ input: child.stdout }).once('line', (line) => {
      child.off('exit', failed);
      resolve(line);
    });
  });
  return {
    baseUrl,
    close: async () => {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
};

/** A real reporter that counts endings, and can hold completed images as an adapter uploading them would. */
class EndingCounter implements JobReporter {
  readonly failures: JobEvent[] = [];
  readonly held: JobEvent[] = [];
  #ended = 0;
  #target = 0;
  #reached: () => void = () => {};

  constructor(private readonly holdImages = false) {}

  /** Resolves once `count` more jobs have ended. */
  expect(count: number): Promise<void> {
    this.#target = this.#ended + count;
    return new Promise((resolve) => (this.#reached = resolve));
  }

  async report(_job: Job, event: JobEvent): Promise<void> {
    if (event.type === 'queued' || event.type === 'started' || event.type === 'partial') return;
    if (event.type === 'completed' && this.holdImages) this.held.push(event);
    if (event.type !== 'completed') this.failures.push(event);
    if (++this.#ended === this.#target) this.#reached();
  }
}

const benchJob = (index: number, guildId = `g${index % 20}`, userId = `u${index % 100}`): Job => ({
  id: `job-${guildId}-${index}`,
  request: smallRequest('bench'),
  requester: requester(guildId, userId),
  delivery,
  submittedAt: 0,
  deadlineAt: Number.MAX_SAFE_INTEGER,
});

/**
 * Runs `jobs` through the fair queue with `work` as each job's upstream call; returns elapsed ms.
 * `spread`: requests arrive as separate events, as in a real bot, so timers run between arrivals;
 * `burst`: all arrive before anything else happens.
 */
const runQueue = async (
  jobs: readonly Job[],
  work: (job: Job) => Promise<void>,
  options: { arrivals: 'spread' | 'burst'; onStart?: (job: Job) => void },
): Promise<number> => {
  let ended = 0;
  let allEnded: () => void = () => {};
  const finished = new Promise<void>((resolve) => (allEnded = resolve));
  const handlers: QueueHandlers = {
    run: async (job) => {
      options.onStart?.(job);
      await work(job);
      if (++ended === jobs.length) allEnded();
    },
    dropped: async () => {},
    moved: () => {},
  };
  const queue = createFairQueue({
    concurrency,
    imagesPerMinute: null,
    maxPendingPerGuild: Number.MAX_SAFE_INTEGER,
    maxPendingPerUser: Number.MAX_SAFE_INTEGER,
    handlers,
  });
  const started = performance.now();
  for (const [index, job] of jobs.entries()) {
    await queue.enqueue(job);
    if (options.arrivals === 'spread' && index % concurrency === concurrency - 1)
      await yieldToEvents();
  }
  await finished;
  const elapsed = performance.now() - started;
  await queue.close();
  return elapsed;
};

const ratioRow = (name: string, jobs: number, elapsedMs: number): BenchRow => {
  const value = jobs / (elapsedMs / 1000) / (concurrency / (latencyMs / 1000));
  return { name, value, unit: 'of ideal', target: '>= 0.97', pass: value >= 0.97 };
};

const queueThroughput = async (): Promise<BenchRow> => {
  const spread = { arrivals: 'spread' } as const;
  await runQueue(
    Array.from({ length: 200 }, (_, index) => benchJob(index)),
    () => sleep(latencyMs),
    spread,
  );
  const jobs = Array.from({ length: throughputJobs }, (_, index) => benchJob(index));
  const elapsed = await runQueue(jobs, () => sleep(latencyMs), spread);
  return ratioRow(
    `throughput, fair queue, fixed ${latencyMs} ms work (N=${throughputJobs}, C=${concurrency})`,
    throughputJobs,
    elapsed,
  );
};

/** The same work through plain p-queue (FIFO, no fairness, no gate): what the fair queue adds is the difference. */
const plainPQueueThroughput = async (): Promise<BenchRow> => {
  const queue = new PQueue({ concurrency });
  const started = performance.now();
  for (let index = 0; index < throughputJobs; index++) {
    void queue.add(() => sleep(latencyMs));
    if (index % concurrency === concurrency - 1) await yieldToEvents();
  }
  await queue.onIdle();
  const value =
    throughputJobs / ((performance.now() - started) / 1000) / (concurrency / (latencyMs / 1000));
  return {
    name: `reference: plain p-queue, same fixed ${latencyMs} ms work (timer and machine limit)`,
    value,
    unit: 'of ideal',
  };
};

const queueOverhead = async (): Promise<BenchRow> => {
  const nothing = async () => {};
  const burst = { arrivals: 'burst' } as const;
  await runQueue(
    Array.from({ length: 500 }, (_, index) => benchJob(index)),
    nothing,
    burst,
  );
  const elapsed = await runQueue(
    Array.from({ length: throughputJobs }, (_, index) => benchJob(index)),
    nothing,
    burst,
  );
  const value = elapsed / throughputJobs;
  return {
    name: `scheduling overhead per job, fair queue, zero-latency work (N=${throughputJobs})`,
    value,
    unit: 'ms',
    target: '< 1 ms',
    pass: value < 1,
  };
};

const fairness = async (): Promise<BenchRow> => {
  const order: string[] = [];
  const burst = Array.from({ length: burstJobs }, (_, index) => benchJob(index, 'A', 'a'));
  const late = Array.from({ length: lateJobs }, (_, index) => benchJob(index, 'B', 'b'));
  await runQueue([...burst, ...late], () => sleep(latencyMs), {
    arrivals: 'burst',
    onStart: (job) => order.push(job.requester.guildId),
  });
  const value = order.indexOf('B') + 1;
  return {
    name: `fairness: slot of guild B's first start after A's burst of ${burstJobs} (C=${concurrency})`,
    value,
    unit: 'th start',
    target: `<= ${concurrency + 1}`,
    pass: value <= concurrency + 1,
  };
};

/**
 * Submits `count` jobs through a wired service and waits for all to end. Returns the elapsed ms and
 * the CPU ms this process spent: on a shared, loaded machine elapsed time swings with everyone
 * else's work, while the CPU a job costs us stays comparable between runs.
 */
const runService = async (
  service: Awaited<ReturnType<typeof wireService>>['service'],
  reporter: EndingCounter,
  count: number,
): Promise<{ elapsedMs: number; cpuMs: number }> => {
  const ended = reporter.expect(count);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const submits: Array<Promise<unknown>> = [];
  for (let index = 0; index < count; index++) {
    submits.push(
      service.submit(
        smallRequest('bench'),
        requester(`g${index % 20}`, `u${index % 100}`),
        delivery,
      ),
    );
    if (index % concurrency === concurrency - 1) await yieldToEvents();
  }
  await Promise.all(submits);
  await ended;
  const elapsedMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpuBefore);
  return { elapsedMs, cpuMs: (user + system) / 1000 };
};

const serviceSettings = {
  queue: {
    concurrency,
    maxPendingPerGuild: Number.MAX_SAFE_INTEGER,
    maxPendingPerUser: Number.MAX_SAFE_INTEGER,
    jobDeadlineMs: 3_600_000,
  },
  service: { positionIntervalMs: 1_500 },
};

const serviceOverHttp = async (): Promise<BenchRow[]> => {
  const rows: BenchRow[] = [];
  for (const latency of [latencyMs, 0]) {
    const api = await startFakeApiProcess({ latencyMs: latency });
    const reporter = new EndingCounter();
    const wired = await wireService(api.baseUrl, reporter, serviceSettings);
    await runService(wired.service, reporter, 200);
    const { elapsedMs, cpuMs } = await runService(wired.service, reporter, throughputJobs);
    await wired.close();
    await api.close();
    if (reporter.failures.length > 0)
      throw new Error(`service benchmark: ${reporter.failures.length} jobs failed`);
    if (latency > 0) {
      rows.push(
        ratioRow(
          `throughput, whole service over HTTP, fake API at ${latency} ms (N=${throughputJobs}, C=${concurrency})`,
          throughputJobs,
          elapsedMs,
        ),
      );
      continue;
    }
    rows.push(
      {
        name: `cost per job, whole service over HTTP, zero-latency fake API (N=${throughputJobs})`,
        value: elapsedMs / throughputJobs,
        unit: 'ms',
      },
      {
        name: `CPU per job in the bot's process, same run (load elsewhere inflates it least)`,
        value: cpuMs / throughputJobs,
        unit: 'ms',
      },
    );
  }
  return rows;
};

const memoryInFlight = async (): Promise<BenchRow[]> => {
  const api = await startFakeApiProcess({
    latencyMs: 0,
    fault: { type: 'oversizeImage', bytes: bigImageBytes },
  });
  const reporter = new EndingCounter(true);
  const wired = await wireService(api.baseUrl, reporter, {
    ...serviceSettings,
    queue: { ...serviceSettings.queue, concurrency: bigImagesInFlight },
  });
  await runService(wired.service, reporter, 2);
  reporter.held.length = 0;
  globalThis.gc?.();
  await sleep(100);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  await runService(wired.service, reporter, bigImagesInFlight);
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  const imageBytes = reporter.held.reduce(
    (sum, event) => sum + (event.type === 'completed' ? (event.images[0]?.bytes.length ?? 0) : 0),
    0,
  );
  reporter.held.length = 0;
  await wired.close();
  await api.close();
  const growth = peak - baseline;
  const ratio = growth / imageBytes;
  return [
    {
      name: `memory: peak RSS growth, ${bigImagesInFlight} jobs holding ${(imageBytes / bigImagesInFlight / 2 ** 20).toFixed(1)} MB images`,
      value: growth / 2 ** 20,
      unit: 'MB',
    },
    {
      name: 'memory: RSS growth per image byte in flight',
      value: ratio,
      unit: 'x',
      target: '<= 2',
      pass: ratio <= 2,
    },
  ];
};

export async function benchQueue(): Promise<BenchRow[]> {
  return [
    await queueThroughput(),
    await plainPQueueThroughput(),
    await queueOverhead(),
    await fairness(),
    ...(await serviceOverHttp()),
    ...(await memoryInFlight()),
  ];
}
