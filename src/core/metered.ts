/**
 * Metrics gathered around the generation service instead of inside it: the service's observer sees
 * each job queued, started and ended as it happens (before progress is coalesced for the chat
 * message), and a service decorator sees every refusal at submit. Whichever process runs a job
 * records its metrics, so a worker that runs jobs for another process's commands measures them.
 */
import { isUserError } from './errors.js';
import type { Job, JobEvent, LastEvent } from './jobs.js';
import type { JobLabels, Metrics } from './metrics.js';
import type { GenerationService } from './service-api.js';

/**
 * What is known of a job between its events. The service reports a job's place once `enqueue`
 * returns, and a job may start (or even end) before that, so events are taken in any order.
 */
interface Tracked {
  queued: boolean;
  startedAt?: number;
  ended?: true;
}

const labelsOf = (job: Job): JobLabels => ({
  model: job.request.model,
  platform: job.requester.platform,
});

/** Keeps each job's state between its events; one per service. */
export class JobMeter {
  readonly #jobs = new Map<string, Tracked>();

  constructor(
    private readonly metrics: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  observe(job: Job, event: JobEvent): void {
    const { metrics } = this;
    const tracked = this.#jobs.get(job.id) ?? { queued: false };
    switch (event.type) {
      case 'queued':
        if (tracked.ended) {
          this.#jobs.delete(job.id);
          return;
        }
        if (tracked.startedAt === undefined) metrics.waiting(1);
        this.#jobs.set(job.id, { ...tracked, queued: true });
        return;
      case 'started': {
        if (tracked.queued) metrics.waiting(-1);
        const startedAt = this.now();
        this.#jobs.set(job.id, { ...tracked, startedAt });
        metrics.running(1);
        metrics.waited(Math.max(0, startedAt - job.submittedAt) / 1000, labelsOf(job));
        return;
      }
      case 'partial':
        return;
      default:
        this.#end(job, event, tracked);
    }
  }

  /** The job went on in another process (a shared queue): it no longer waits here. */
  released(job: Job): void {
    const tracked = this.#jobs.get(job.id);
    if (tracked === undefined) {
      // Taken before its place was reported: that report, when it comes, counts nothing.
      this.#jobs.set(job.id, { queued: false, ended: true });
      return;
    }
    this.#jobs.delete(job.id);
    if (tracked.queued && tracked.startedAt === undefined && !tracked.ended)
      this.metrics.waiting(-1);
  }

  #end(job: Job, event: LastEvent, tracked: Tracked): void {
    const { metrics } = this;
    const labels = labelsOf(job);
    // A job that ended before its place was reported is remembered until that report comes.
    if (tracked.queued) this.#jobs.delete(job.id);
    else this.#jobs.set(job.id, { ...tracked, ended: true });
    if (tracked.startedAt === undefined) {
      if (tracked.queued) metrics.waiting(-1);
    } else {
      metrics.running(-1);
      // A suspended job did not finish here: it runs again, and is measured, after the restart.
      if (event.type !== 'suspended') metrics.ran((this.now() - tracked.startedAt) / 1000, labels);
    }
    if (event.type === 'suspended') return;
    if (event.type === 'completed') {
      metrics.jobEnded('delivered', labels);
      const { usage } = event;
      metrics.spent(
        job.request.model,
        usage?.inputTokens !== undefined && usage.outputTokens !== undefined
          ? { input: usage.inputTokens, output: usage.outputTokens }
          : undefined,
        event.costMicros ?? 0,
      );
    } else if (event.type === 'failed') {
      metrics.jobEnded('failed', labels);
      metrics.jobFailed(event.failure.reason);
      if (event.failure.reason === 'contentPolicy') metrics.refused('contentPolicy');
    } else {
      metrics.jobEnded('cancelled', labels);
    }
  }
}

/**
 * The service, counting each refusal at submit by its kind. A Proxy rather than a class listing
 * every method, so methods added to the service later pass through unchanged; they are bound to
 * the service itself, whose private fields a proxy as `this` could not reach.
 */
export const meteredService = (service: GenerationService, metrics: Metrics): GenerationService =>
  new Proxy(service, {
    get(target, property) {
      if (property === 'submit') {
        const submit: GenerationService['submit'] = async (input, requester, delivery) => {
          try {
            return await target.submit(input, requester, delivery);
          } catch (error) {
            if (isUserError(error)) {
              metrics.refused(error.identifier);
              const model = input.model?.trim() || target.defaultModel;
              metrics.jobEnded('refused', {
                // A model id typed by a user is a label only when the catalogue knows it.
                model: target.catalogue.get(model) ? model : 'unknown',
                platform: requester.platform,
              });
            }
            throw error;
          }
        };
        return submit;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
