/**
 * The two error families.
 *
 * - {@link UserError}: an expected refusal the user can act on (bad option, quota spent, queue full).
 *   It carries a stable identifier and the context a sentence needs, never a pre-written message,
 *   so each adapter words it in the user's language.
 * - {@link CodedError}: an internal or upstream failure with a stable code. Adapters decide once,
 *   in one place, what a user is told about it; the stack stays in the log.
 */

import { randomBytes } from 'node:crypto';

/** Identifiers of expected refusals. Adapters map each to a localised sentence. */
export type UserErrorId =
  | 'invalidOptions'
  | 'malformedCommand'
  | 'quotaExceeded'
  | 'tokenBudgetExceeded'
  | 'budgetExceeded'
  | 'tooManyPendingInGuild'
  | 'tooManyPendingForUser'
  | 'shuttingDown'
  | 'storeUnavailable'
  | 'notAllowed'
  | 'guildOnly'
  | 'unknownJob'
  | 'channelNotAllowed'
  | 'blockedTerm'
  | 'limitExceeded'
  | 'moderationNotAllowed'
  | 'cooldown'
  | 'invalidSetting';

export type ErrorContext = Readonly<
  Record<string, string | number | boolean | readonly string[] | undefined>
>;

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly identifier: UserErrorId,
    readonly context: ErrorContext = {},
    message?: string,
  ) {
    super(message ?? identifier);
  }
}

export class CodedError extends Error {
  override readonly name: string = 'CodedError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isUserError = (error: unknown): error is UserError => error instanceof UserError;

/**
 * `work`, or a `UserError('storeUnavailable')` once `ms` have passed without it: a request whose
 * store does not answer is refused in time for its owner to hear about it. `late` runs with the
 * result if the work finishes after all, to undo what the refused request still did.
 */
export const withinTime = async <T>(
  work: Promise<T>,
  ms: number,
  late: (value: T) => unknown = () => {},
): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      work.then(late, () => {});
      reject(new UserError('storeUnavailable'));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * A short id logged with an unexpected failure's stack and shown to the user, so a report from a
 * user leads to the log line without the user seeing internals.
 */
export const newIncidentId = (): string => randomBytes(4).toString('hex');
