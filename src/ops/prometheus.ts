/**
 * The metrics port on prom-client, in a registry of its own (never the global one, so several bots
 * in one test process do not share counts). Every name starts with `imagine_`; units are seconds
 * and US dollars, as the names say.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { microsPerDollar } from '#core/cost/estimate.js';
import type { Metrics } from '#core/metrics.js';

export const metricPrefix = 'imagine_';

export interface PrometheusMetrics {
  metrics: Metrics;
  registry: Registry;
}

/** Seconds: a job waits from nothing to many minutes, and runs from a few seconds to a few minutes. */
const waitBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const runBuckets = [1, 2.5, 5, 10, 20, 30, 60, 90, 120, 180, 300];

export const createPrometheusMetrics = (): PrometheusMetrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: metricPrefix });
  const registers = [registry];
  const counter = <Label extends string>(
    suffix: string,
    help: string,
    labelNames: readonly Label[] = [],
  ) => new Counter({ name: metricPrefix + suffix, help, labelNames, registers });
  const gauge = (suffix: string, help: string) =>
    new Gauge({ name: metricPrefix + suffix, help, registers });
  const histogram = (suffix: string, help: string, buckets: number[]) =>
    new Histogram({
      name: metricPrefix + suffix,
      help,
      labelNames: ['model', 'platform'] as const,
      buckets,
      registers,
    });

  const jobs = counter(
    'jobs_total',
    'Jobs by how they ended: delivered, failed, cancelled, or refused at submit',
    ['outcome', 'model', 'platform'],
  );
  const failures = counter('job_failures_total', 'Failed jobs by reason', ['reason']);
  const waiting = gauge('jobs_waiting', 'Jobs queued for their turn');
  const running = gauge('jobs_running', 'Jobs running against the Images API');
  const waited = histogram('job_wait_seconds', 'Time from submit to start', waitBuckets);
  const ran = histogram(
    'job_run_seconds',
    'Time from start to the job ending, retries included',
    runBuckets,
  );
  const refusals = counter(
    'refusals_total',
    'Requests refused, by kind (quota, budget, pending caps, options, content policy)',
    ['kind'],
  );
  const upstream = counter(
    'upstream_requests_total',
    'Images API attempts by HTTP status ("none" when no answer came)',
    ['status'],
  );
  const retries = counter('upstream_retries_total', 'Images API attempts that were retries');
  const rateLimited = counter('upstream_rate_limited_total', 'Images API attempts answered 429');
  const tokens = counter(
    'tokens_total',
    'Tokens reported by the Images API, by model and direction (in, out)',
    ['model', 'direction'],
  );
  const cost = counter(
    'cost_usd_total',
    'Estimated cost of delivered jobs in US dollars, by model',
    ['model'],
  );
  const restErrors = counter(
    'platform_rest_errors_total',
    'Chat platform REST calls answered with an error status ("none" when no answer came)',
    ['platform', 'status'],
  );

  const statusLabel = (status: number | undefined) =>
    status === undefined ? 'none' : String(status);

  const metrics: Metrics = {
    jobEnded: (outcome, labels) => jobs.inc({ outcome, ...labels }),
    jobFailed: (reason) => failures.inc({ reason }),
    waiting: (delta) => waiting.inc(delta),
    running: (delta) => running.inc(delta),
    waited: (seconds, labels) => waited.observe(labels, seconds),
    ran: (seconds, labels) => ran.observe(labels, seconds),
    refused: (kind) => refusals.inc({ kind }),
    upstreamAttempt: (status, retry) => {
      upstream.inc({ status: statusLabel(status) });
      if (retry) retries.inc();
      if (status === 429) rateLimited.inc();
    },
    spent: (model, used, micros) => {
      if (used) {
        tokens.inc({ model, direction: 'in' }, used.input);
        tokens.inc({ model, direction: 'out' }, used.output);
      }
      cost.inc({ model }, micros / microsPerDollar);
    },
    platformRestError: (platform, status) =>
      restErrors.inc({ platform, status: statusLabel(status) }),
  };
  return { metrics, registry };
};
