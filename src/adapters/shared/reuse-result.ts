/**
 * Making a delivered result again with its remembered settings (🔁 on Discord, `:repeat:` on
 * Slack today), charged to the person who asked. Settings come from the result archive, so this
 * works after a restart and in any process. Each platform supplies only its transport.
 */
import { withinTime } from '#core/errors.js';
import { intakeMemoryMs, intakeWaitMs, type IntakeRegister } from '#core/intake.js';
import type { Logger } from '#core/log.js';
import type { DeliveryAddress, Locale, Platform, Requester } from '#core/request.js';
import type { ResultArchive } from '#core/result-archive.js';
import type { GenerationService } from '#core/service-api.js';
import { describeError } from './describe-error.js';
import { messagesFor, type MessageFormat } from './messages.js';
import type { RecentOnce } from './recent-once.js';

/** A request to reuse the result shown in one platform message. */
export interface ResultReuse {
  platform: Platform;
  /** The archive key of the message (see each platform's result id). */
  messageId: string;
  userId: string;
  /** The platform's own id for this event, where it has one: the same on a retry of it. */
  intakeId?: string;
  /** Whether the message is the bot's own, so an expired result is worth a word. */
  onBotMessage: boolean;
  format: MessageFormat;
  /** Where the new job delivers. */
  delivery: DeliveryAddress;
  locale(): Promise<Locale>;
  requester(locale: Locale): Promise<Requester>;
  /** Tells the person who asked, as privately as the platform allows. */
  tell(text: string): Promise<void>;
}

export interface ResultReuser {
  service: GenerationService;
  intake: IntakeRegister;
  archive: ResultArchive;
  /** Repeats from one user on one message within its window count once. */
  recent: RecentOnce;
  logger: Logger;
}

export const reuseResult = async (
  reuse: ResultReuse,
  { service, intake, archive, recent, logger }: ResultReuser,
): Promise<void> => {
  // A double click queues one job; so does a platform redelivering an event it thinks was lost,
  // however late and to whichever process.
  if (!recent.admit(`${reuse.userId}/${reuse.messageId}`)) return;
  const messages = messagesFor(await reuse.locale(), reuse.format);
  try {
    if (reuse.intakeId !== undefined) {
      const first = intake.firstTime(reuse.intakeId, intakeMemoryMs);
      if (!(await withinTime(first, intakeWaitMs))) {
        logger.info({ intakeId: reuse.intakeId }, 'a repeat of an event already taken: ignored');
        return;
      }
    }
    const request = await archive.load(reuse.platform, reuse.messageId);
    if (request === undefined) {
      // Someone else's message, or a result older than the store keeps: only the latter is worth a word.
      if (reuse.onBotMessage) await reuse.tell(messages.resultExpired());
      return;
    }
    await service.submit(request, await reuse.requester(messages.locale), reuse.delivery);
  } catch (error) {
    const text = describeError(error, messages, logger, {
      messageId: reuse.messageId,
      userId: reuse.userId,
    });
    await reuse
      .tell(text)
      .catch((tellError: unknown) =>
        logger.error({ err: tellError }, 'could not tell the user why reusing a result failed'),
      );
  }
};
