/**
 * The generation service: the one surface the chat adapters call. It checks a request, reserves
 * quota, queues the job fairly, runs it against the Images API, and settles it exactly once:
 * commit on success, refund on every other ending (failure, cancel, deadline, shutdown). Events go
 * out through the reporter of the requester's platform, never through the object that took the
 * command, so the work can move to another process later.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CodedError, newIncidentId, UserError } from './errors.js';
import { EventLine } from './generation/event-line.js';
import {
  checkServiceOptions,
  type CheckedOptions,
  type GenerationServiceOptions,
} from './generation/options.js';
import { failureOf, holdOf, isStopReason, stopEvent } from './generation/outcome.js';
import { hashUser } from './images/user-hash.js';
import type { Job, JobEvent, JobReporter } from './jobs.js';
import type { ModelCatalogue } from './models.js';
import { createFairQueue } from './queue/fair-queue.js';
import { pendingRefusal } from './queue/pending-caps.js';
import type { JobQueue } from './queue/types.js';
import type { QuotaAdmin, QuotaStanding } from './quota/types.js';
import type {
  DeliveryAddress,
  ImageOptionsInput,
  ImageRequest,
  Platform,
  Requester,
} from './request.js';
import { InvalidOptionsError, type GenerationService, type SubmittedJob } from './service-api.js';
import { validateRequest } from './validate.js';

export type { GenerationServiceOptions } from './generation/options.js';

/** What the service keeps for a job between submit and settle. */
interface Active {
  line: EventLine;
  deadline: NodeJS.Timeout;
}

class Service implements GenerationService {
  readonly catalogue: ModelCatalogue;
  readonly defaultModel: string;
  readonly quotaAdmin: QuotaAdmin;
  readonly #options: CheckedOptions;
  readonly #queue: JobQueue;
  readonly #active = new Map<string, Active>();
  #shutdown: Promise<void> | undefined;

  constructor(input: GenerationServiceOptions) {
    this.#options = checkServiceOptions(input);
    this.catalogue = this.#options.catalogue;
    this.defaultModel = this.#options.defaultModel;
    this.quotaAdmin = this.#options.quotas;
    this.#queue = createFairQueue({
      ...this.#options.queue,
      rateWindowMs: this.#options.rateWindowMs,
      positionIntervalMs: this.#options.positionIntervalMs,
      clock: this.#options.clock,
      handlers: {
        run: (job, signal) => this.#run(job, signal),
        dropped: (job, reason) => this.#stop(job, reason),
        moved: (job, position) =>
          void this.#active.get(job.id)?.line.send({ type: 'queued', position }),
      },
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
    const { queue, clock, quotas } = this.#options;
    const refusal = pendingRefusal(
      await this.#queue.pending(requester.guildId, requester.userId),
      queue,
    );
    if (refusal !== undefined) throw refusal;

    const now = clock.now();
    const job: Job = {
      id: this.#options.newJobId(),
      request: checked.request,
      requester,
      delivery,
      submittedAt: now,
      deadlineAt: now + queue.jobDeadlineMs,
    };
    const hold = holdOf(job);
    await quotas.reserve(hold, now);
    let position: number;
    let line: EventLine;
    try {
      // Shutdown may have begun while the quota store answered; a job queued now would never run.
      this.#refuseWhenShuttingDown();
      line = this.#track(job);
      position = await this.#queue.enqueue(job);
    } catch (error) {
      this.#untrack(job.id);
      await this.#refund(job);
      throw error;
    }
    // Opened through the job's own line, not a lookup: a job that ended before its submitter
    // resumed is no longer tracked, and its ending waits behind this first event.
    line.open({ type: 'queued', position });
    this.#options.logger.info(
      { jobId: job.id, guildId: requester.guildId, model: job.request.model, position },
      'job queued',
    );
    return { job, position };
  }

  async cancel(jobId: string, by: { userId: string; isAdmin: boolean }): Promise<void> {
    const job = await this.#queue.get(jobId);
    // A job whose ending is being delivered is still in the queue for a moment, but is over.
    if (job === undefined || !this.#active.has(jobId)) throw new UserError('unknownJob', { jobId });
    if (job.requester.userId !== by.userId && !by.isAdmin)
      throw new UserError('notAllowed', { jobId });
    await this.#queue.withdraw(jobId, { kind: 'cancelled', byUserId: by.userId });
  }

  standing(guildId: string, userId: string): Promise<QuotaStanding> {
    return this.#options.quotas.standing(guildId, userId, this.#options.clock.now());
  }

  rememberResult(platform: Platform, messageId: string, job: Job): Promise<void> {
    return this.#options.results.save(platform, messageId, job.request);
  }

  recallResult(platform: Platform, messageId: string): Promise<ImageRequest | undefined> {
    return this.#options.results.load(platform, messageId);
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= this.#windDown();
    return this.#shutdown;
  }

  async #windDown(): Promise<void> {
    const { logger, queue } = this.#options;
    logger.info({ graceMs: queue.shutdownGraceMs }, 'shutting down: refunding queued jobs');
    await this.#queue.drain({ kind: 'shutdown' });
    const grace = new AbortController();
    const finished = await Promise.race([
      this.#queue.onIdle().then(() => true),
      sleep(queue.shutdownGraceMs, false, { signal: grace.signal }).catch(() => true),
    ]);
    grace.abort();
    if (!finished) {
      logger.warn('shutdown grace period over: aborting running jobs');
      await this.#queue.abortRunning({ kind: 'shutdown' });
    }
    await this.#queue.onIdle();
    await this.#queue.close();
  }

  /** Runs a job whose turn came, and settles it. */
  async #run(job: Job, signal: AbortSignal): Promise<void> {
    const { images, quotas, clock, userSalt, partialImages } = this.#options;
    const line = this.#lineOf(job);
    void line.send({ type: 'started' });
    const startedAt = clock.now();
    const streams =
      (this.catalogue.get(job.request.model)?.streaming ?? false) && partialImages > 0;
    try {
      const result = await images.generate(job.request, {
        user: hashUser(userSalt, job.requester.platform, job.requester.userId),
        signal,
        ...(streams && {
          partialImages,
          onPartialImage: (image) => void line.send({ type: 'partial', image }),
        }),
      });
      const quota = await quotas.commit(
        holdOf(job),
        { images: result.images.length, tokens: result.usage?.totalTokens, usage: result.usage },
        clock.now(),
      );
      await this.#settle(job, {
        type: 'completed',
        images: result.images,
        usage: result.usage,
        elapsedMs: clock.now() - startedAt,
        quota,
      });
    } catch (error) {
      // Once the job was stopped, whatever the client threw is the stop's echo, not the cause.
      await this.#stop(job, signal.aborted ? signal.reason : error);
    }
  }

  /** Settles a job that did not succeed: refund first, so the requester is told only once it holds. */
  async #stop(job: Job, reason: unknown): Promise<void> {
    if (!this.#active.has(job.id)) return;
    await this.#refund(job);
    await this.#settle(job, this.#endingOf(job, reason));
  }

  #endingOf(job: Job, reason: unknown): JobEvent {
    if (isStopReason(reason)) {
      this.#options.logger.info({ jobId: job.id, stop: reason.kind }, 'job stopped');
      return stopEvent(reason);
    }
    const failure = failureOf(reason);
    if (failure !== undefined) {
      const level = failure.reason === 'misconfigured' ? 'error' : 'warn';
      this.#options.logger[level](
        { jobId: job.id, failure: failure.reason, err: reason },
        failure.reason === 'misconfigured'
          ? 'the Images API refused the key: check IMAGES_API_KEY and IMAGES_API_BASE_URL'
          : 'job failed',
      );
      return { type: 'failed', failure };
    }
    const incidentId = newIncidentId();
    this.#options.logger.error(
      { jobId: job.id, incidentId, err: reason },
      'job failed unexpectedly',
    );
    return { type: 'failed', failure: { reason: 'internal', incidentId } };
  }

  /** Sends the job's last event and forgets it; a second ending for the same job is ignored. */
  async #settle(job: Job, ending: JobEvent): Promise<void> {
    const active = this.#active.get(job.id);
    if (active === undefined) return;
    this.#untrack(job.id);
    await active.line.send(ending);
  }

  async #refund(job: Job): Promise<void> {
    try {
      await this.#options.quotas.refund(holdOf(job), this.#options.clock.now());
    } catch (error) {
      // The hold lapses at the job deadline anyway; nothing more can be done here.
      this.#options.logger.error({ jobId: job.id, err: error }, 'refund failed');
    }
  }

  #track(job: Job): EventLine {
    const { clock, logger } = this.#options;
    const deadline = setTimeout(() => {
      void this.#queue.withdraw(job.id, { kind: 'deadline' });
    }, job.deadlineAt - clock.now());
    deadline.unref();
    const reporter = this.#reporterFor(job.requester.platform);
    const line = new EventLine(async (event) => {
      try {
        await reporter.report(job, event);
      } catch (error) {
        // A reporter's trouble is delivery trouble: it must not turn a result into a refund.
        logger.error(
          { jobId: job.id, event: event.type, err: error },
          'reporting a job event failed',
        );
      }
    });
    this.#active.set(job.id, { line, deadline });
    return line;
  }

  #untrack(jobId: string): void {
    clearTimeout(this.#active.get(jobId)?.deadline);
    this.#active.delete(jobId);
  }

  #lineOf(job: Job): EventLine {
    const active = this.#active.get(job.id);
    if (active === undefined)
      throw new CodedError('service.unknownJob', `job ${job.id} ran without being submitted here`);
    return active.line;
  }

  #reporterFor(platform: Platform): JobReporter {
    const reporter = this.#options.reporters[platform];
    if (reporter === undefined)
      throw new CodedError('service.noReporter', `no job reporter is set up for ${platform}`);
    return reporter;
  }

  #refuseWhenShuttingDown(): void {
    if (this.#shutdown !== undefined) throw new UserError('shuttingDown');
  }
}

/** The generation service over the in-process fair queue. Options are checked here. */
export const createGenerationService = (options: GenerationServiceOptions): GenerationService =>
  new Service(options);
