/**
 * The generation service: the one surface the chat adapters call. It checks a request, reserves
 * quota, queues the job fairly, runs it against the Images API, and ends it exactly once: commit
 * on success, refund on every other ending (failure, cancel, deadline, shutdown, an address that
 * refuses the bot). Events go out through the reporter of the requester's platform, never through
 * the object that took the command, so the work can move to another process later.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodedError, newIncidentId, UserError, withinTime } from './errors.js';
import { JobLine } from './generation/job-line.js';
import type { GenerationServiceOptions } from './generation/options.js';
import { failureOf, holdOf, isStopReason, stopEvent } from './generation/outcome.js';
import { hashUser } from './images/user-hash.js';
import {
  isProgress,
  UndeliverableError,
  type FinalEvent,
  type Job,
  type JobEvent,
  type JobReporter,
  type LastEvent,
} from './jobs.js';
import { loadInputs, type InputImage } from './inputs.js';
import { createLogger, type Logger } from './log.js';
import type { ModelCatalogue } from './models.js';
import { policyRefusal } from './policy/check.js';
import type { PolicyAdmin } from './policy/types.js';
import { createFairQueue } from './queue/fair-queue.js';
import { pendingRefusal } from './queue/pending-caps.js';
import type { Clock, JobQueue, QueueHandlers, StopReason } from './queue/types.js';
import type { QuotaAdmin, QuotaStanding } from './quota/types.js';
import type { DeliveryAddress, ImageOptionsInput, Platform, Requester } from './request.js';
import { InvalidOptionsError, type GenerationService, type SubmittedJob } from './service-api.js';
import { validateRequest } from './validate.js';

export type { GenerationServiceOptions } from './generation/options.js';

/** What the service keeps for a job between submit and its ending. */
interface Active {
  line: JobLine;
  deadline: NodeJS.Timeout;
}

class Service implements GenerationService {
  readonly catalogue: ModelCatalogue;
  readonly defaultModel: string;
  readonly quotaAdmin: QuotaAdmin;
  readonly policyAdmin: PolicyAdmin;
  readonly #options: GenerationServiceOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #partialImages: number;
  readonly #progressIntervalMs: number;
  readonly #storeWaitMs: number;
  readonly #newJobId: () => string;
  readonly #queue: JobQueue;
  readonly #active = new Map<string, Active>();
  /** Jobs whose ending is being delivered here: still in the queue for a moment, but over. */
  readonly #ending = new Set<string>();
  #shutdown: Promise<void> | undefined;

  constructor(options: GenerationServiceOptions) {
    this.#options = options;
    this.catalogue = options.catalogue;
    this.defaultModel = options.defaultModel;
    this.quotaAdmin = options.quotas;
    this.policyAdmin = {
      read: (guildId) => options.policies.read(guildId),
      update: (guildId, setting, change, byUserId) =>
        options.policies.update(guildId, setting, change, {
          byUserId,
          at: new Date(this.#clock.now()).toISOString(),
        }),
    };
    this.#clock = options.clock ?? Date;
    this.#logger = options.logger ?? createLogger({ level: 'silent' });
    this.#partialImages = options.partialImages ?? 2;
    this.#progressIntervalMs = options.progressIntervalMs ?? 1_000;
    this.#storeWaitMs = options.storeWaitMs ?? 5_000;
    this.#newJobId = options.newJobId ?? randomUUID;
    const handlers: QueueHandlers = {
      run: (job, signal, sending) => this.#run(job, signal, sending),
      dropped: (job, reason) => {
        this.#lineOf(job);
        return this.#stop(job, reason);
      },
      moved: (job, position) =>
        this.#active.get(job.id)?.line.progress({ type: 'queued', position }),
      departed: (job) => {
        this.#untrack(job.id);
        this.#options.released?.(job);
      },
    };
    this.#queue =
      options.createQueue?.(handlers) ??
      createFairQueue({
        ...options.queue,
        rateWindowMs: options.rateWindowMs ?? 60_000,
        positionIntervalMs: options.positionIntervalMs ?? 1_500,
        clock: this.#clock,
        handlers,
      });
  }

  async submit(
    input: ImageOptionsInput,
    requester: Requester,
    delivery: DeliveryAddress,
  ): Promise<SubmittedJob> {
    this.#refuseWhenShuttingDown();
    const checked = validateRequest(input, this.catalogue, this.defaultModel);
    if (!checked.ok) throw new InvalidOptionsError(checked.problems);
    this.#reporterFor(requester.platform);
    const { queue, quotas, policies, journal } = this.#options;
    // One budget for every store call of this request; what finishes after it is undone.
    const storeBudgetEnds = Date.now() + this.#storeWaitMs;
    const waitOnStore = <T>(work: Promise<T>, undo: () => Promise<unknown> = async () => {}) =>
      withinTime(work, storeBudgetEnds - Date.now(), () => void undo().catch(() => {}));
    // Every entry point (command, button, reaction) submits here, so this one check guards them all.
    const { policy } = await waitOnStore(policies.read(requester.guildId));
    const lastJobAt =
      policy.cooldownSeconds > 0
        ? await waitOnStore(policies.lastJobAt(requester.guildId, requester.userId))
        : undefined;
    const refused = policyRefusal(policy, checked.request, requester, lastJobAt, this.#clock.now());
    if (refused !== undefined) throw refused;
    // A shared queue counts on Redis: bounded like every other store call.
    const refusal = pendingRefusal(
      await waitOnStore(this.#queue.pending(requester.guildId, requester.userId)),
      queue,
    );
    if (refusal !== undefined) throw refusal;

    const now = this.#clock.now();
    const job: Job = {
      id: this.#newJobId(),
      request: checked.request,
      requester,
      delivery,
      submittedAt: now,
      deadlineAt: now + queue.jobDeadlineMs,
      ...(policy.auditChannel !== null && { auditChannelId: policy.auditChannel }),
    };
    await waitOnStore(quotas.reserve(holdOf(job), now), () => this.#refund(job));
    const abandon = new AbortController();
    let position: number;
    let line: JobLine;
    try {
      // Recorded before anyone is told it is queued: from here on a restart resumes it.
      await waitOnStore(journal.record(job), () => this.#forget(job));
      // Shutdown may have begun while the store answered; a job queued now would never run.
      this.#refuseWhenShuttingDown();
      if (policy.cooldownSeconds > 0)
        await waitOnStore(
          policies.markJob(requester.guildId, requester.userId, now, policy.cooldownSeconds * 1000),
        );
      line = this.#track(job);
      position = await waitOnStore(this.#queue.enqueue(job, abandon.signal));
    } catch (error) {
      // A shared queue still on its way takes the job out again.
      abandon.abort(error);
      this.#untrack(job.id);
      // Not awaited: when the store is what failed, the owner must hear now, not when it is back.
      void this.#refund(job).then(() => this.#forget(job));
      throw error;
    }
    // Opened through the job's own line, not a lookup: a job that ended before its submitter
    // resumed is no longer tracked, and its ending waits behind this first event.
    line.open(this.#observed(job, { type: 'queued', position }));
    this.#logger.info(
      { jobId: job.id, guildId: requester.guildId, model: job.request.model, position },
      'job queued',
    );
    return { job, position };
  }

  async cancel(jobId: string, by: { userId: string; isAdmin: boolean }): Promise<void> {
    const job = await this.#queue.get(jobId);
    if (job === undefined || this.#ending.has(jobId)) throw new UserError('unknownJob', { jobId });
    if (job.requester.userId !== by.userId && !by.isAdmin)
      throw new UserError('notAllowed', { jobId });
    await this.#queue.withdraw(jobId, { kind: 'cancelled', byUserId: by.userId });
  }

  async resume(): Promise<{ resumed: number; expired: number }> {
    const jobs = await this.#options.journal.unfinished();
    let expired = 0;
    for (const job of jobs) {
      const line = this.#track(job);
      if (job.deadlineAt <= this.#clock.now()) {
        // Its hold lapsed with the deadline; the refund only makes that explicit.
        expired += 1;
        line.open();
        await this.#stop(job, { kind: 'deadline' });
        continue;
      }
      try {
        line.open(
          this.#observed(job, { type: 'queued', position: await this.#queue.enqueue(job) }),
        );
      } catch (error) {
        line.open();
        await this.#stop(job, error);
      }
    }
    this.#logger.info({ resumed: jobs.length - expired, expired }, 'resumed unfinished jobs');
    return { resumed: jobs.length - expired, expired };
  }

  standing(guildId: string, userId: string, roleIds?: readonly string[]): Promise<QuotaStanding> {
    return this.#options.quotas.standing(guildId, userId, this.#clock.now(), roleIds);
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= this.#windDown();
    return this.#shutdown;
  }

  async #windDown(): Promise<void> {
    const { shutdownGraceMs } = this.#options.queue;
    this.#logger.info({ graceMs: shutdownGraceMs }, 'shutting down: waiting jobs stay queued');
    await this.#queue.drain({ kind: 'shutdown' });
    const grace = new AbortController();
    const finished = await Promise.race([
      this.#queue.onIdle().then(() => true),
      sleep(shutdownGraceMs, false, { signal: grace.signal }).catch(() => true),
    ]);
    grace.abort();
    if (!finished) {
      this.#logger.warn(
        'shutdown grace period over: running jobs will run again at the next start',
      );
      await this.#queue.abortRunning({ kind: 'shutdown' });
    }
    await this.#queue.onIdle();
    await this.#queue.close();
    // What is left waiting on a shared queue is the other processes' to run, end and report.
    for (const jobId of [...this.#active.keys()]) this.#untrack(jobId);
  }

  /** Runs a job whose turn came, and ends it. */
  async #run(job: Job, signal: AbortSignal, sending?: () => Promise<void>): Promise<void> {
    const { images, quotas, userSalt, costOf } = this.#options;
    const line = this.#lineOf(job);
    line.progress(this.#observed(job, { type: 'started' }));
    const startedAt = this.#clock.now();
    const streams =
      (this.catalogue.get(job.request.model)?.streaming ?? false) && this.#partialImages > 0;
    try {
      const inputs = await this.#inputsOf(job, signal);
      await sending?.();
      const result = await images.generate(job.request, {
        inputs,
        user: hashUser(userSalt, job.requester.platform, job.requester.userId),
        signal,
        maxImageBytes: this.#reporterFor(job.requester.platform).maxImageBytes?.(job),
        // The cap is the key's: one 429 holds back every job, in every process sharing the queue.
        onRateLimited: (ms) =>
          void this.#queue
            .pauseStarts(ms)
            .catch((error: unknown) =>
              this.#logger.error({ err: error }, 'could not pause the queue after a 429'),
            ),
        ...(streams && {
          partialImages: this.#partialImages,
          onPartialImage: (image) => line.progress({ type: 'partial', image }),
        }),
      });
      const quota = await quotas.commit(
        holdOf(job),
        { images: result.images.length, tokens: result.usage?.totalTokens, usage: result.usage },
        this.#clock.now(),
      );
      await this.#end(job, {
        type: 'completed',
        images: result.images,
        usage: result.usage,
        elapsedMs: this.#clock.now() - startedAt,
        quota,
        ...(costOf && { costMicros: costOf(job.request, result.images.length, result.usage) }),
      });
    } catch (error) {
      // Once the job was stopped, whatever the client threw is the stop's echo, not the cause.
      await this.#stop(job, signal.aborted ? signal.reason : error);
    }
  }

  /** Fetches and checks the job's input images; refused ones end the job, refunded. */
  async #inputsOf(job: Job, signal: AbortSignal): Promise<InputImage[] | undefined> {
    const refs = job.request.inputs ?? [];
    if (refs.length === 0) return undefined;
    const rules = this.catalogue.get(job.request.model)?.inputs;
    if (rules === undefined)
      throw new CodedError('service.noInputs', `${job.request.model} takes no input images`);
    return loadInputs(refs, rules, this.#options.inputs ?? new Map(), {
      timeoutMs: this.#options.inputTimeoutMs ?? 30_000,
      signal,
    });
  }

  /**
   * Ends a job that did not succeed: refund first, so the requester is told only once it holds.
   * A shutdown only suspends it: it keeps its hold and its record, and resumes at the next start.
   */
  async #stop(job: Job, reason: unknown): Promise<void> {
    if (!this.#active.has(job.id)) return;
    const ending = this.#endingOf(job, reason);
    if (ending.type !== 'suspended') await this.#refund(job);
    await this.#end(job, ending);
  }

  #endingOf(job: Job, reason: unknown): LastEvent {
    if (isStopReason(reason)) {
      this.#logger.info({ jobId: job.id, stop: reason.kind }, 'job stopped');
      return stopEvent(reason);
    }
    const failure = failureOf(reason);
    if (failure !== undefined) {
      const level = failure.reason === 'misconfigured' ? 'error' : 'warn';
      this.#logger[level](
        { jobId: job.id, failure: failure.reason, err: reason },
        failure.reason === 'misconfigured'
          ? 'the Images API refused the key: check IMAGES_API_KEY and IMAGES_API_BASE_URL'
          : 'job failed',
      );
      return { type: 'failed', failure };
    }
    const incidentId = newIncidentId();
    this.#logger.error({ jobId: job.id, incidentId, err: reason }, 'job failed unexpectedly');
    return { type: 'failed', failure: { reason: 'internal', incidentId } };
  }

  /**
   * Delivers the job's last event here and stops tracking it; a second one is ignored. An ended
   * job leaves the journal once its ending is delivered; a suspended one stays for the next start.
   */
  async #end(job: Job, ending: LastEvent): Promise<void> {
    const active = this.#active.get(job.id);
    if (active === undefined) return;
    this.#untrack(job.id);
    this.#ending.add(job.id);
    try {
      await active.line.end(this.#observed(job, ending));
      if (ending.type === 'suspended') return;
      await this.#forget(job);
      if (job.auditChannelId !== undefined) await this.#audit(job, ending);
    } finally {
      this.#ending.delete(job.id);
    }
  }

  /** The audit line never changes how a job ended; trouble posting it is only logged. */
  async #audit(job: Job, ending: FinalEvent): Promise<void> {
    try {
      await this.#reporterFor(job.requester.platform).audit?.(job, ending);
    } catch (error) {
      this.#logger.error({ jobId: job.id, err: error }, 'could not post to the audit channel');
    }
  }

  /** Shows the observer (metrics) each event as it happens, before progress is coalesced. */
  #observed<Event extends JobEvent>(job: Job, event: Event): Event {
    this.#options.observe?.(job, event);
    return event;
  }

  async #forget(job: Job): Promise<void> {
    try {
      await this.#options.journal.forget(job.id);
    } catch (error) {
      // Left in the journal, the job is resumed at the next start and ends there, past its deadline.
      this.#logger.error(
        { jobId: job.id, err: error },
        'could not remove an ended job from the journal',
      );
    }
  }

  async #refund(job: Job): Promise<void> {
    try {
      await this.#options.quotas.refund(holdOf(job), this.#clock.now());
    } catch (error) {
      // The hold lapses at the job deadline anyway; nothing more can be done here.
      this.#logger.error({ jobId: job.id, err: error }, 'refund failed');
    }
  }

  #track(job: Job): JobLine {
    const deadline = setTimeout(
      () => this.#withdrawSoon(job.id, { kind: 'deadline' }),
      job.deadlineAt - this.#clock.now(),
    );
    deadline.unref();
    const reporter = this.#reporterFor(job.requester.platform);
    const line = new JobLine(
      (event) => this.#report(reporter, job, event),
      this.#progressIntervalMs,
      this.#clock,
    );
    this.#active.set(job.id, { line, deadline });
    return line;
  }

  /** Hands one event to the reporter; never rejects, since a reporter's trouble is not the job's. */
  async #report(reporter: JobReporter, job: Job, event: JobEvent): Promise<void> {
    try {
      await reporter.report(job, event);
    } catch (error) {
      if (error instanceof UndeliverableError && isProgress(event)) {
        // Nothing more can reach the requester there: end the job now rather than make images
        // nobody sees. Not awaited, since the stop's own ending is delivered behind this event.
        this.#logger.warn({ jobId: job.id, err: error }, 'job address refuses the bot: stopping');
        this.#withdrawSoon(job.id, { kind: 'undeliverable' });
        return;
      }
      this.#logger.error(
        { jobId: job.id, event: event.type, err: error },
        'reporting a job event failed',
      );
    }
  }

  /** Withdraws a job without waiting; a store that fails meanwhile is logged (the sweep ends it). */
  #withdrawSoon(jobId: string, reason: StopReason): void {
    this.#queue
      .withdraw(jobId, reason)
      .catch((error: unknown) =>
        this.#logger.error({ jobId, stop: reason.kind, err: error }, 'could not withdraw a job'),
      );
  }

  #untrack(jobId: string): void {
    clearTimeout(this.#active.get(jobId)?.deadline);
    this.#active.delete(jobId);
  }

  /** The job's line; a job queued by another process sharing the queue gets one here. */
  #lineOf(job: Job): JobLine {
    const active = this.#active.get(job.id);
    if (active !== undefined) return active.line;
    const line = this.#track(job);
    line.open();
    return line;
  }

  #reporterFor(platform: Platform): JobReporter {
    const reporter = this.#options.reporters.get(platform);
    if (reporter === undefined)
      throw new CodedError('service.noReporter', `no job reporter is set up for ${platform}`);
    return reporter;
  }

  #refuseWhenShuttingDown(): void {
    if (this.#shutdown !== undefined) throw new UserError('shuttingDown');
  }
}

/** The generation service, over the in-process fair queue unless `createQueue` gives another. */
export const createGenerationService = (options: GenerationServiceOptions): GenerationService =>
  new Service(options);
