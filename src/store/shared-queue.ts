/**
 * The {@link JobQueue} that several processes share, on BullMQ over the store's Redis. Jobs wait
 * in Redis in the fair order that `shared-queue.lua` keeps (BullMQ's own order is arrival order);
 * BullMQ holds one interchangeable ticket per job and gives the tickets to workers, each taking at
 * most QUEUE_CONCURRENCY at once. A worker holding a ticket takes whichever job is fairly next, if
 * the images-per-minute window, counted across every process, lets it start; otherwise it pauses
 * every worker through BullMQ's rate limiter until it does. BullMQ's locks and stalled-job check
 * hand the ticket of a worker that died to another one, which runs the same job again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, Worker, type Job as Ticket } from 'bullmq';
import type { RedisClientType } from '@keyv/redis';
import { CodedError } from '#core/errors.js';
import type { Job } from '#core/jobs.js';
import type { JobJournal } from '#core/journal.js';
import { isStopReason } from '#core/generation/outcome.js';
import { interleave } from '#core/queue/fair-order.js';
import { pendingRefusal } from '#core/queue/pending-caps.js';
import type { FairQueueOptions } from '#core/queue/fair-queue.js';
import type { JobQueue, PendingCounts, QueueHandlers, StopReason } from '#core/queue/types.js';
import { readStoredJob } from './stored-job.js';

// The store's client, as `createClient` made it (RESP2, no modules).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type RedisClient = RedisClientType<{}, {}, {}, 2, {}>;

/** The in-process queue's options (caps, window, handlers), its clock aside: Redis keeps time. */
export interface SharedQueueOptions extends Omit<FairQueueOptions, 'clock'> {
  /** The store's Redis client; the queue keeps its keys under `namespace`. */
  client: RedisClient;
  /** @default 'imagine-bot' */
  namespace?: string;
  /** False for a gateway (BOT_ROLE=gateway): it queues jobs and never runs one. */
  runsJobs: boolean;
  /** How often this process looks for jobs past their deadline that nobody ended. @default 5000 */
  sweepIntervalMs?: number;
  /**
   * How long a worker's hold on a running job lasts without renewal. A worker that died loses its
   * jobs to another after this plus at most one `stalledIntervalMs`: within 50 s by default.
   * @default 40000
   */
  lockDurationMs?: number;
  /**
   * How often a worker renews its holds. A Redis that hangs for longer than what is left of a
   * hold (the duration less this, 36 s by default) can make a job run twice, charged once.
   * @default 4000
   */
  lockRenewMs?: number;
  /** How often workers look for jobs whose worker died. @default 10000 */
  stalledIntervalMs?: number;
  /** Connection trouble after start (Redis reconnects on its own). @default ignored */
  onError?: (error: unknown) => void;
}

const script = readFileSync(new URL('./shared-queue.lua', import.meta.url), 'utf8');
const scriptSha = createHash('sha1').update(script).digest('hex');

/** The processor's signal that a job stopped for a shutdown and must run again elsewhere. */
class Suspended extends CodedError {
  constructor(jobId: string) {
    super('queue.suspended', `job ${jobId} was suspended by a shutdown; its ticket goes back`);
  }
}

/** Waiting jobs in the order they start: guilds in turn, and users in turn inside each guild. */
export const orderOfSnapshot = (flat: readonly unknown[]): string[] => {
  let at = 0;
  const next = () => flat[at++];
  const guilds: string[][] = [];
  for (let guildCount = Number(next()); guildCount > 0; guildCount--) {
    const users: string[][] = [];
    for (let userCount = Number(next()); userCount > 0; userCount--) {
      const ids: string[] = [];
      for (let jobCount = Number(next()); jobCount > 0; jobCount--) ids.push(String(next()));
      users.push(ids);
    }
    guilds.push(interleave(users));
  }
  return interleave(guilds);
};

/** The most waiting jobs per user read for positions; beyond it, positions are not exact. */
const orderReadLimit = 1_000;
/**
 * How long past its deadline a running job is left to the process running it, which stops it at
 * the deadline itself; one still there after this was held by a process that died.
 */
const deadRunnerGraceMs = 60_000;
/** Suspensions a ticket survives before BullMQ fails it (each shutdown mid-job is one). */
const ticketAttempts = 1_000;

class RedisSharedQueue implements JobQueue {
  readonly shared = true;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #options: SharedQueueOptions;
  readonly #handlers: QueueHandlers;
  readonly #bull: Queue;
  #worker: Worker | undefined;
  #subscriber: RedisClient | undefined;
  readonly #channel: string;
  /** Jobs this process runs now. */
  readonly #running = new Map<string, { job: Job; stop: AbortController; gone: Promise<void> }>();
  /** Jobs this process queued and has not seen start, with the position they were last told. */
  readonly #waitingHere = new Map<string, { job: Job; told: number }>();
  #positionTimer: NodeJS.Timeout | undefined;
  readonly #sweeper: NodeJS.Timeout;
  readonly #idle: Array<() => void> = [];
  #draining = false;

  constructor(options: SharedQueueOptions) {
    const namespace = options.namespace ?? 'imagine-bot';
    this.#options = options;
    this.#client = options.client;
    this.#handlers = options.handlers;
    this.#prefix = `${namespace}:queue:`;
    this.#channel = `${namespace}:queue:withdraw`;
    const onError = (error: unknown) => options.onError?.(error);
    this.#bull = new Queue('jobs', { connection: this.#client, prefix: `${namespace}:bull` });
    this.#bull.on('error', onError);
    this.#sweeper = setInterval(
      () => void this.#sweep().catch(onError),
      options.sweepIntervalMs ?? 5_000,
    );
    this.#sweeper.unref();
  }

  /** Starts taking jobs (a worker) and listening for withdrawals of the jobs it runs. */
  async start(): Promise<void> {
    if (!this.#options.runsJobs) return;
    const onError = (error: unknown) => this.#options.onError?.(error);
    this.#subscriber = this.#client.duplicate();
    this.#subscriber.on('error', onError);
    await this.#subscriber.connect();
    await this.#subscriber.subscribe(this.#channel, (message) => this.#onWithdrawal(message));
    this.#worker = new Worker('jobs', (ticket) => this.#process(ticket), {
      connection: this.#client,
      prefix: `${this.#options.namespace ?? 'imagine-bot'}:bull`,
      concurrency: this.#options.concurrency,
      // BullMQ honours a pause (queue.rateLimit) only where a limiter is set; this one never binds.
      limiter: { max: 1_000_000_000, duration: 1_000 },
      // Renewed often, so that a Redis hung for half a minute never lets a live worker's hold
      // lapse, while a dead worker's lapses soon enough for its jobs to move on within a minute.
      lockDuration: this.#options.lockDurationMs ?? 40_000,
      lockRenewTime: this.#options.lockRenewMs ?? 4_000,
      stalledInterval: this.#options.stalledIntervalMs ?? 10_000,
      maxStalledCount: 10,
    });
    this.#worker.on('error', onError);
  }

  async enqueue(job: Job, abandoned?: AbortSignal): Promise<number> {
    const { guildId, userId } = job.requester;
    const [outcome, guild = 0, user = 0] = (await this.#run('enqueue', [
      job.id,
      guildId,
      userId,
      JSON.stringify(job),
      job.request.count,
      job.deadlineAt,
      this.#options.maxPendingPerGuild,
      this.#options.maxPendingPerUser,
    ])) as [string, number?, number?];
    // The script checked the counts atomically; the refusal is worded as in-process.
    if (outcome === 'refused') throw pendingRefusal({ guild, user }, this.#options);
    await this.#undoIfAbandoned(job.id, abandoned);
    await this.#bull.add(
      'job',
      {},
      {
        attempts: ticketAttempts,
        removeOnComplete: true,
        removeOnFail: { count: 1_000 },
      },
    );
    await this.#undoIfAbandoned(job.id, abandoned);
    const position = (await this.#order()).indexOf(job.id) + 1;
    await this.#undoIfAbandoned(job.id, abandoned);
    if (position > 0) this.#watchPosition(job, position);
    // Taken already, by another process: its submitter announces it, then lets go.
    else if (!this.#running.has(job.id)) queueMicrotask(() => this.#handlers.departed?.(job));
    return position;
  }

  async pauseStarts(ms: number): Promise<void> {
    // What BullMQ's own rateLimit does, except that an earlier, longer pause is kept.
    await this.#run('pause', [this.#bull.keys.limiter ?? '', Math.ceil(ms)]);
  }

  async get(jobId: string): Promise<Job | undefined> {
    const json = await this.#client.hGet(`${this.#prefix}job:${jobId}`, 'json');
    return json === null || json === undefined ? undefined : this.#parse(json);
  }

  async pending(guildId: string, userId: string): Promise<PendingCounts> {
    const [guild, user] = (await this.#run('pending', [guildId, userId])) as [number, number];
    return { guild, user };
  }

  async withdraw(jobId: string, reason: StopReason): Promise<boolean> {
    const here = this.#running.get(jobId);
    if (here !== undefined) {
      here.stop.abort(reason);
      await here.gone;
      return true;
    }
    const [where, json] = (await this.#run('withdraw', [jobId])) as [string, string?];
    if (where === 'waiting' && json !== undefined) {
      this.#waitingHere.delete(jobId);
      await this.#handlers.dropped(this.#parse(json), reason);
      return true;
    }
    if (where === 'running') {
      // Another process runs it: it stops the job and reports the ending.
      await this.#client.publish(this.#channel, JSON.stringify({ jobId, reason }));
      return true;
    }
    return false;
  }

  /** Stops taking jobs here. Waiting jobs are shared: they stay queued for the other workers. */
  async drain(): Promise<void> {
    this.#draining = true;
    await this.#worker?.pause(true);
  }

  async abortRunning(reason: StopReason): Promise<void> {
    await Promise.all([...this.#running.values()].map(({ job }) => this.withdraw(job.id, reason)));
  }

  onIdle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    clearInterval(this.#positionTimer);
    await this.#worker?.close();
    await this.#bull.close();
    if (this.#subscriber?.isOpen) await this.#subscriber.close();
  }

  /** A ticket's turn came: run the job that is fairly next, or put the ticket back. */
  async #process(ticket: Ticket): Promise<void> {
    if (this.#draining) throw new Suspended('(none taken)');
    const [what, idOrDelay, json] = (await this.#run('take', [
      ticket.id ?? '',
      this.#options.imagesPerMinute ?? -1,
      this.#options.rateWindowMs ?? 60_000,
      this.#bull.keys.limiter ?? '',
    ])) as [string, string?, string?];
    // More tickets than jobs: one whose job left early (cancelled, expired) has nothing to run.
    if (what === 'none') return;
    if (what === 'wait') {
      await this.pauseStarts(Number(idOrDelay));
      throw Worker.RateLimitError();
    }
    const job = this.#parse(json ?? '');
    this.#waitingHere.delete(job.id);
    const stop = new AbortController();
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    this.#running.set(job.id, { job, stop, gone });
    try {
      // Only a cap counts starts; without one there is no window to keep. A store that fails here
      // fails only the count: the job goes on.
      const sending =
        this.#options.imagesPerMinute === null
          ? undefined
          : () =>
              this.#run('sent', [job.id]).then(
                () => {},
                (error: unknown) => this.#options.onError?.(error),
              );
      await this.#handlers
        .run(job, stop.signal, sending)
        .catch((error: unknown) => this.#handlers.dropped(job, error));
      const reason: unknown = stop.signal.reason;
      // Suspended, not ended: the ticket goes back with the job still bound to it.
      if (isStopReason(reason) && reason.kind === 'shutdown') throw new Suspended(job.id);
      await this.#run('finish', [job.id]);
    } finally {
      this.#running.delete(job.id);
      markGone();
      if (this.#running.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /**
   * Each process tells the owners of the jobs it queued where they stand, at most once per
   * interval and only on a change, from the order as Redis holds it.
   */
  #watchPosition(job: Job, position: number): void {
    this.#waitingHere.set(job.id, { job, told: position });
    this.#positionTimer ??= setInterval(() => {
      void this.#reportPositions().catch((error: unknown) => this.#options.onError?.(error));
    }, this.#options.positionIntervalMs ?? 1_500);
    this.#positionTimer.unref();
  }

  async #reportPositions(): Promise<void> {
    const order = await this.#order();
    for (const [id, waiting] of this.#waitingHere) {
      const position = order.indexOf(id) + 1;
      if (position === 0) {
        // Started or ended elsewhere (a job started here already left this map).
        this.#waitingHere.delete(id);
        this.#handlers.departed?.(waiting.job);
      } else if (position !== waiting.told) {
        waiting.told = position;
        this.#handlers.moved(waiting.job, position);
      }
    }
    if (this.#waitingHere.size === 0) {
      clearInterval(this.#positionTimer);
      this.#positionTimer = undefined;
    }
  }

  #onWithdrawal(message: string): void {
    try {
      const { jobId, reason } = JSON.parse(message) as { jobId?: unknown; reason?: unknown };
      if (typeof jobId === 'string' && isStopReason(reason))
        this.#running.get(jobId)?.stop.abort(reason);
    } catch {
      // Not one of ours; the channel is namespaced, so nothing to do.
    }
  }

  /** Ends jobs past their deadline that no process ended: waiting ones, or ones a dead worker held. */
  async #sweep(): Promise<void> {
    const swept = (await this.#run('sweep', [deadRunnerGraceMs])) as string[];
    for (const json of swept) {
      const job = this.#parse(json);
      this.#waitingHere.delete(job.id);
      await this.#handlers.dropped(job, { kind: 'deadline' });
    }
  }

  async #undoIfAbandoned(jobId: string, abandoned: AbortSignal | undefined): Promise<void> {
    if (!abandoned?.aborted) return;
    const [where] = (await this.#run('withdraw', [jobId])) as [string];
    // Taken by a worker already: stop it there, as if its owner had cancelled it.
    if (where === 'running') await this.withdraw(jobId, { kind: 'undeliverable' });
    throw abandoned.reason;
  }

  async #order(): Promise<string[]> {
    return orderOfSnapshot((await this.#run('order', [orderReadLimit])) as unknown[]);
  }

  #parse(json: string): Job {
    const read = readStoredJob(JSON.parse(json));
    if (!read.ok)
      throw new CodedError('queue.damagedJob', `a queued job is damaged: ${read.problem}`);
    return read.job;
  }

  async #run(operation: string, rest: ReadonlyArray<string | number>): Promise<unknown> {
    const options = { keys: [], arguments: [operation, this.#prefix, ...rest].map(String) };
    try {
      return await this.#client.evalSha(scriptSha, options);
    } catch (error) {
      // The server forgets scripts on restart or SCRIPT FLUSH; EVAL loads it again.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.#client.eval(script, options);
    }
  }
}

export type SharedQueue = JobQueue & {
  /** Starts running jobs here, unless this process only queues them (a gateway). */
  start(): Promise<void>;
};

/** A fair queue shared through Redis by every process of one bot. */
export const createSharedQueue = (options: SharedQueueOptions): SharedQueue =>
  new RedisSharedQueue(options);

/**
 * The journal beside a shared queue: none, since the queue itself keeps every acknowledged job in
 * Redis until it ends, and any process resumes it, not only the one that took it.
 */
export const queueIsTheJournal: JobJournal = {
  record: async () => {},
  forget: async () => {},
  unfinished: async () => [],
};
