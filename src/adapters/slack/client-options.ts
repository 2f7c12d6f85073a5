/**
 * Web API client options shared by the Bolt app and the job reporter. The WebClient's default
 * policy retries 10 times over about 30 minutes and sleeps whatever `Retry-After` says; a user
 * waiting on a status message must hear back long before that, so both are bounded here.
 */
import type { Logger as BoltLogger, webApi } from '@slack/bolt';

export interface SlackRetryOptions {
  /** Retries after the first attempt (429, 5xx, network errors). @default 3 */
  retries?: number;
  /** First backoff between attempts. @default 1000 */
  minTimeoutMs?: number;
  /** Longest backoff between attempts. @default 10000 */
  maxTimeoutMs?: number;
  /** No retry starts after this long since the first attempt. @default 60000 */
  maxRetryTimeMs?: number;
  /**
   * The longest `Retry-After` honoured. A 429 asking for longer fails the call at once instead of
   * holding it (and every call queued behind it) for that long. @default 30
   */
  maxRetryAfterSeconds?: number;
}

export type ResolvedRetryOptions = Required<SlackRetryOptions>;

const defaults: ResolvedRetryOptions = {
  retries: 3,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 10_000,
  maxRetryTimeMs: 60_000,
  maxRetryAfterSeconds: 30,
};

/** Fills the defaults. */
export const resolveRetryOptions = (options: SlackRetryOptions = {}): ResolvedRetryOptions => ({
  ...defaults,
  ...options,
});

/** The seconds a 429 asks to wait, or undefined when its `Retry-After` is missing or not a number. Pure. */
const retryAfterSeconds = (response: Response): number | undefined => {
  const seconds = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  return Number.isNaN(seconds) ? undefined : seconds;
};

/**
 * Wraps fetch so a 429 asking to wait longer than `maxSeconds` reaches the WebClient without its
 * `Retry-After`: the WebClient then fails the call at once rather than sleeping. Shorter waits pass
 * through untouched and the WebClient honours them.
 */
const boundRetryAfter =
  (fetchFn: typeof fetch, maxSeconds: number, logger: BoltLogger): typeof fetch =>
  async (input, init) => {
    const response = await fetchFn(input, init);
    if (response.status !== 429) return response;
    const seconds = retryAfterSeconds(response);
    if (seconds === undefined || seconds <= maxSeconds) return response;
    logger.warn(
      `Slack asked to wait ${seconds} s before retrying, more than the ${maxSeconds} s allowed: giving up this call`,
    );
    const headers = new Headers(response.headers);
    headers.delete('retry-after');
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };

/** Options for every WebClient the adapter makes: the API URL, the bounded retries, the logger. */
export const slackClientOptions = (
  apiUrl: string,
  retry: ResolvedRetryOptions,
  logger: BoltLogger,
): webApi.WebClientOptions => ({
  slackApiUrl: apiUrl,
  logger,
  retryConfig: {
    retries: retry.retries,
    factor: 2,
    randomize: true,
    minTimeout: retry.minTimeoutMs,
    maxTimeout: retry.maxTimeoutMs,
    maxRetryTime: retry.maxRetryTimeMs,
  },
  fetch: boundRetryAfter(globalThis.fetch, retry.maxRetryAfterSeconds, logger),
});
