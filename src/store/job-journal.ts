/**
 * The job journal over a store's keyv: one record per unfinished job under `job:<id>`, listed by
 * the keyv iterator at start (SQLite and Redis both scan their namespace; the journal is read only
 * then). Records are read back through a schema: a damaged one is dropped and logged, not run;
 * a field it does not name (added by a later version) is kept.
 */
import type { Keyv } from 'keyv';
import type { JobJournal } from '#core/journal.js';
import type { Job } from '#core/jobs.js';
import { readStoredJob } from './stored-job.js';

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
        const read = readStoredJob(value);
        if (read.ok) jobs.push(read.job);
        else {
          onDamaged(key, read.problem);
          await kv.delete(key);
        }
      }
      return jobs.sort((a, b) => a.submittedAt - b.submittedAt);
    },
  };
};
