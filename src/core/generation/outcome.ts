/**
 * How a job ends, as data: which failure an error is, what a stop means, and what a job holds of
 * the quota. Pure, so each mapping is tested on its own.
 */
import { ImagesApiError, type ImagesErrorKind } from '../images/types.js';
import { InputRefusedError } from '../inputs.js';
import type { Job, JobFailure, LastEvent } from '../jobs.js';
import type { StopReason } from '../queue/types.js';
import type { QuotaHold } from '../quota/types.js';

/** What a job reserves: its images and their estimated cost, until its deadline, after which an unsettled hold lapses. */
export const holdOf = (job: Job): QuotaHold => ({
  jobId: job.id,
  guildId: job.requester.guildId,
  userId: job.requester.userId,
  images: job.request.count,
  expiresAt: job.deadlineAt,
  request: job.request,
  ...(job.requester.roleIds !== undefined && { roleIds: job.requester.roleIds }),
});

const stopKinds: ReadonlySet<string> = new Set<StopReason['kind']>([
  'cancelled',
  'deadline',
  'shutdown',
  'undeliverable',
]);

export const isStopReason = (value: unknown): value is StopReason =>
  typeof value === 'object' &&
  value !== null &&
  stopKinds.has(String((value as { kind?: unknown }).kind));

/**
 * The event that tells the requester how a stopped job ended. A shutdown does not end a job: it is
 * suspended, and resumes at the next start.
 */
export const stopEvent = (reason: StopReason): LastEvent => {
  switch (reason.kind) {
    case 'cancelled':
      return { type: 'cancelled', byUserId: reason.byUserId };
    case 'deadline':
      return { type: 'failed', failure: { reason: 'deadline' } };
    case 'undeliverable':
      return { type: 'failed', failure: { reason: 'undeliverable' } };
    case 'shutdown':
      return { type: 'suspended' };
  }
};

const reasonOfKind: Record<ImagesErrorKind, JobFailure['reason'] | undefined> = {
  contentPolicy: 'contentPolicy',
  invalidRequest: 'invalidRequest',
  rateLimited: 'rateLimited',
  authentication: 'misconfigured',
  upstream: 'upstream',
  tooLarge: 'tooLarge',
  timeout: 'timeout',
  // An abort the service did not ask for is not the user's doing: treat it as internal.
  aborted: undefined,
};

/**
 * The user-facing failure for an Images API error, or `undefined` for anything unexpected, which the
 * service turns into an `internal` failure with an incident id.
 */
export const failureOf = (error: unknown): JobFailure | undefined => {
  if (error instanceof InputRefusedError) {
    const { file, rule, rules } = error;
    return {
      reason: 'badInput',
      input: { file, rule, maxBytes: rules.maxBytes, types: rules.types },
    };
  }
  if (!(error instanceof ImagesApiError)) return undefined;
  const reason = reasonOfKind[error.kind];
  if (reason === undefined) return undefined;
  if (reason === 'invalidRequest' && error.details.param !== undefined)
    return { reason, param: error.details.param };
  return { reason };
};
