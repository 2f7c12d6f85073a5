/**
 * Faults on demand: Discord's 429 (with the headers and body its rate limiter really sends) and
 * 5xx, each a given number of times on the routes a test picks.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from './http.js';

export type FaultSpec =
  | {
      kind: 'rateLimit';
      /** Seconds, as Discord sends them (fractions allowed). */
      retryAfter: number;
      /** A global limit stalls every route of the client, not only this bucket. */
      global?: boolean;
    }
  | { kind: 'serverError'; status?: 500 | 502 | 503 | 504 };

export interface FaultRule {
  method?: string;
  /** Matched against the path after `/api/v10`, e.g. `/webhooks/123/abc/messages/@original`. */
  path: RegExp;
  fault: FaultSpec;
  /** How many matching requests fail before the route behaves again. */
  times: number;
}

export interface ServedFault {
  method: string;
  path: string;
  fault: FaultSpec;
}

export class FaultInjector {
  private readonly rules: FaultRule[] = [];
  readonly served: ServedFault[] = [];

  add(rule: FaultRule): void {
    if (!Number.isInteger(rule.times) || rule.times < 1)
      throw new Error(`fault.times must be a whole number of at least 1, got ${rule.times}`);
    this.rules.push({ ...rule });
  }

  /** Answers with a fault and returns true when a rule matches; otherwise leaves the response alone. */
  intercept(method: string, path: string, response: ServerResponse): boolean {
    const rule = this.rules.find(
      (candidate) =>
        candidate.times > 0 &&
        (candidate.method === undefined || candidate.method.toUpperCase() === method) &&
        candidate.path.test(path),
    );
    if (rule === undefined) return false;
    rule.times -= 1;
    this.served.push({ method, path, fault: rule.fault });
    respondWithFault(rule.fault, response);
    return true;
  }
}

const respondWithFault = (fault: FaultSpec, response: ServerResponse): void => {
  if (fault.kind === 'serverError') {
    sendJson(response, fault.status ?? 500, { message: '500: Internal Server Error', code: 0 });
    return;
  }
  const global = fault.global === true;
  sendJson(
    response,
    429,
    { message: 'You are being rate limited.', retry_after: fault.retryAfter, global },
    {
      'retry-after': String(fault.retryAfter),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': String(fault.retryAfter),
      'x-ratelimit-bucket': 'fake-bucket',
      'x-ratelimit-scope': global ? 'global' : 'user',
      ...(global && { 'x-ratelimit-global': 'true' }),
    },
  );
};
