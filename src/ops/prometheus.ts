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
  const name = (suffix: string) => metricPrefix + suffix;

  const jobs = new Counter({
    name: name('jobs_total'),
    help: 'Jobs by how they ended: delivered, failed, cancelled, or refused at submit',
    labelNames: ['outcome', 'model', 'platform'] as const,
    registers,
  });
  const failures = new Counter({
    name: name('job_failures_total'),
    help: 'Failed jobs by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const waiting = new Gauge({
    name: name('jobs_waiting'),
    help: 'Jobs queued for their turn',
    registers,
  });
  const running = new Gauge({
    name: name('jobs_running'),
    help: 'Jobs running against the Images API',
    registers,
  });
  const waited = new Histogram({
    name: name('job_wait_seconds'),
    help: 'Time from submit to start',
    labelNames: ['model', 'platform'] as const,
    buckets: waitBuckets,
    registers,
  });
  const ran = new Histogram({
    name: name('job_run_seconds'),
    help: 'Time from start to the job ending, retries included',
    labelNames: ['model', 'platform'] as const,
    buckets: runBuckets,
    registers,
  });
  const refusals = new Counter({
    name: name('refusals_total'),
    help: 'Requests refused, by kind (quota, pending caps, options, content policy)',
    labelNames: ['kind'] as const,
    registers,
  });
  const upstream = new Counter({
    name: name('upstream_requests_total'),
    help: 'Images API attempts by HTTP status ("none" when no answer came)',
    labelNames: ['status'] as const,
    registers,
  });
  const retries = new Counter({
    name: name('upstream_retries_total'),
    help: 'Images API attempts that were retries',
    registers,
  });
  const rateLimited = new Counter({
    name: name('upstream_rate_limited_total'),
    help: 'Images API attempts answered 429',
    registers,
  });
  const tokens = new Counter({
    name: name('tokens_total'),
    help: 'Tokens reported by the Images API, by model and direction (in, out)',
    labelNames: ['model', 'direction'] as const,
    registers,
  });
  const cost = new Counter({
    name: name('cost_usd_total'),
    help: 'Estimated cost of delivered jobs in US dollars, by model',
    labelNames: ['model'] as const,
    registers,
  });
  const restErrors = new Counter({
    name: name('platform_rest_errors_total'),
    help: 'Chat platform REST calls answered with an error status ("none" when no answer came)',
    labelNames: ['platform', 'status'] as const,
    registers,
  });

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
