/**
 * The audit channel, the same on every platform: the one line a finished job gets there, and what
 * a moderator's `Delete` on that line does. Each platform supplies only its transport.
 */
import { UserError } from '#core/errors.js';
import type { FinalEvent, Job } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { Locale } from '#core/request.js';
import { describeError } from './describe-error.js';
import { messagesFor, type MessageFormat } from './messages.js';

/**
 * What a reporter keeps of audited jobs' posted results (their platform's kind of address), from
 * the posting until the job's audit line names them.
 */
export class AuditTrail<Posted> {
  readonly #posted = new Map<string, Posted>();

  remember(job: Job, posted: Posted): void {
    if (job.auditChannelId !== undefined) this.#posted.set(job.id, posted);
  }

  /** The audit channel and the posted result (if any), or undefined for a job not audited. */
  take(job: Job): { channelId: string; posted: Posted | undefined } | undefined {
    const posted = this.#posted.get(job.id);
    this.#posted.delete(job.id);
    return job.auditChannelId === undefined ? undefined : { channelId: job.auditChannelId, posted };
  }
}

/** The audit line for a job that ended, in the platform's format; `link` to the result when one was posted. */
export const auditText = (
  job: Job,
  ending: FinalEvent,
  format: MessageFormat,
  mention: (userId: string) => string,
  link: string | undefined,
): string => {
  const messages = messagesFor(job.requester.locale, format);
  const { prompt, model, size, count, quality, background, style, moderation, outputFormat } =
    job.request;
  return messages.auditLine({
    requester: mention(job.requester.userId),
    prompt,
    settings: [
      model,
      size,
      `×${count}`,
      quality && `quality ${quality}`,
      background && `background ${background}`,
      style && `style ${style}`,
      moderation && `moderation ${moderation}`,
      outputFormat,
    ]
      .filter(Boolean)
      .join(' · '),
    ending,
    ...(link !== undefined && { link }),
    ...(ending.type === 'completed' &&
      ending.usage !== undefined && { tokens: ending.usage.totalTokens }),
    ...(ending.type === 'completed' &&
      ending.costMicros !== undefined && { costMicros: ending.costMicros }),
  });
};

/** A moderator's `Delete` on an audit line, as one platform received it. */
export interface AuditDeletion {
  locale: Locale;
  format: MessageFormat;
  /** The user in platform markup, for the note left on the audit line. */
  by: string;
  /** Whether the platform says this user moderates (Manage Messages, workspace admin). */
  isModerator: boolean;
  /** Removes the public result messages. */
  deleteResult(): Promise<void>;
  /** Notes the deletion on the audit line and removes its button. */
  markDeleted(note: string): Promise<void>;
  /** Tells the user privately. */
  tell(text: string): Promise<void>;
}

export const deleteAuditedResult = async (
  deletion: AuditDeletion,
  logger: Logger,
): Promise<void> => {
  const messages = messagesFor(deletion.locale, deletion.format);
  try {
    if (!deletion.isModerator)
      throw new UserError('notAllowed', { command: 'Delete', moderators: true });
    await deletion.deleteResult();
    await deletion.markDeleted(messages.auditDeleted(deletion.by));
    await deletion.tell(messages.resultDeleted());
  } catch (error) {
    await deletion
      .tell(describeError(error, messages, logger, { action: 'audit delete' }))
      .catch((tellError: unknown) =>
        logger.error({ err: tellError }, 'could not answer a Delete on the audit channel'),
      );
  }
};
