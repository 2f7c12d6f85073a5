/**
 * Slash commands: each interaction is acknowledged at once (see `InteractionResponder`), before
 * anything else is done for it; once other commands' acknowledgements are out of the way (see
 * `AcknowledgementsFirst`), it becomes the shared `CommandContext` and runs the command's logic
 * from `commands/`. An accepted /imagine says nothing here: its deferred reply is filled in by the
 * job's reporter.
 */
import {
  ApplicationCommandOptionType,
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { CodedError, UserError } from '#core/errors.js';
import type { Logger } from '#core/log.js';
import type { ModelCatalogue } from '#core/models.js';
import type { GenerationService } from '#core/service-api.js';
import {
  optionsOf,
  type CommandDefinition,
  type OptionValue,
  type ParsedOptions,
} from '#adapters/shared/command-context.js';
import { MalformedCommandError } from '#adapters/shared/command-problems.js';
import { describeError } from '#adapters/shared/describe-error.js';
import { localeFrom, messagesFor } from '#adapters/shared/messages.js';
import { checkOptionValue } from '#adapters/shared/option-values.js';
import type { AcknowledgementsFirst } from './acknowledgements.js';
import { interactionDelivery, toAddress } from './delivery.js';
import { InteractionResponder } from './responder.js';
import { discordFormat, mention } from './text.js';

export interface CommandHandlerDependencies {
  service: GenerationService;
  commands: readonly CommandDefinition[];
  logger: Logger;
  acknowledgements: AcknowledgementsFirst;
}

/** The options of an interaction as discord.js resolves them, as far as the definitions need. */
export interface OptionReader {
  getSubcommand(required: false): string | null;
  /** The option as sent, of whatever type Discord (or a stale registration) gave it. */
  get(name: string): { type: number; value?: unknown; user?: { id: string } } | null;
}

const optionTypes = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  user: ApplicationCommandOptionType.User,
} as const;

/**
 * Reads and checks the options a definition declares (those of the chosen subcommand, if any).
 * Discord checks types and limits against the registration, which may be older than the
 * definition: a value of another type or out of range is refused here, naming the option.
 */
export const readOptions = (
  definition: CommandDefinition,
  reader: OptionReader,
  catalogue: ModelCatalogue,
): ParsedOptions => {
  const subcommand = definition.subcommands
    ? (reader.getSubcommand(false) ?? undefined)
    : undefined;
  const values: Record<string, OptionValue> = {};
  for (const option of optionsOf(definition, subcommand)) {
    const sent = reader.get(option.name);
    if (sent === null) continue;
    const checked =
      sent.type === optionTypes[option.type]
        ? checkOptionValue(
            option,
            option.type === 'user' ? (sent.user?.id ?? sent.value) : sent.value,
            catalogue,
            {
              lengthChecked: true,
            },
          )
        : ({
            ok: false,
            problem: { kind: 'wrongType', option: option.name, expected: option.type },
          } as const);
    if (!checked.ok) throw new MalformedCommandError(checked.problem);
    values[option.name] = checked.value;
  }
  return subcommand === undefined ? { values } : { subcommand, values };
};

export const commandHandler =
  ({ service, commands, logger, acknowledgements }: CommandHandlerDependencies) =>
  async (interaction: ChatInputCommandInteraction): Promise<void> => {
    const definition = commands.find((command) => command.name === interaction.commandName);
    const responder = new InteractionResponder(interaction, definition?.ephemeral ?? false);
    try {
      await acknowledgements.acknowledge(() => responder.acknowledge());
    } catch (error) {
      // Discord has dropped the interaction: nothing can be said, and nothing must be charged.
      logger.warn({ err: error, interactionId: interaction.id }, 'could not acknowledge a command');
      return;
    }
    await acknowledgements.settled();
    const messages = messagesFor(localeFrom(interaction.locale), discordFormat);
    try {
      if (definition === undefined)
        throw new CodedError(
          'discord.unknownCommand',
          `no definition for /${interaction.commandName}`,
        );
      // Registered for servers only, but an older registration may still offer it in DMs.
      if (!interaction.inGuild()) throw new UserError('guildOnly');
      await definition.execute({
        service,
        requester: {
          platform: 'discord',
          guildId: interaction.guildId,
          userId: interaction.user.id,
          channelId: interaction.channelId,
          locale: messages.locale,
          isAdmin: interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild),
        },
        options: readOptions(definition, interaction.options, service.catalogue),
        delivery: toAddress(interactionDelivery(interaction)),
        messages,
        mention,
        reply: (text, options) => responder.reply(text, options),
      });
    } catch (error) {
      const text = describeError(error, messages, logger, {
        command: interaction.commandName,
        interactionId: interaction.id,
      });
      await responder.reply(text, { ephemeral: true }).catch((replyError: unknown) => {
        logger.error(
          { err: replyError, interactionId: interaction.id },
          'could not answer a command',
        );
      });
    }
  };
