/**
 * Slash commands as the shared flow's {@link CommandInvocation}: the acknowledgement is a deferral
 * sent at once (see `InteractionResponder`), and the command's work waits until other commands'
 * acknowledgements are out of the way (see `AcknowledgementsFirst`). An accepted /imagine says
 * nothing here: its deferred reply is filled in by the job's reporter.
 */
import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { ageRestricted, roleIdsOf } from './members.js';
import { UserError } from '#core/errors.js';
import {
  optionsOf,
  parsedOptions,
  type CommandDefinition,
  type OptionDefinition,
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
  getSubcommandGroup(required: false): string | null;
  getSubcommand(required: false): string | null;
  getString(name: string): string | null;
  getInteger(name: string): number | null;
  getUser(name: string): { id: string } | null;
  getChannel(name: string): { id: string } | null;
  getRole(name: string): { id: string } | null;
}

const readOne = (reader: OptionReader, option: OptionDefinition): OptionValue | undefined => {
  switch (option.type) {
    case 'string':
      return reader.getString(option.name) ?? undefined;
    case 'integer':
      return reader.getInteger(option.name) ?? undefined;
    case 'user':
      return reader.getUser(option.name)?.id;
    case 'channel':
      return reader.getChannel(option.name)?.id;
    case 'role':
      return reader.getRole(option.name)?.id;
  }
};

/** Reads the options a definition declares (those of the chosen subcommand, if any). */
export const readOptions = (definition: CommandDefinition, reader: OptionReader): ParsedOptions => {
  const hasSubcommands = definition.subcommands !== undefined || definition.groups !== undefined;
  const group = definition.groups ? (reader.getSubcommandGroup(false) ?? undefined) : undefined;
  const subcommand = hasSubcommands ? (reader.getSubcommand(false) ?? undefined) : undefined;
  const values: Record<string, OptionValue> = {};
  for (const option of optionsOf(definition, subcommand, group)) {
    const value = readOne(reader, option);
    if (value !== undefined) values[option.name] = value;
  }
  return parsedOptions(group, subcommand, values);
};

export const interactionInvocation = (
  interaction: ChatInputCommandInteraction,
  definition: CommandDefinition | undefined,
  acknowledgements: AcknowledgementsFirst,
): CommandInvocation => {
  const responder = new InteractionResponder(interaction, definition?.ephemeral ?? false);
  return {
    commandName: interaction.commandName,
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
        ageRestricted: ageRestricted(interaction.channel),
        roleIds: roleIdsOf(interaction.member),
      };
    },
    readOptions: (command) => readOptions(command, interaction.options),
    mention,
    reply: (text, options) => responder.reply(text, options),
  };
};
