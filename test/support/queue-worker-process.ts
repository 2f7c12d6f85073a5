/**
 * One worker of the shared queue in a process of its own (shared-queue-processes test): the real
 * core with BOT_ROLE=worker on the given Redis namespace, calling the fake Images API at the given
 * address. Every event its jobs report goes to the parent over IPC as a {@link WorkerEvent}; it
 * says `{ type: 'ready' }` once it takes jobs, and closes its core and exits on SIGTERM.
 *
 * Usage: fork('test/support/queue-worker-process.ts', [JSON of {@link WorkerSettings}],
 *   { execArgv: ['--import', 'tsx'] })
 */
import type { Job, JobEvent, JobReporter } from '#core/jobs.js';
import { wireService, type HarnessOptions } from './service-harness.js';

export interface WorkerSettings {
  /** A name for this worker, sent back with each of its events. */
  name: string;
  apiBaseUrl: string;
  storeUrl: string;
  storeNamespace: string;
  queue?: HarnessOptions['queue'];
  service?: { rateWindowMs?: number; positionIntervalMs?: number };
  client?: { maxRetries?: number; retryBaseDelayMs?: number; retryBudgetMs?: number };
}

/** What the worker tells its parent of one job's event. */
export interface WorkerEvent {
  worker: string;
  jobId: string;
  type: JobEvent['type'];
  guildId: string;
  userId: string;
  prompt: string;
  /** Epoch milliseconds when the event was reported, on this machine's clock. */
  at: number;
  /** A failure's reason, for `failed`. */
  reason?: string;
}

export type WorkerMessage =
  WorkerEvent | { type: 'ready'; worker: string } | { type: 'closed'; worker: string };

const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

const settings = JSON.parse(process.argv[2] ?? '') as WorkerSettings;

const reporter: JobReporter = {
  report: async (job: Job, event: JobEvent) => {
    send({
      worker: settings.name,
      jobId: job.id,
      type: event.type,
      guildId: job.requester.guildId,
      userId: job.requester.userId,
      prompt: job.request.prompt,
      at: Date.now(),
      ...(event.type === 'failed' && { reason: event.failure.reason }),
    });
  },
};

const core = await wireService(settings.apiBaseUrl, reporter, {
  storeUrl: settings.storeUrl,
  storeNamespace: settings.storeNamespace,
  role: 'worker',
  ...(settings.queue && { queue: settings.queue }),
  ...(settings.service && { service: settings.service }),
  ...(settings.client && { client: settings.client }),
});

// One request to the fake's unknown route loads and connects fetch, so that the first job's
// request does not lag its start by the loader's cold start (a 404, not recorded as a request).
await (await fetch(`${settings.apiBaseUrl}/warm-up`)).arrayBuffer();

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  void core.close().then(
    () => {
      send({ type: 'closed', worker: settings.name });
      process.disconnect?.();
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
// The parent went away without a SIGTERM: do not linger as an orphan taking jobs.
process.on('disconnect', () => {
  if (!closing) process.kill(process.pid, 'SIGTERM');
});

send({ type: 'ready', worker: settings.name });
