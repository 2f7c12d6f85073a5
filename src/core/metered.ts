/**
 * Metrics gathered around the generation service instead of inside it: a reporter decorator sees
 * every job event (queued, started, the ending), and a service decorator sees every refusal at
 * submit. Whichever process reports a job's events records its metrics, so a worker that runs
 * jobs for another process's commands measures what it runs.
 */
import { actualMicros } from './cost/estimate.js';
import type { PriceTable } from './cost/price-table.js';
import { isUserError } from './errors.js';
import type { Job, JobEvent, JobReporter, JobReporters } from './jobs.js';
import type { JobLabels, Metrics } from './metrics.js';
import type { GenerationService } from './service-api.js';

interface Tracked {
  state: 'waiting' | 'running';
  startedAt?: number;
}

const labelsOf = (job: Job): JobLabels => ({
  model: job.request.model,
  platform: job.requester.platform,
});

/** Keeps each job's state between events; one per process, shared by every platform's reporter. */
export class JobMeter {
  readonly #jobs = new Map<string, Tracked>();

  constructor(
    private readonly metrics: Metrics,
    private readonly prices: PriceTable,
    private readonly now: () => number = Date.now,
  ) {}

  observe(job: Job, event: JobEvent): void {
    const { metrics } = this;
    const tracked = this.#jobs.get(job.id);
    switch (event.type) {
      case 'queued':
        if (tracked) return;
        this.#jobs.set(job.id, { state: 'waiting' });
        metrics.waiting(1);
        return;
      case 'started': {
        if (tracked?.state !== 'waiting') return;
        const startedAt = this.now();
        this.#jobs.set(job.id, { state: 'running', startedAt });
        metrics.waiting(-1);
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

  #end(
    job: Job,
    event: Extract<JobEvent, { type: 'completed' | 'failed' | 'cancelled' }>,
    tracked: Tracked | undefined,
  ): void {
    const { metrics } = this;
    const labels = labelsOf(job);
    this.#jobs.delete(job.id);
    if (tracked?.state === 'waiting') metrics.waiting(-1);
    if (tracked?.state === 'running') {
      metrics.running(-1);
      metrics.ran((this.now() - tracked.startedAt!) / 1000, labels);
    }
    if (event.type === 'completed') {
      metrics.jobEnded('delivered', labels);
      const { usage } = event;
      metrics.spent(
        job.request.model,
        usage?.inputTokens !== undefined && usage.outputTokens !== undefined
          ? { input: usage.inputTokens, output: usage.outputTokens }
          : undefined,
        actualMicros(this.prices, job.request, event.images.length, usage),
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

/** Each platform's reporter, recording every event before it delivers it. */
export const meteredReporters = (reporters: JobReporters, meter: JobMeter): JobReporters =>
  Object.fromEntries(
    Object.entries(reporters).map(([platform, reporter]) => [
      platform,
      {
        report: (job: Job, event: JobEvent) => {
          meter.observe(job, event);
          return reporter.report(job, event);
        },
      } satisfies JobReporter,
    ]),
  );

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
