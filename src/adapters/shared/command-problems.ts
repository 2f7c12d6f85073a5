/**
 * What can be wrong with a command as typed (Slack text) or as sent (Discord options), structured
 * so that messages.ts words it in the user's language, naming the option and what it allows.
 */
import { UserError } from '#core/errors.js';
import type { OptionDefinition } from './command-context.js';

export type CommandProblem =
  | { kind: 'missingSubcommand'; allowed: readonly string[] }
  | { kind: 'unknownSubcommand'; value: string; allowed: readonly string[] }
  /** `allowed` is empty when the command takes no flags at all. */
  | { kind: 'unknownFlag'; flag: string; allowed: readonly string[] }
  | { kind: 'repeatedFlag'; flag: string }
  | { kind: 'missingValue'; flag: string }
  | { kind: 'notWholeNumber'; option: string; value: string }
  | { kind: 'outOfRange'; option: string; value: string; min?: number; max?: number }
  | { kind: 'notAChoice'; option: string; value: string; allowed: readonly string[] }
  | { kind: 'notAMention'; option: string; value: string }
  | { kind: 'notAChannel'; option: string; value: string }
  /** An option only one platform can fill (Discord roles), typed on another. */
  | { kind: 'discordOnly'; option: string }
  | { kind: 'tooLong'; option: string; max: number }
  /** A platform sent a value of another type than the option's (an older registration, a forged call). */
  | { kind: 'wrongType'; option: string; expected: OptionDefinition['type'] }
  | { kind: 'missing'; options: readonly string[] }
  | { kind: 'unexpected'; text: string };

/** A command that cannot be run as given; `usage` shows the correct forms where text is typed. */
export class MalformedCommandError extends UserError {
  constructor(
    readonly problem: CommandProblem,
    readonly usage: readonly string[] = [],
  ) {
    super('malformedCommand', { problem: problem.kind });
  }
}
