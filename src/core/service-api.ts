/**
 * The surface the chat adapters call. Adapters translate platform events into these calls and
 * events back into messages; every decision about requests, queueing and quotas is behind it.
 */
import { UserError } from './errors.js';
import type { Job } from './jobs.js';
import type { ModelCatalogue } from './models.js';
import type { PolicyAdmin } from './policy/types.js';
import type { QuotaAdmin, QuotaStanding } from './quota/types.js';
import type { DeliveryAddress, ImageOptionsInput, Requester } from './request.js';
import type { Problem } from './validate.js';

/** A request that failed validation: every problem, structured for wording in the user's language. */
export class InvalidOptionsError extends UserError {
  constructor(readonly problems: readonly Problem[]) {
    super('invalidOptions', { count: problems.length });
  }
}

export interface SubmittedJob {
  job: Job;
  /** 1-based place in the queue at submission; 0 when it started at once. */
  position: number;
}

export interface GenerationService {
  readonly catalogue: ModelCatalogue;
  readonly defaultModel: string;
  /**
   * Validates, checks the guild's policy and the pending caps, reserves quota and queues. Refusals
   * throw a UserError (`InvalidOptionsError`, `channelNotAllowed`, `blockedTerm`, `limitExceeded`,
   * `moderationNotAllowed`, `cooldown`, `quotaExceeded`, `tooManyPendingInGuild`,
   * `tooManyPendingForUser`, `shuttingDown`) and spend nothing. Progress goes to the reporter of `requester.platform`.
   */
  submit(
    input: ImageOptionsInput,
    requester: Requester,
    delivery: DeliveryAddress,
  ): Promise<SubmittedJob>;
  /** The requester or an admin may cancel; throws `UserError('notAllowed' | 'unknownJob')`. */
  cancel(jobId: string, by: { userId: string; isAdmin: boolean }): Promise<void>;
  /** `roleIds`: the member's roles, whose limits may apply to them. */
  standing(guildId: string, userId: string, roleIds?: readonly string[]): Promise<QuotaStanding>;
  readonly quotaAdmin: QuotaAdmin;
  /** What `/imagine-settings` reads and changes; a change holds for the next request everywhere. */
  readonly policyAdmin: PolicyAdmin;
  /**
   * Takes up every job the journal holds from before a restart, in the order they were submitted:
   * each runs again (its quota hold is still there, so it is charged once), or, past its deadline,
   * is refunded and its owner told.
   */
  resume(): Promise<{ resumed: number; expired: number }>;
  /**
   * Stops taking work and lets running jobs finish within the grace period. Jobs still waiting, or
   * running past it, are suspended: their owners are told, and they resume at the next start.
   */
  shutdown(): Promise<void>;
}
