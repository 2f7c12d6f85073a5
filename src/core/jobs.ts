/**
 * Jobs and their events: plain data, so that the process that takes a command, the one that runs
 * the job and the one that delivers the result need not be the same.
 */
import { CodedError } from './errors.js';
import type { DecodedImage, ImageUsage, PartialImage } from './images/types.js';
import type { QuotaStanding } from './quota/types.js';
import type { InputRule } from './inputs.js';
import type { DeliveryAddress, ImageRequest, Platform, Requester } from './request.js';

export interface Job {
  id: string;
  request: ImageRequest;
  requester: Requester;
  delivery: DeliveryAddress;
  /** Epoch milliseconds. */
  submittedAt: number;
  deadlineAt: number;
  /** The guild's audit channel when the job was accepted: where its ending is reported. */
  auditChannelId?: string;
}

/** Why a job failed, as data; each adapter words it in the requester's language. */
export type FailureReason =
  | 'contentPolicy'
  | 'invalidRequest'
  | 'rateLimited'
  | 'misconfigured'
  | 'timeout'
  | 'upstream'
  | 'tooLarge'
  | 'deadline'
  | 'undeliverable'
  | 'badInput'
  | 'internal';

export interface JobFailure {
  reason: FailureReason;
  /** For `invalidRequest`: the parameter the API named. */
  param?: string;
  /** For `internal`: the id logged with the stack, shown to the user so support can find it. */
  incidentId?: string;
  /** For `badInput`: the file, the rule it broke, and what the model takes. */
  input?: { file: string; rule: InputRule; maxBytes: number; types: readonly string[] };
}

export type JobEvent =
  | { type: 'queued'; position: number }
  | { type: 'started' }
  | { type: 'partial'; image: PartialImage }
  | {
      type: 'completed';
      images: DecodedImage[];
      usage?: ImageUsage;
      elapsedMs: number;
      quota: QuotaStanding;
      /** What the job cost in micro-dollars, when prices are known (see `costOf`). */
      costMicros?: number;
    }
  | { type: 'failed'; failure: JobFailure }
  | { type: 'cancelled'; byUserId: string }
  /** This process stops before the job ended; the job keeps its place and resumes at the next start. */
  | { type: 'suspended' };

/** Events that only show progress: a newer one of these makes an older undelivered one moot. */
export type ProgressEvent = Extract<JobEvent, { type: 'queued' | 'started' | 'partial' }>;
export type CompletedEvent = Extract<JobEvent, { type: 'completed' }>;
export type SuspendedEvent = Extract<JobEvent, { type: 'suspended' }>;
/** The one event that ends a job. */
export type FinalEvent = Exclude<JobEvent, ProgressEvent | SuspendedEvent>;
/** The last event one process delivers for a job: its ending, or its suspension at shutdown. */
export type LastEvent = FinalEvent | SuspendedEvent;

export const isProgress = (event: JobEvent): event is ProgressEvent =>
  event.type === 'queued' || event.type === 'started' || event.type === 'partial';

/**
 * Thrown by a reporter when the job's address refuses the bot (a channel it may not post in), so
 * no later event can reach it either. The service then ends the job: refunded, and its ending
 * reported once more for whatever private route the platform still has.
 */
export class UndeliverableError extends CodedError {
  override readonly name = 'UndeliverableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('delivery.undeliverable', message, options);
  }
}

/**
 * The delivery port each platform adapter implements. It needs only the job's data (the address
 * inside it) and the event, so a worker in another process can deliver through REST alone.
 *
 * The service hands over one job's events one at a time, in order, never two at once, and
 * coalesces progress (the newest position or preview wins, at most one per interval per job), so a
 * reporter is a plain switch over the event type. `report` resolves once the event is delivered.
 * It throws {@link UndeliverableError} when the address refuses the bot; anything else it throws is
 * logged as delivery trouble and does not change how the job ends.
 */
export interface JobReporter {
  report(job: Job, event: JobEvent): Promise<void>;
  /**
   * Posts one line about a job that ended to `job.auditChannelId`, after its ending was reported:
   * who asked, what, with which settings, how it ended, where the result is, and a way for
   * moderators to delete that result. A platform without it audits nothing.
   */
  audit?(job: Job, ending: FinalEvent): Promise<void>;
  /**
   * The most bytes one image may have at the job's address (a platform's upload limit), so the
   * API can be asked for images that fit. @default no limit
   */
  maxImageBytes?(job: Job): number | undefined;
}

/** Each platform's reporter, by the platform name its requesters carry. */
export type JobReporters = ReadonlyMap<Platform, JobReporter>;
