/**
 * Running a command, the same way on every platform: acknowledge first (platforms drop a command
 * not acknowledged within 3 seconds), then learn who asks, read the options against the shared
 * definition, run its logic, and answer any refusal or failure privately in the user's language.
 * Each platform supplies only its transport, as a {@link CommandInvocation}.
 */
import { CodedError, withinTime } from '#core/errors.js';
import { intakeMemoryMs, intakeWaitMs, type IntakeRegister } from '#core/intake.js';
import type { Logger } from '#core/log.js';
import type { DeliveryAddress, Locale, Requester } from '#core/request.js';
import type { GenerationService } from '#core/service-api.js';
import type { CommandDefinition, ParsedOptions, ReplyFile } from './command-context.js';
import { describeError } from './describe-error.js';
import { messagesFor, type MessageFormat } from './messages.js';

/** One command as a platform received it. */
export interface CommandInvocation {
  /** As the user typed it, for the log and the unknown-command error. */
  readonly commandName: string;
  /** The platform's own id for this delivery, the same on a retry or replay of it. */
  readonly intakeId: string;
  /** Fields that find this command in the log (never a token). */
  readonly logContext: Readonly<Record<string, unknown>>;
  /** How this platform shows times. */
  readonly format: MessageFormat;
  /** Where a job started by this command delivers its results. */
  readonly delivery: DeliveryAddress;
  /** Rejects when the platform no longer takes an answer: nothing is then done or charged. */
  acknowledge(): Promise<void>;
  /** The user's language; asked once acknowledged, since it may take a platform call. */
  locale(): Promise<Locale>;
  /** Who asks and where; throws a `UserError` where the command cannot run (a direct message). */
  requester(locale: Locale): Promise<Requester>;
  /** The options, as the definition declares them; throws a `UserError` on malformed input. */
  readOptions(definition: CommandDefinition): ParsedOptions;
  /** A reference to a user in this platform's markup. */
  mention(userId: string): string;
  reply(text: string, options: { ephemeral: boolean; files?: readonly ReplyFile[] }): Promise<void>;
}

export interface CommandRunner {
  service: GenerationService;
  intake: IntakeRegister;
  logger: Logger;
}

export const runCommand = async (
  invocation: CommandInvocation,
  definition: CommandDefinition | undefined,
  { service, intake, logger }: CommandRunner,
): Promise<void> => {
  const logContext = { command: invocation.commandName, ...invocation.logContext };
  try {
    await invocation.acknowledge();
  } catch (error) {
    logger.warn({ err: error, ...logContext }, 'could not acknowledge a command');
    return;
  }
  const messages = messagesFor(await invocation.locale(), invocation.format);
  const privately = definition?.ephemeral ?? false;
  try {
    // Acknowledged either way, so the platform stops retrying; only the first copy runs.
    const first = intake.firstTime(invocation.intakeId, intakeMemoryMs);
    if (!(await withinTime(first, intakeWaitMs))) {
      logger.info(logContext, 'a repeat of a command already taken: ignored');
      return;
    }
    if (definition === undefined)
      throw new CodedError('command.unknown', `no definition for /${invocation.commandName}`);
    await definition.execute({
      service,
      requester: await invocation.requester(messages.locale),
      options: invocation.readOptions(definition),
      delivery: invocation.delivery,
      messages,
      mention: (userId) => invocation.mention(userId),
      reply: (text, options) =>
        invocation.reply(text, {
          ephemeral: options?.ephemeral ?? privately,
          ...(options?.files && { files: options.files }),
        }),
    });
  } catch (error) {
    const text = describeError(error, messages, logger, logContext);
    await invocation.reply(text, { ephemeral: true }).catch((replyError: unknown) => {
      logger.error({ err: replyError, ...logContext }, 'could not answer a command');
    });
  }
};
