/**
 * What every platform shows of a job, as plain text: the status line for each event, the part of
 * the prompt a status message repeats, and the names of result files.
 */
import { newIncidentId } from '#core/errors.js';
import { extensionOf } from '#core/images/decode.js';
import type { DecodedImage } from '#core/images/types.js';
import type { Job, JobEvent } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { Messages } from './messages.js';

/** How much of the prompt a status message repeats: enough to recognise the request. */
export const statusPromptLength = 300;

/** The status line for every event but `completed`, which becomes the result itself. */
export const statusLine = (
  event: Exclude<JobEvent, { type: 'completed' }>,
  messages: Messages,
): string => {
  switch (event.type) {
    case 'queued':
      return messages.queued(event.position);
    case 'started':
      return messages.started();
    case 'partial':
      return messages.preview();
    case 'failed':
      return messages.failure(event.failure);
    case 'cancelled':
      return messages.cancelled();
    case 'suspended':
      return messages.suspended();
  }
};

/** The settings line under a result; `requester` is already in the platform's markup. */
export const resultDetails = (
  job: Job,
  elapsedMs: number,
  messages: Messages,
  requester: string,
): string =>
  messages.resultDetails({
    prompt: job.request.prompt,
    model: job.request.model,
    size: job.request.size,
    quality: job.request.quality,
    requester,
    elapsedMs,
  });

/**
 * What the requester is told when a result was made but could not be posted. The images were made
 * and counted, so the usual "nothing was charged" would be false; the incident id finds the log line.
 */
export const notPosted = (error: unknown, job: Job, messages: Messages, logger: Logger): string => {
  const incidentId = newIncidentId();
  logger.error({ err: error, jobId: job.id, incidentId }, 'could not post a result');
  return messages.deliveryFailed(incidentId);
};

/** A preview shown while the model still draws: `preview.png`. */
export const previewFileName = (image: Pick<DecodedImage, 'contentType'>): string =>
  `preview.${extensionOf(image.contentType)}`;

/** `imagine-1.png`, `imagine-2.jpeg`: numbered from 1 in the order the API returned them. */
export const imageFileName = (image: Pick<DecodedImage, 'contentType'>, index: number): string =>
  `imagine-${index + 1}.${extensionOf(image.contentType)}`;
