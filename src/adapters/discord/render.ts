/**
 * What a job's Discord messages say: the status line while it waits or runs, and the caption of a
 * result. Pure, so tests check the wording and the length limits directly.
 */
import type { Job } from '#core/jobs.js';
import type { QuotaStanding } from '#core/quota/types.js';
import { resultDetails, statusPromptLength } from '#adapters/shared/job-text.js';
import type { Messages } from '#adapters/shared/messages.js';
import type { OutgoingFile } from './attachments.js';
import type { MessageBody } from './messenger.js';
import { cut, discordLimits, mention } from './text.js';

const quoted = (prompt: string, max: number): string =>
  `> ${cut(prompt.replace(/\s+/g, ' ').trim(), max)}`;

/** The message a job shows while queued or running, or when it ended without images. */
export const statusBody = (
  job: Job,
  line: string,
  files: readonly OutgoingFile[] = [],
): MessageBody => ({
  content: cut(
    `${mention(job.requester.userId)} · ${line}\n${quoted(job.request.prompt, statusPromptLength)}`,
    discordLimits.content,
  ),
  embeds: [],
  files,
});

/** One result message: who asked, the settings, the remaining quota, and the prompt in full (cut to the embed limit). */
export const resultBody = (
  job: Job,
  result: { elapsedMs: number; quota: QuotaStanding },
  messages: Messages,
  files: readonly OutgoingFile[],
  part: { index: number; of: number },
): MessageBody => {
  const details = resultDetails(job, result.elapsedMs, messages, mention(job.requester.userId));
  const counter = part.of > 1 ? ` · ${part.index + 1}/${part.of}` : '';
  return {
    content: cut(
      `${details}${counter}\n${messages.remaining(result.quota)}`,
      discordLimits.content,
    ),
    embeds: [{ description: cut(job.request.prompt, discordLimits.embedDescription) }],
    files,
  };
};
