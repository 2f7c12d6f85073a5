/**
 * After a result is posted: remember its settings, its owner and its images under each message
 * that shows it, so it can be made again, varied, remixed or deleted from there (after a restart,
 * in any process), and mark each with the platform's affordances for that (🔁, the buttons).
 */
import type { ImageInputRef } from '#core/inputs.js';
import type { Job } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { ResultArchive } from '#core/result-archive.js';

export const offerReuse = async (
  archive: ResultArchive,
  job: Job,
  /** Each result message: its archive id, the images it shows, and how to mark it. */
  messages: ReadonlyArray<{
    messageId: string;
    images: readonly ImageInputRef[];
    addAffordance: () => Promise<unknown>;
  }>,
  logger: Logger,
): Promise<void> => {
  await Promise.all(
    messages.map(async ({ messageId, images, addAffordance }) => {
      try {
        const platform = job.requester.platform;
        await archive.save(platform, messageId, job.request);
        await archive.saveDetails(platform, messageId, {
          ownerId: job.requester.userId,
          images: [...images],
        });
        await addAffordance();
      } catch (error) {
        // The images are delivered; only the shortcut to make them again is lost, not worth a user error.
        logger.warn({ err: error, jobId: job.id, messageId }, 'could not offer to reuse a result');
      }
    }),
  );
};
