/**
 * A real {@link JobReporter} for tests: it keeps every event it is handed, in order, and lets a test
 * wait for one. It can also fail on chosen event types, as a platform whose API is down would.
 */
import { UndeliverableError, type Job, type JobEvent, type JobReporter } from '#core/jobs.js';

export interface RecordedEvent {
  job: Job;
  event: JobEvent;
  /** Epoch milliseconds when it was reported. */
  at: number;
}

type Watcher = {
  matches: (recorded: RecordedEvent) => boolean;
  resolve: (event: JobEvent) => void;
};

export class RecordingReporter implements JobReporter {
  readonly recorded: RecordedEvent[] = [];
  readonly #failOn: ReadonlySet<JobEvent['type']>;
  readonly #undeliverable: boolean;
  #watchers: Watcher[] = [];

  /**
   * `failOn`: event types whose report throws (after being recorded). @default none
   * `undeliverable`: throw the port's {@link UndeliverableError}, as a channel closed to the bot. @default false
   */
  constructor(options: { failOn?: readonly JobEvent['type'][]; undeliverable?: boolean } = {}) {
    this.#failOn = new Set(options.failOn ?? []);
    this.#undeliverable = options.undeliverable ?? false;
  }

  async report(job: Job, event: JobEvent): Promise<void> {
    const recorded = { job, event, at: Date.now() };
    this.recorded.push(recorded);
    this.#watchers = this.#watchers.filter((watcher) => {
      if (!watcher.matches(recorded)) return true;
      watcher.resolve(event);
      return false;
    });
    if (!this.#failOn.has(event.type)) return;
    if (this.#undeliverable)
      throw new UndeliverableError(`the channel refuses ${event.type} events`);
    throw new Error(`reporter refuses ${event.type} events`);
  }

  /** One job's events, in the order reported. */
  eventsOf(jobId: string): JobEvent[] {
    return this.recorded.filter(({ job }) => job.id === jobId).map(({ event }) => event);
  }

  typesOf(jobId: string): JobEvent['type'][] {
    return this.eventsOf(jobId).map((event) => event.type);
  }

  /** The job's first event of this type, waiting for it if it has not come yet. */
  next<Type extends JobEvent['type']>(
    jobId: string,
    type: Type,
  ): Promise<Extract<JobEvent, { type: Type }>> {
    const matches = ({ job, event }: RecordedEvent) => job.id === jobId && event.type === type;
    const seen = this.recorded.find(matches);
    if (seen !== undefined) return Promise.resolve(seen.event as Extract<JobEvent, { type: Type }>);
    return new Promise((resolve) =>
      this.#watchers.push({
        matches,
        resolve: (event) => resolve(event as Extract<JobEvent, { type: Type }>),
      }),
    );
  }

  /** The job's last event, once it has ended (completed, failed or cancelled). */
  ending(jobId: string): Promise<JobEvent> {
    return Promise.race([
      this.next(jobId, 'completed'),
      this.next(jobId, 'failed'),
      this.next(jobId, 'cancelled'),
    ]);
  }
}
