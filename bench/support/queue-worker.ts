/**
 * One worker process of the shared-queue benchmark (`bench/shared-queue.ts` forks it with
 * `node --import tsx`): a core with BOT_ROLE=worker on the shared Redis queue, whose reporter sends
 * each job's start and ending to the parent over IPC, stamped with the machine's monotonic clock (so
 * the parent can line up several processes' events). The parent sends `close` to shut it down.
 */
import type { Job, JobEvent, JobReporter } from '../../src/core/jobs.js';
import type { QueueSettings } from '../../src/core/queue/types.js';
import { wireService } from '../../test/support/service-harness.js';

/** What the parent passes as the one argument, in JSON. */
export interface QueueWorkerOptions {
  apiBaseUrl: string;
  storeUrl: string;
  storeNamespace: string;
  queue: Partial<QueueSettings>;
  rateWindowMs?: number;
}

/**
 * What the worker tells the parent. `at`: the system's monotonic clock in ms (`process.hrtime`),
 * which every process on the machine reads alike, unlike `performance.now()`.
 */
export type QueueWorkerMessage =
  | { type: 'ready' }
  | { type: 'event'; event: JobEvent['type']; jobId: string; guildId: string; at: number }
  | { type: 'closed' };

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
const send = (message: QueueWorkerMessage) => process.send?.(message);

class IpcReporter implements JobReporter {
  async report(job: Job, event: JobEvent): Promise<void> {
    if (event.type === 'queued' || event.type === 'partial') return;
    send({
      type: 'event',
      event: event.type,
      jobId: job.id,
      guildId: job.requester.guildId,
      at: monotonicMs(),
    });
  }
}

const options = JSON.parse(process.argv[2] ?? '{}') as QueueWorkerOptions;
const core = await wireService(options.apiBaseUrl, new IpcReporter(), {
  storeUrl: options.storeUrl,
  storeNamespace: options.storeNamespace,
  role: 'worker',
  queue: { jobDeadlineMs: 600_000, shutdownGraceMs: 0, ...options.queue },
  service: {
    positionIntervalMs: 1_500,
    ...(options.rateWindowMs !== undefined && { rateWindowMs: options.rateWindowMs }),
  },
});
let closing: Promise<void> | undefined;
const close = () =>
  (closing ??= core.close().then(
    () => {
      send({ type: 'closed' });
      if (process.connected) process.disconnect();
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  ));
process.on('message', (message) => {
  if (message === 'close') void close();
});
// The parent went away without asking (killed, crashed): do not linger on Redis.
process.on('disconnect', () => void close().then(() => process.exit(0)));
send({ type: 'ready' });
