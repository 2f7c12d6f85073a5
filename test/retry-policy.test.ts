import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  decideRetry,
  isRetryable,
  parseRetryAfter,
  type RetryPolicy,
} from '#core/images/retry-policy.js';

const policy: RetryPolicy = {
  maxRetries: 3,
  budgetMs: 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 8_000,
};
const first = { attemptsMade: 1, elapsedMs: 0 };
const headers = (values: Record<string, string>) => new Headers(values);

describe('isRetryable', () => {
  it.each([429, 500, 502, 503, 504])('retries status %i', (status) => {
    expect(isRetryable({ status })).toBe(true);
  });

  it.each([400, 401, 403, 404, 422, 501])('does not retry status %i', (status) => {
    expect(isRetryable({ status })).toBe(false);
  });

  it('retries a connection that was never made', () => {
    expect(isRetryable({ notSent: true })).toBe(true);
  });

  it('does not retry a failure after sending that has no status, such as a timeout', () => {
    expect(isRetryable({})).toBe(false);
  });

  it('does not retry a 429 for a used-up billing quota', () => {
    expect(isRetryable({ status: 429, providerCode: 'insufficient_quota' })).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles per retry between half and all of the ceiling', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(2, policy, () => 1)).toBe(2_000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(3_000);
  });

  it('caps the ceiling at maxDelayMs', () => {
    expect(backoffDelay(10, policy, () => 1)).toBe(8_000);
  });
});

describe('decideRetry', () => {
  it('retries a 503 after a jittered backoff', () => {
    expect(decideRetry({ status: 503 }, first, policy, () => 0.5)).toEqual({
      retry: true,
      delayMs: 750,
    });
  });

  it("honours the server's retry-after over the backoff, even above maxDelayMs", () => {
    expect(decideRetry({ status: 429, retryAfterMs: 12_000 }, first, policy)).toEqual({
      retry: true,
      delayMs: 12_000,
    });
  });

  it('stops after maxRetries retries', () => {
    expect(decideRetry({ status: 500 }, { attemptsMade: 3, elapsedMs: 0 }, policy).retry).toBe(
      true,
    );
    expect(decideRetry({ status: 500 }, { attemptsMade: 4, elapsedMs: 0 }, policy)).toEqual({
      retry: false,
      reason: 'attemptsExhausted',
    });
  });

  it('stops when the wait would end past the time budget', () => {
    expect(
      decideRetry(
        { status: 429, retryAfterMs: 30_000 },
        { attemptsMade: 1, elapsedMs: 31_000 },
        policy,
      ),
    ).toEqual({
      retry: false,
      reason: 'budgetExhausted',
    });
    expect(
      decideRetry(
        { status: 429, retryAfterMs: 30_000 },
        { attemptsMade: 1, elapsedMs: 30_000 },
        policy,
      ).retry,
    ).toBe(true);
  });

  it('never retries what is not retryable, whatever the budget', () => {
    expect(decideRetry({ status: 400 }, first, policy)).toEqual({
      retry: false,
      reason: 'notRetryable',
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('prefers retry-after-ms to retry-after', () => {
    expect(parseRetryAfter(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), now)).toBe(
      1_500,
    );
  });

  it('reads retry-after as seconds', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '7' }), now)).toBe(7_000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.25' }), now)).toBe(250);
  });

  it('reads retry-after as an HTTP date, never below zero', () => {
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now)).toBe(
      30_000,
    );
    expect(parseRetryAfter(headers({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }), now)).toBe(
      0,
    );
  });

  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(headers({}), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after-ms': '-5', 'retry-after': '2' }), now)).toBe(
      2_000,
    );
  });
});
