/**
 * After a result is posted: remember its settings under each message that shows it, so it can be
 * made again from there, and mark each with the platform's affordance for that (🔁).
 */
import type { Job } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { ResultArchive } from '#core/result-archive.js';

export const offerReuse = async (
  archive: ResultArchive,
  job: Job,
  /** Each result message: its archive id, and how to mark it. */
  messages: ReadonlyArray<{ messageId: string; addAffordance: () => Promise<unknown> }>,
  logger: Logger,
): Promise<void> => {
  await Promise.all(
    messages.map(async ({ messageId, addAffordance }) => {
      try {
        await archive.save(job.requester.platform, messageId, job.request);
        await addAffordance();
      } catch (error) {
        // The images are delivered; only the shortcut to make them again is lost, not worth a user error.
        logger.warn({ err: error, jobId: job.id, messageId }, 'could not offer to reuse a result');
      }
    }),
  );
};
