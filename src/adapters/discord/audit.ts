/**
 * The audit channel on Discord, as transport only (the wording and the flow are shared): the line
 * posted through REST with a `Delete` button that names the result messages, and the button's
 * handling, which deletes them for a member with Manage Messages.
 */
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  type ButtonInteraction,
} from 'discord.js';
import type { Logger } from '#core/log.js';
import { deleteAuditedResult } from '#adapters/shared/audit.js';
import { localeFrom } from '#adapters/shared/messages.js';
import { isGone } from './messenger.js';
import { cut, discordFormat, discordLimits, mention, noPings } from './text.js';

const prefix = 'audit-delete:';
/** Discord's custom id holds 100 characters: the channel and up to three message ids. */
const maxMessageIds = 3;

/** Where a job's result was posted: what the audit line links to and its button deletes. */
export interface PostedResult {
  guildId: string;
  channelId: string;
  messageIds: readonly string[];
}

export const resultLink = ({ guildId, channelId, messageIds }: PostedResult): string =>
  `https://discord.com/channels/${guildId}/${channelId}/${messageIds[0]}`;

/** The `Delete` button row for a posted result. */
export const deleteButton = ({ channelId, messageIds }: PostedResult) => [
  {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: 'Delete',
        custom_id: `${prefix}${channelId}:${messageIds.slice(0, maxMessageIds).join(',')}`,
      },
    ],
  },
];

const parseTarget = (customId: string) => {
  if (!customId.startsWith(prefix)) return undefined;
  const [channelId = '', ids = ''] = customId.slice(prefix.length).split(':');
  return { channelId, messageIds: ids.split(',').filter((id) => id !== '') };
};

/** Handles a click on an audit line's `Delete`; ignores any other button. */
export const onAuditButton = async (
  interaction: ButtonInteraction,
  logger: Logger,
): Promise<void> => {
  const target = parseTarget(interaction.customId);
  if (target === undefined) return;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await deleteAuditedResult(
    {
      locale: localeFrom(interaction.locale),
      format: discordFormat,
      by: mention(interaction.user.id),
      isModerator: interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false,
      deleteResult: async () => {
        for (const messageId of target.messageIds) {
          await interaction.client.rest
            .delete(Routes.channelMessage(target.channelId, messageId))
            .catch((error: unknown) => {
              // Someone deleted it already: what the moderator wanted.
              if (!isGone(error)) throw error;
            });
        }
      },
      markDeleted: async (note) => {
        await interaction.message.edit({
          content: cut(`${interaction.message.content}\n${note}`, discordLimits.content),
          components: [],
          allowedMentions: noPings,
        });
      },
      tell: async (text) => {
        await interaction.editReply({ content: text, allowedMentions: noPings });
      },
    },
    logger,
  );
};
