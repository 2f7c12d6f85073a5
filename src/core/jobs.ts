/**
 * Jobs and their events: plain data, so that the process that takes a command, the one that runs
 * the job and the one that delivers the result need not be the same.
 */
import type { DecodedImage, ImageUsage, PartialImage } from './images/types.js';
import type { QuotaStanding } from './quota/types.js';
import type { DeliveryAddress, ImageRequest, Platform, Requester } from './request.js';

export interface Job {
  id: string;
  request: ImageRequest;
  requester: Requester;
  delivery: DeliveryAddress;
  /** Epoch milliseconds. */
  submittedAt: number;
  deadlineAt: number;
}

/** Why a job failed, as data; each adapter words it in the requester's language. */
export type FailureReason =
  | 'contentPolicy'
  | 'invalidRequest'
  | 'rateLimited'
  | 'misconfigured'
  | 'timeout'
  | 'upstream'
  | 'deadline'
  | 'shutdown'
  | 'internal';

export interface JobFailure {
  reason: FailureReason;
  /** For `invalidRequest`: the parameter the API named. */
  param?: string;
  /** For `internal`: the id logged with the stack, shown to the user so support can find it. */
  incidentId?: string;
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
    }
  | { type: 'failed'; failure: JobFailure }
  | { type: 'cancelled'; byUserId: string };

/**
 * The delivery port each platform adapter implements. It needs only the job's data (the address
 * inside it) and the event, so a worker in another process can deliver through REST alone.
 * Errors it throws are logged by the service and never fail the job twice.
 */
export interface JobReporter {
  report(job: Job, event: JobEvent): Promise<void>;
}

export type JobReporters = Partial<Record<Platform, JobReporter>>;
