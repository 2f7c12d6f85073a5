/**
 * Slash commands: each interaction becomes the shared `CommandContext` and runs the command's
 * logic from `commands/`. The handler acknowledges within Discord's 3 seconds whatever the load:
 * a command that has not answered after `deferAfterMs` is deferred, and one that ends without a
 * word (an accepted /imagine) is deferred publicly, leaving the reply to the job's reporter.
 */
import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { CodedError } from '#core/errors.js';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import {
  optionsOf,
  type CommandContext,
  type CommandDefinition,
  type OptionValue,
  type ParsedOptions,
} from '#adapters/shared/command-context.js';
import { describeError } from '#adapters/shared/describe-error.js';
import { localeFrom, messagesFor } from '#adapters/shared/messages.js';
import type { PendingAcknowledgements } from './acknowledgements.js';
import { interactionDelivery, toAddress } from './delivery.js';
import { InteractionResponder } from './responder.js';
import { discordTime, mention } from './text.js';

export interface CommandHandlerDependencies {
  service: GenerationService;
  commands: readonly CommandDefinition[];
  logger: Logger;
  acknowledgements: PendingAcknowledgements;
  deferAfterMs: number;
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
  ({ service, commands, logger, acknowledgements, deferAfterMs }: CommandHandlerDependencies) =>
  async (interaction: ChatInputCommandInteraction): Promise<void> => {
    const definition = commands.find((command) => command.name === interaction.commandName);
    const messages = messagesFor(localeFrom(interaction.locale), { time: discordTime });
    const responder = new InteractionResponder(interaction, definition?.ephemeral ?? false);
    acknowledgements.track(interaction.token, responder.acknowledged);
    const timer = setTimeout(() => {
      responder.defer().catch((error: unknown) => {
        logger.warn({ err: error, interactionId: interaction.id }, 'could not defer a command');
      });
    }, deferAfterMs);
    try {
      if (definition === undefined)
        throw new CodedError(
          'discord.unknownCommand',
          `no definition for /${interaction.commandName}`,
        );
      if (!interaction.inGuild())
        throw new CodedError('discord.notInGuild', 'commands are registered for servers only');
      const context: CommandContext = {
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
      };
      await definition.execute(context);
      await responder.defer();
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
    } finally {
      clearTimeout(timer);
      responder.done();
    }
  };
