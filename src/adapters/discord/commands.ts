/**
 * Slash commands: each interaction is acknowledged at once (see `InteractionResponder`), before
 * anything else is done for it; once other commands' acknowledgements are out of the way (see
 * `AcknowledgementsFirst`), it becomes the shared `CommandContext` and runs the command's logic
 * from `commands/`. An accepted /imagine says nothing here: its deferred reply is filled in by the
 * job's reporter.
 */
import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { CodedError, UserError } from '#core/errors.js';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import {
  optionsOf,
  type CommandDefinition,
  type OptionValue,
  type ParsedOptions,
} from '#adapters/shared/command-context.js';
import { describeError } from '#adapters/shared/describe-error.js';
import { localeFrom, messagesFor } from '#adapters/shared/messages.js';
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

/** The option readers discord.js offers, as far as the shared definitions need them. */
export interface OptionReader {
  getSubcommand(required: false): string | null;
  getString(name: string): string | null;
  getInteger(name: string): number | null;
  getUser(name: string): { id: string } | null;
}

/** Reads the options a definition declares (those of the chosen subcommand, if any). */
export const readOptions = (definition: CommandDefinition, reader: OptionReader): ParsedOptions => {
  const subcommand = definition.subcommands
    ? (reader.getSubcommand(false) ?? undefined)
    : undefined;
  const values: Record<string, OptionValue> = {};
  for (const option of optionsOf(definition, subcommand)) {
    const value =
      option.type === 'string'
        ? reader.getString(option.name)
        : option.type === 'integer'
          ? reader.getInteger(option.name)
          : reader.getUser(option.name)?.id;
    if (value !== null && value !== undefined) values[option.name] = value;
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
        options: readOptions(definition, interaction.options),
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
