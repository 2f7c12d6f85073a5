/**
 * The metrics port: what the core and the adapters report about their work, as plain calls. The
 * Prometheus implementation lives outside the core (src/ops/prometheus.ts); without metrics the
 * bot runs with {@link noMetrics}.
 */
import type { FailureReason } from './jobs.js';
import type { Platform } from './request.js';

/** How a job ended; `refused` never ran (quota, pending cap, bad options). */
export type JobOutcome = 'delivered' | 'failed' | 'cancelled' | 'refused';

export interface JobLabels {
  model: string;
  platform: Platform;
}

export interface Metrics {
  jobEnded(outcome: JobOutcome, labels: JobLabels): void;
  jobFailed(reason: FailureReason): void;
  /** Moves the number of jobs waiting for their turn, or running, by `delta`. */
  waiting(delta: number): void;
  running(delta: number): void;
  waited(seconds: number, labels: JobLabels): void;
  ran(seconds: number, labels: JobLabels): void;
  /** A refusal by its kind: a UserError identifier at submit, or `contentPolicy` from the provider. */
  refused(kind: string): void;
  /** One Images API attempt; `status` is undefined when no HTTP answer came (timeout, network). */
  upstreamAttempt(status: number | undefined, retry: boolean): void;
  /** A delivered job's tokens (when the API reported them) and its cost in micro-dollars. */
  spent(model: string, tokens: { input: number; output: number } | undefined, micros: number): void;
  /** A chat platform's REST API answered with an error status, or not at all (`status` undefined). */
  platformRestError(platform: Platform, status: number | undefined): void;
}

const ignore = () => {};

export const noMetrics: Metrics = {
  jobEnded: ignore,
  jobFailed: ignore,
  waiting: ignore,
  running: ignore,
  waited: ignore,
  ran: ignore,
  refused: ignore,
  upstreamAttempt: ignore,
  spent: ignore,
  platformRestError: ignore,
};
