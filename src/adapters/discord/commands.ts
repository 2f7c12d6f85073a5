/**
 * Slash commands as the shared flow's {@link CommandInvocation}: the acknowledgement is a deferral
 * sent at once (see `InteractionResponder`), and the command's work waits until other commands'
 * acknowledgements are out of the way (see `AcknowledgementsFirst`). An accepted /imagine says
 * nothing here: its deferred reply is filled in by the job's reporter.
 */
import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { UserError } from '#core/errors.js';
import {
  optionsOf,
  type CommandDefinition,
  type OptionValue,
  type ParsedOptions,
} from '#adapters/shared/command-context.js';
import { localeFrom } from '#adapters/shared/messages.js';
import type { CommandInvocation } from '#adapters/shared/run-command.js';
import type { AcknowledgementsFirst } from './acknowledgements.js';
import { interactionDelivery, toAddress } from './delivery.js';
import { InteractionResponder } from './responder.js';
import { discordFormat, mention } from './text.js';

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

export const interactionInvocation = (
  interaction: ChatInputCommandInteraction,
  definition: CommandDefinition | undefined,
  acknowledgements: AcknowledgementsFirst,
): CommandInvocation => {
  const responder = new InteractionResponder(interaction, definition?.ephemeral ?? false);
  return {
    commandName: interaction.commandName,
    intakeId: `discord:interaction:${interaction.id}`,
    logContext: { interactionId: interaction.id },
    format: discordFormat,
    delivery: toAddress(interactionDelivery(interaction)),
    acknowledge: async () => {
      await acknowledgements.acknowledge(() => responder.acknowledge());
      await acknowledgements.settled();
    },
    locale: async () => localeFrom(interaction.locale),
    requester: async (locale) => {
      // Registered for servers only, but an older registration may still offer it in DMs.
      if (!interaction.inGuild()) throw new UserError('guildOnly');
      return {
        platform: 'discord',
        guildId: interaction.guildId,
        userId: interaction.user.id,
        channelId: interaction.channelId,
        locale,
        isAdmin: interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild),
      };
    },
    readOptions: (command) => readOptions(command, interaction.options),
    mention,
    reply: (text, options) => responder.reply(text, options),
  };
};
