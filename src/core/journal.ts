/**
 * The job journal port: every job the service acknowledged, kept in the store until its ending has
 * been delivered, so that a restart (a deploy, a crash, a power cut) resumes it instead of losing it.
 * Stores implement it; jobs are plain data, so a record is the job itself.
 */
import type { Job } from './jobs.js';

export interface JobJournal {
  /** Keeps the job; resolves once the store has it, before its owner is told it is queued. */
  record(job: Job): Promise<void>;
  /** Drops the job once its ending was delivered. */
  forget(jobId: string): Promise<void>;
  /** Every job recorded and not forgotten, oldest first. */
  unfinished(): Promise<Job[]>;
}
