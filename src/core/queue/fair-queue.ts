/**
 * The in-process {@link JobQueue}: p-queue keeps the concurrency and the running count, a
 * {@link FairOrder} plugged in as p-queue's queue class decides which waiting job goes next, and a
 * {@link RateGate} holds each chosen job until the images-per-window cap lets it start.
 */
import PQueue, { type QueueAddOptions } from 'p-queue';
import type { Job } from '../jobs.js';
import { FairOrder } from './fair-order.js';
import { ImageWindow } from './image-window.js';
import { pendingRefusal } from './pending-caps.js';
import { PositionNotifier } from './positions.js';
import { RateGate } from './rate-gate.js';
import type { Clock, JobQueue, PendingCounts, QueueHandlers, StopReason } from './types.js';

export interface FairQueueOptions {
  /** Jobs running at once (QUEUE_CONCURRENCY). */
  concurrency: number;
  /** Images allowed to start per window across the key (QUEUE_IMAGES_PER_MINUTE); `null` for no cap. */
  imagesPerMinute: number | null;
  /** Waiting or running jobs one guild may have (QUEUE_MAX_PENDING_PER_GUILD). */
  maxPendingPerGuild: number;
  /** Waiting or running jobs one user may have in a guild (QUEUE_MAX_PENDING_PER_USER). */
  maxPendingPerUser: number;
  /** The work: run a job, settle one that left without running, tell one its new position. */
  handlers: QueueHandlers;
  /** The window `imagesPerMinute` counts over; shorter only in tests. @default 60000 */
  rateWindowMs?: number;
  /** The least time between two position reports to one job. @default 1500 */
  positionIntervalMs?: number;
  /** @default Date */
  clock?: Clock;
}

type Stage = 'waiting' | 'gated' | 'running';

interface Tracked {
  job: Job;
  stage: Stage;
  /** Withdraws the job while p-queue still holds it. */
  leaveQueue: AbortController;
  /** Withdraws the job once p-queue has handed it over: at the rate gate or running. */
  stop: AbortController;
  /** Resolves once the job is settled and gone. */
  gone: Promise<void>;
  markGone: () => void;
}

type FairAddOptions = QueueAddOptions & { guildId: string; userId: string };
type Task = () => Promise<unknown>;

/** p-queue builds its queue class itself, with no arguments; this binds one to a shared order. */
const queueClassOver = (order: FairOrder<Task>) =>
  class {
    get size(): number {
      return order.size;
    }
    enqueue(run: Task, options?: Partial<FairAddOptions>): void {
      const { id, guildId, userId } = options ?? {};
      if (id === undefined || guildId === undefined || userId === undefined)
        throw new TypeError('a fair queue task needs an id, a guildId and a userId');
      order.push({ id, guildId, userId, value: run });
    }
    dequeue(): Task | undefined {
      return order.shift()?.value;
    }
    remove(id: string): void {
      order.remove(id);
    }
    filter(): Task[] {
      return order.order().map((entry) => entry.value);
    }
    setPriority(): void {
      throw new TypeError('the fair queue orders by turn, not by priority');
    }
  };

const userKey = (guildId: string, userId: string) => `${guildId}\u0000${userId}`;

const bump = (counts: Map<string, number>, key: string, by: number): void => {
  const next = (counts.get(key) ?? 0) + by;
  if (next === 0) counts.delete(key);
  else counts.set(key, next);
};

class FairQueue implements JobQueue {
  readonly shared = false;
  readonly #handlers: QueueHandlers;
  readonly #caps: { maxPendingPerGuild: number; maxPendingPerUser: number };
  readonly #order = new FairOrder<Task>();
  readonly #pQueue: PQueue<InstanceType<ReturnType<typeof queueClassOver>>, FairAddOptions>;
  readonly #gate: RateGate;
  readonly #positions: PositionNotifier;
  readonly #tracked = new Map<string, Tracked>();
  readonly #perGuild = new Map<string, number>();
  readonly #perUser = new Map<string, number>();
  readonly #idle: Array<() => void> = [];

  constructor(options: FairQueueOptions) {
    this.#handlers = options.handlers;
    this.#caps = options;
    this.#pQueue = new PQueue({
      concurrency: options.concurrency,
      queueClass: queueClassOver(this.#order),
    });
    const window =
      options.imagesPerMinute === null
        ? undefined
        : new ImageWindow({ limit: options.imagesPerMinute, windowMs: options.rateWindowMs });
    this.#gate = new RateGate(window, options.clock ?? Date);
    this.#positions = new PositionNotifier({
      intervalMs: options.positionIntervalMs ?? 1_500,
      order: () => this.#startOrder(),
      notify: (id, position) => {
        const tracked = this.#tracked.get(id);
        if (tracked !== undefined) this.#handlers.moved(tracked.job, position);
      },
    });
  }

  /** Never slow (no store is involved), so there is nothing to abandon. */
  async enqueue(job: Job): Promise<number> {
    const refusal = pendingRefusal(this.#pendingNow(job.requester), this.#caps);
    if (refusal !== undefined) throw refusal;
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    const tracked: Tracked = {
      job,
      stage: 'waiting',
      leaveQueue: new AbortController(),
      stop: new AbortController(),
      gone,
      markGone,
    };
    this.#tracked.set(job.id, tracked);
    this.#count(job, 1);
    this.#pQueue
      .add(() => this.#take(tracked), {
        id: job.id,
        guildId: job.requester.guildId,
        userId: job.requester.userId,
        signal: tracked.leaveQueue.signal,
      })
      .catch(async (reason: unknown) => {
        // Only a job leaving the queue rejects here; a started one is settled by #take.
        if (tracked.stage === 'waiting')
          await this.#settle(tracked, this.#handlers.dropped(job, reason));
      });
    // p-queue starts a task synchronously when a slot is free, so the stage already tells.
    const position = this.#positionNow(job.id);
    if (position > 0) this.#positions.told(job.id, position);
    this.#positions.changed();
    return position;
  }

  async pauseStarts(ms: number): Promise<void> {
    this.#gate.holdFor(ms);
  }

  async get(jobId: string): Promise<Job | undefined> {
    return this.#tracked.get(jobId)?.job;
  }

  async pending(guildId: string, userId: string): Promise<PendingCounts> {
    return this.#pendingNow({ guildId, userId });
  }

  async withdraw(jobId: string, reason: StopReason): Promise<boolean> {
    const tracked = this.#tracked.get(jobId);
    if (tracked === undefined) return false;
    (tracked.stage === 'waiting' ? tracked.leaveQueue : tracked.stop).abort(reason);
    await tracked.gone;
    return true;
  }

  async drain(reason: StopReason): Promise<void> {
    this.#pQueue.pause();
    const notRunning = [...this.#tracked.values()].filter(({ stage }) => stage !== 'running');
    await Promise.all(notRunning.map(({ job }) => this.withdraw(job.id, reason)));
  }

  async abortRunning(reason: StopReason): Promise<void> {
    const running = [...this.#tracked.values()].filter(({ stage }) => stage === 'running');
    await Promise.all(running.map(({ job }) => this.withdraw(job.id, reason)));
  }

  onIdle(): Promise<void> {
    if (this.#tracked.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async close(): Promise<void> {
    this.#gate.close();
    this.#positions.close();
  }

  /** The task p-queue runs when the fair order gives this job its turn. */
  async #take(tracked: Tracked): Promise<void> {
    const { job, stop } = tracked;
    tracked.stage = 'gated';
    this.#positions.changed();
    const gate = this.#gate.pass(job.id, job.request.count, stop.signal);
    if (gate !== undefined) {
      try {
        await gate;
      } catch (reason) {
        await this.#settle(tracked, this.#handlers.dropped(job, reason));
        return;
      }
    }
    tracked.stage = 'running';
    this.#positions.forget(job.id);
    this.#positions.changed();
    await this.#settle(
      tracked,
      this.#handlers
        .run(job, stop.signal)
        .catch((error: unknown) => this.#handlers.dropped(job, error)),
    );
  }

  async #settle(tracked: Tracked, settling: Promise<void>): Promise<void> {
    try {
      await settling;
    } finally {
      const { job } = tracked;
      this.#tracked.delete(job.id);
      this.#positions.forget(job.id);
      this.#count(job, -1);
      tracked.markGone();
      if (this.#tracked.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #count(job: Job, by: 1 | -1): void {
    const { guildId, userId } = job.requester;
    bump(this.#perGuild, guildId, by);
    bump(this.#perUser, userKey(guildId, userId), by);
  }

  #pendingNow({ guildId, userId }: { guildId: string; userId: string }): PendingCounts {
    return {
      guild: this.#perGuild.get(guildId) ?? 0,
      user: this.#perUser.get(userKey(guildId, userId)) ?? 0,
    };
  }

  /** Jobs chosen and held at the rate gate start before any still waiting for their turn. */
  #startOrder(): string[] {
    return [...this.#gate.waiting(), ...this.#order.ids()];
  }

  #positionNow(jobId: string): number {
    const stage = this.#tracked.get(jobId)?.stage;
    if (stage === 'running') return 0;
    const gated = this.#gate.waiting();
    if (stage === 'gated') return gated.indexOf(jobId) + 1;
    return gated.length + (this.#order.indexOf(jobId) ?? 0) + 1;
  }
}

/** A fair, rate-capped, in-process job queue. */
export const createFairQueue = (options: FairQueueOptions): JobQueue => new FairQueue(options);
