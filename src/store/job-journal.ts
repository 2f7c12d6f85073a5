/**
 * The job journal over a store's keyv: one record per unfinished job under `job:<id>`, listed by
 * the keyv iterator at start (SQLite and Redis both scan their namespace; the journal is read only
 * then). Records are read back through a schema: a damaged one is dropped and logged, not run;
 * a field it does not name (added by a later version) is kept.
 */
import type { Keyv } from 'keyv';
import { z } from 'zod';
import type { JobJournal } from '#core/journal.js';
import type { Job } from '#core/jobs.js';
import { storedRequest } from './stored-request.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const storedJob = z.looseObject({
  id: z.string().min(1),
  request: storedRequest,
  requester: z.looseObject({
    platform: z.string().min(1),
    guildId: z.string().min(1),
    userId: z.string().min(1),
    channelId: z.string(),
    locale: z.enum(['en', 'ko']),
    isAdmin: z.boolean().optional(),
  }),
  delivery: z.record(z.string(), scalar),
  submittedAt: z.number(),
  deadlineAt: z.number(),
});

/**
 * The journal of the process named `instanceId`: processes sharing one store each keep, and at
 * start resume, only the jobs they took, never one another process is running.
 */
export const createJobJournal = (
  kv: Keyv,
  instanceId: string,
  onDamaged: (key: string, problem: string) => void = () => {},
): JobJournal => {
  const prefix = `job:${instanceId}:`;
  return {
    async record(job) {
      await kv.set(prefix + job.id, job);
    },
    async forget(jobId) {
      await kv.delete(prefix + jobId);
    },
    async unfinished() {
      const jobs: Job[] = [];
      if (kv.iterator === undefined) return jobs;
      for await (const [key, value] of kv.iterator(undefined)) {
        if (typeof key !== 'string' || !key.startsWith(prefix)) continue;
        const parsed = storedJob.safeParse(value);
        if (parsed.success) jobs.push(parsed.data);
        else {
          onDamaged(key, parsed.error.message);
          await kv.delete(key);
        }
      }
      return jobs.sort((a, b) => a.submittedAt - b.submittedAt);
    },
  };
};
