/**
 * Slash commands as the shared flow's {@link CommandInvocation}: the acknowledgement is a deferral
 * sent at once (see `InteractionResponder`), and the command's work waits until other commands'
 * acknowledgements are out of the way (see `AcknowledgementsFirst`). An accepted /imagine says
 * nothing here: its deferred reply is filled in by the job's reporter.
 */
import {
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
  type RepliableInteraction,
} from 'discord.js';
import { optionTypes } from './command-json.js';
import { ageRestricted, roleIdsOf } from './members.js';
import { UserError } from '#core/errors.js';
import type { ModelCatalogue } from '#core/models.js';
import {
  optionsOf,
  parsedOptions,
  type CommandDefinition,
  type OptionValue,
  type ParsedOptions,
} from '#adapters/shared/command-context.js';
import { MalformedCommandError } from '#adapters/shared/command-problems.js';
import { localeFrom } from '#adapters/shared/messages.js';
import { checkOptionValue } from '#adapters/shared/option-values.js';
import type { Locale, Requester } from '#core/request.js';
import type { CommandInvocation } from '#adapters/shared/run-command.js';
import type { AcknowledgementsFirst } from './acknowledgements.js';
import { interactionDelivery, toAddress } from './delivery.js';
import { InteractionResponder } from './responder.js';
import { discordFormat, mention } from './text.js';

/** The options of an interaction as discord.js resolves them, as far as the definitions need. */
export interface OptionReader {
  getSubcommandGroup(required: false): string | null;
  getSubcommand(required: false): string | null;
  /** The option as sent, of whatever type Discord (or a stale registration) gave it. */
  get(name: string): {
    type: number;
    value?: unknown;
    user?: { id: string };
    attachment?: { url: string; name: string };
  } | null;
}

/**
 * Reads and checks the options a definition declares (those of the chosen subcommand, if any).
 * Discord checks types and limits against the registration, which may be older than the
 * definition: a value of another type or out of range is refused here, naming the option. An
 * uploaded file becomes the job's reference to it (its CDN url, fetched when the job runs).
 */
export const readOptions = (
  definition: CommandDefinition,
  reader: OptionReader,
  catalogue: ModelCatalogue,
): ParsedOptions => {
  const hasSubcommands = definition.subcommands !== undefined || definition.groups !== undefined;
  const group = definition.groups ? (reader.getSubcommandGroup(false) ?? undefined) : undefined;
  const subcommand = hasSubcommands ? (reader.getSubcommand(false) ?? undefined) : undefined;
  const values: Record<string, OptionValue> = {};
  for (const option of optionsOf(definition, subcommand, group)) {
    const sent = reader.get(option.name);
    if (sent === null) continue;
    if (sent.type !== optionTypes[option.type])
      throw new MalformedCommandError({
        kind: 'wrongType',
        option: option.name,
        expected: option.type,
      });
    if (option.type === 'attachment') {
      if (sent.attachment !== undefined)
        values[option.name] = {
          source: 'url',
          ref: sent.attachment.url,
          name: sent.attachment.name,
        };
      continue;
    }
    const checked = checkOptionValue(
      option,
      option.type === 'user' ? (sent.user?.id ?? sent.value) : sent.value,
      catalogue,
      { lengthChecked: true },
    );
    if (!checked.ok) throw new MalformedCommandError(checked.problem);
    values[option.name] = checked.value;
  }
  return parsedOptions(group, subcommand, values);
};

/** Who acts in an interaction; throws `guildOnly` outside a server. */
export const interactionRequester = (
  interaction: RepliableInteraction,
  locale: Locale,
): Requester => {
  // Registered for servers only, but an older registration may still offer it in DMs.
  if (!interaction.inGuild() || interaction.channelId === null) throw new UserError('guildOnly');
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
};

export const interactionInvocation = (
  interaction: ChatInputCommandInteraction,
  definition: CommandDefinition | undefined,
  acknowledgements: AcknowledgementsFirst,
  catalogue: ModelCatalogue,
): CommandInvocation => {
  const responder = new InteractionResponder(interaction, definition?.ephemeral ?? false);
  return {
    commandName: interaction.commandName,
    intakeId: `discord:interaction:${interaction.id}`,
    logContext: { interactionId: interaction.id },
    format: discordFormat,
    delivery: toAddress(interactionDelivery(interaction)),
    acknowledge: () => acknowledgements.acknowledgeThenWait(() => responder.acknowledge()),
    locale: async () => localeFrom(interaction.locale),
    requester: async (locale) => interactionRequester(interaction, locale),
    readOptions: (command) => readOptions(command, interaction.options, catalogue),
    mention,
    reply: (text, options) => responder.reply(text, options),
  };
};
