/**
 * The shared command definitions as Discord application commands (with Korean localisations), and
 * the comparison that tells whether what Discord has registered already says the same. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
} from 'discord.js';
import type { ModelCatalogue } from '#core/models.js';
import type {
  CommandDefinition,
  MessageActionDefinition,
  OptionDefinition,
  SubcommandDefinition,
} from '#adapters/shared/command-context.js';

type Json = Record<string, unknown>;

/** Discord offers at most 25 fixed choices; beyond that the option takes free text, checked by the core. */
const maxChoices = 25;

/** Discord's type for each kind of option a definition declares. */
export const optionTypes = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  user: ApplicationCommandOptionType.User,
  channel: ApplicationCommandOptionType.Channel,
  role: ApplicationCommandOptionType.Role,
  attachment: ApplicationCommandOptionType.Attachment,
} as const;

/** Channels a `channel` option offers: those members post and read images in. */
const textChannelTypes = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

/** The name and description of a command, group, subcommand or option, in English and Korean. */
const localised = (entry: {
  name: string;
  nameKo: string;
  description: { en: string; ko: string };
}): Json => ({
  name: entry.name,
  name_localizations: { ko: entry.nameKo },
  description: entry.description.en,
  description_localizations: { ko: entry.description.ko },
});

const optionJson = (option: OptionDefinition, catalogue: ModelCatalogue): Json => {
  const choices = option.choices?.(catalogue) ?? [];
  return {
    type: optionTypes[option.type],
    ...localised(option),
    required: option.required ?? false,
    ...(choices.length > 0 &&
      choices.length <= maxChoices && {
        choices: choices.map((choice) => ({ name: choice, value: choice })),
      }),
    ...(option.min !== undefined && { min_value: option.min }),
    ...(option.max !== undefined && { max_value: option.max }),
    ...(option.maxLength !== undefined && { max_length: option.maxLength }),
    ...(option.type === 'channel' && { channel_types: textChannelTypes }),
  };
};

const subcommandJson = (subcommand: SubcommandDefinition, catalogue: ModelCatalogue): Json => ({
  type: ApplicationCommandOptionType.Subcommand,
  ...localised(subcommand),
  options: subcommand.options.map((option) => optionJson(option, catalogue)),
});

export const commandJson = (definition: CommandDefinition, catalogue: ModelCatalogue): Json => ({
  type: ApplicationCommandType.ChatInput,
  ...localised(definition),
  // Hidden from members without Manage Server by default; the command checks again when it runs.
  default_member_permissions: definition.adminOnly
    ? PermissionFlagsBits.ManageGuild.toString()
    : null,
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options:
    definition.subcommands || definition.groups
      ? [
          ...(definition.subcommands ?? []).map((subcommand) =>
            subcommandJson(subcommand, catalogue),
          ),
          ...(definition.groups ?? []).map((group) => ({
            type: ApplicationCommandOptionType.SubcommandGroup,
            ...localised(group),
            options: group.subcommands.map((subcommand) => subcommandJson(subcommand, catalogue)),
          })),
        ]
      : (definition.options ?? []).map((option) => optionJson(option, catalogue)),
});

/** A command run on a message, as a message context-menu entry (no description, no options). */
export const messageCommandJson = (action: MessageActionDefinition): Json => ({
  type: ApplicationCommandType.Message,
  name: action.name.en,
  name_localizations: { ko: action.name.ko },
  description: '',
  default_member_permissions: null,
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
  options: [],
});

/**
 * The fields this bot sets, with Discord's defaults filled in, so that a command as sent and the
 * same command as Discord returns it (with ids, versions, omitted `required: false`, `null`s)
 * compare equal.
 */
const canonicalOption = (option: Json): Json => ({
  type: option.type,
  name: option.name,
  name_localizations: option.name_localizations ?? null,
  description: option.description,
  description_localizations: option.description_localizations ?? null,
  required: option.required ?? false,
  choices:
    (option.choices as Json[] | undefined)?.map((choice) => ({
      name: choice.name,
      value: choice.value,
    })) ?? null,
  min_value: option.min_value ?? null,
  max_value: option.max_value ?? null,
  max_length: option.max_length ?? null,
  channel_types: option.channel_types ?? null,
  options: (option.options as Json[] | undefined)?.map(canonicalOption) ?? null,
});

const canonicalCommand = (command: Json): Json => ({
  type: command.type ?? ApplicationCommandType.ChatInput,
  name: command.name,
  name_localizations: command.name_localizations ?? null,
  description: command.description ?? '',
  description_localizations: command.description_localizations ?? null,
  default_member_permissions: command.default_member_permissions ?? null,
  contexts: command.contexts ?? null,
  integration_types: command.integration_types ?? null,
  options: ((command.options as Json[] | undefined) ?? []).map(canonicalOption),
});

const byName = (commands: readonly Json[]) =>
  commands.map(canonicalCommand).sort((a, b) => String(a.name).localeCompare(String(b.name)));

/** Whether Discord's registered commands already match the desired ones. */
export const sameCommands = (desired: readonly Json[], registered: readonly Json[]): boolean =>
  isDeepStrictEqual(byName(desired), byName(registered));
