/**
 * When to try a failed Images API call again, and after how long. Pure: the clock reading and the
 * random source come in as arguments, so tests can check every decision directly.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** No retry starts later than this many milliseconds after the first attempt began. */
  budgetMs: number;
  /** The first backoff delay; each later retry doubles it. */
  baseDelayMs: number;
  /** The cap on a computed backoff delay (a server's own retry-after may exceed it). */
  maxDelayMs: number;
}

/** The facts about a failed attempt that decide whether it may be retried. */
export interface FailureFacts {
  status?: number;
  providerCode?: string;
  /** How long the server asked us to wait, from `retry-after-ms` or `retry-after`. */
  retryAfterMs?: number;
  /** The request never left this machine (connection refused, name not resolved), so cannot have been billed. */
  notSent?: boolean;
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'notRetryable' | 'attemptsExhausted' | 'budgetExhausted' };

const transientStatuses = new Set([429, 500, 502, 503, 504]);

/**
 * A request that reached the server and failed in a way that may pass (429, 5xx), or one that never
 * left. Everything else, a timeout after sending above all, is final: the provider may already have
 * generated, and billed, the image. `insufficient_quota` is a 429 that waiting does not cure.
 */
export const isRetryable = (failure: FailureFacts): boolean =>
  failure.notSent === true ||
  (failure.status !== undefined &&
    transientStatuses.has(failure.status) &&
    failure.providerCode !== 'insufficient_quota');

/**
 * Exponential backoff with "equal jitter": half the delay is fixed and half random, so clients that
 * failed together spread out without any of them retrying at once.
 */
export const backoffDelay = (retry: number, policy: RetryPolicy, random: () => number): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
};

/**
 * Whether to make attempt `attemptsMade + 1`, and when. A server's retry-after is honoured as
 * given; when it, or the backoff, would end past the budget, retrying stops now rather than waiting
 * for a retry that is not allowed to start.
 */
export const decideRetry = (
  failure: FailureFacts,
  state: { attemptsMade: number; elapsedMs: number },
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision => {
  if (!isRetryable(failure)) return { retry: false, reason: 'notRetryable' };
  if (state.attemptsMade > policy.maxRetries) return { retry: false, reason: 'attemptsExhausted' };
  const delayMs = failure.retryAfterMs ?? backoffDelay(state.attemptsMade, policy, random);
  if (state.elapsedMs + delayMs > policy.budgetMs)
    return { retry: false, reason: 'budgetExhausted' };
  return { retry: true, delayMs };
};

/**
 * The wait a server asked for: `retry-after-ms` (OpenAI's, finer) first, then `retry-after` as
 * seconds or as an HTTP date. `undefined` when neither is present or readable.
 */
export const parseRetryAfter = (
  headers: { get(name: string): string | null },
  nowMs: number,
): number | undefined => {
  const milliseconds = headers.get('retry-after-ms')?.trim();
  if (milliseconds && /^\d+(\.\d+)?$/.test(milliseconds)) return Math.ceil(Number(milliseconds));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
};
