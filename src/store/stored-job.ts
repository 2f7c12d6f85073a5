/** Jobs read back from a store (the journal, the shared queue) go through this schema: input again. */
import { z } from 'zod';
import type { Job } from '#core/jobs.js';
import { storedRequest } from './stored-request.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Loose, so that a field it does not name (added by a later version) is kept, not dropped. */
export const storedJob = z.looseObject({
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

/** The job a stored record holds, or the schema's complaint about it. */
export const readStoredJob = (
  value: unknown,
): { ok: true; job: Job } | { ok: false; problem: string } => {
  const parsed = storedJob.safeParse(value);
  return parsed.success
    ? { ok: true, job: parsed.data }
    : { ok: false, problem: parsed.error.message };
};
