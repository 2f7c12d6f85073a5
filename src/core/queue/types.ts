/**
 * The queue port. The in-process implementation (`fair-queue.ts`) runs on p-queue; on Redis every
 * process shares one queue on BullMQ (`src/store/shared-queue.ts`), which is why every call is
 * async and why jobs cross it as plain data, with the work itself registered once as
 * {@link QueueHandlers}.
 */
import type { Job } from '../jobs.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Why a job is withdrawn before it finishes. Plain data, so it can cross a process boundary too. */
export type StopReason =
  | { kind: 'cancelled'; byUserId: string }
  | { kind: 'deadline' }
  | { kind: 'shutdown' }
  | { kind: 'undeliverable' };

/** Unfinished (waiting or running) jobs of one guild, and of one user inside it. */
export interface PendingCounts {
  guild: number;
  user: number;
}

/**
 * The work a queue does. None of these may reject: each settles its own failures. On a shared
 * queue they may be called for a job this process did not queue.
 */
export interface QueueHandlers {
  /**
   * Runs a job whose turn came, and settles it (reports, commits or refunds) before resolving.
   * `signal` aborts, with a {@link StopReason}, when the job is withdrawn while running. `sending`,
   * where given, is awaited just before the job's request leaves for the API: a shared queue counts
   * the job against the images window from then (the API counts it when it arrives). It never rejects.
   */
  run(job: Job, signal: AbortSignal, sending?: () => Promise<void>): Promise<void>;
  /**
   * Settles a job that left without running: withdrawn (the reason is a {@link StopReason}), or,
   * should `run` ever reject, the job it was running (the reason is that error).
   */
  dropped(job: Job, reason: unknown): Promise<void>;
  /** A waiting job's 1-based position changed. Throttled; never called for a running job. */
  moved(job: Job, position: number): void;
  /**
   * Shared queues only: a job this process queued was taken, or ended, by another process, which
   * reports from then on; this process lets go of it without ending it.
   */
  departed?(job: Job): void;
}

export interface JobQueue {
  /**
   * True when the queue is shared by several processes: a job may be run, withdrawn or ended by a
   * process other than the one that queued it, so its submitter hands it off once it is queued.
   */
  readonly shared: boolean;
  /**
   * Queues a job, or throws `UserError('tooManyPendingForUser' | 'tooManyPendingInGuild')`.
   * Resolves to its 1-based position, or 0 when it started at once. When `abandoned` aborts before
   * it resolves (the submitter stopped waiting on a slow store), the job is taken out again.
   */
  enqueue(job: Job, abandoned?: AbortSignal): Promise<number>;
  /** The upstream asked to wait (a 429): no job starts, in any process sharing the queue, until then. */
  pauseStarts(ms: number): Promise<void>;
  /** A waiting or running job. */
  get(jobId: string): Promise<Job | undefined>;
  pending(guildId: string, userId: string): Promise<PendingCounts>;
  /**
   * Stops a job: a waiting one leaves the queue and goes to `dropped`; a running one has its signal
   * aborted. Resolves once the job is settled, or at once with false when it is not here.
   */
  withdraw(jobId: string, reason: StopReason): Promise<boolean>;
  /** Stops starting jobs and withdraws every one not yet running; resolves once they are settled. */
  drain(reason: StopReason): Promise<void>;
  /** Withdraws every running job. */
  abortRunning(reason: StopReason): Promise<void>;
  /** Resolves when no job is waiting or running. */
  onIdle(): Promise<void>;
  /** Releases timers. Jobs still here are left as they are: drain first. */
  close(): Promise<void>;
}

/** How the queue runs (the QUEUE_* settings). */
export interface QueueSettings {
  /** @default 4 */
  concurrency: number;
  /** Images per minute across the key; `null` for no cap. @default null */
  imagesPerMinute: number | null;
  /** @default 50 */
  maxPendingPerGuild: number;
  /** @default 5 */
  maxPendingPerUser: number;
  /**
   * The longest a job may wait and run; an unfinished one is then refunded. Chat platforms stop
   * accepting replies to a command after a while, so a result after that would be lost. @default 840000
   */
  jobDeadlineMs: number;
  /** @default 30000 */
  shutdownGraceMs: number;
}
