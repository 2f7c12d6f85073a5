/**
 * Classifies what went wrong in one attempt, from whatever the SDK, fetch or our decoding threw,
 * into the facts the retry policy needs and the kind an adapter turns into a sentence.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ImageDataError } from './decode.js';
import type { FailureFacts } from './retry-policy.js';
import { parseRetryAfter } from './retry-policy.js';
import type { ImagesErrorKind } from './types.js';

export interface AttemptFailure extends FailureFacts {
  kind: ImagesErrorKind;
  message: string;
  param?: string;
  cause: unknown;
}

export interface AttemptContext {
  /** The caller's signal fired. */
  aborted: boolean;
  /** Our per-attempt deadline fired. */
  timedOut: boolean;
  timeoutMs: number;
  nowMs: number;
}

const moderationCodes = new Set(['content_policy_violation', 'moderation_blocked']);

/** Failures in which the connection was never made, so the request cannot have reached the API. */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The first system error code (ECONNREFUSED...) along an error's chain of causes. */
const causeCode = (error: unknown): string | undefined => {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
};

const upstreamMessage = (error: APIError): string => {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' && body.message !== '' ? body.message : error.message;
};

const fromStatus = (error: APIError & { status: number }, nowMs: number): AttemptFailure => {
  const { status } = error;
  const providerCode = error.code ?? undefined;
  const said = upstreamMessage(error);
  const base = {
    status,
    providerCode,
    cause: error,
    retryAfterMs: error.headers ? parseRetryAfter(error.headers, nowMs) : undefined,
  };
  if (
    status === 400 &&
    (moderationCodes.has(providerCode ?? '') || moderationCodes.has(error.type ?? ''))
  ) {
    return {
      ...base,
      kind: 'contentPolicy',
      message: `the Images API refused the prompt or image: ${said}`,
    };
  }
  if (status === 400 || status === 422) {
    const param = error.param ?? undefined;
    return {
      ...base,
      kind: 'invalidRequest',
      param,
      message: `the Images API rejected ${param ? `the parameter ${param}` : 'the request'}: ${said}`,
    };
  }
  if (status === 401 || status === 403) {
    return {
      ...base,
      kind: 'authentication',
      message: `the Images API refused the key (${status}): ${said}`,
    };
  }
  if (status === 429)
    return { ...base, kind: 'rateLimited', message: `the Images API is rate limiting: ${said}` };
  return {
    ...base,
    kind: 'upstream',
    message: `the Images API failed with status ${status}: ${said}`,
  };
};

export const describeFailure = (error: unknown, context: AttemptContext): AttemptFailure => {
  if (context.aborted)
    return { kind: 'aborted', message: 'the request was cancelled', cause: error };
  if (context.timedOut || error instanceof APIConnectionTimeoutError) {
    return {
      kind: 'timeout',
      message: `the Images API did not answer completely within ${context.timeoutMs} ms`,
      cause: error,
    };
  }
  if (error instanceof ImageDataError)
    return { kind: error.kind, message: error.message, cause: error };
  if (error instanceof APIConnectionError) {
    const code = causeCode(error);
    return {
      kind: 'upstream',
      message: `could not connect to the Images API${code ? ` (${code})` : ''}`,
      notSent: code !== undefined && notSentCodes.has(code),
      cause: error,
    };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return fromStatus(error as APIError & { status: number }, context.nowMs);
  }
  if (error instanceof SyntaxError) {
    return {
      kind: 'upstream',
      message: 'the Images API sent an answer that is not valid JSON',
      cause: error,
    };
  }
  return {
    kind: 'upstream',
    message: `the Images API answer broke off: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  };
};
