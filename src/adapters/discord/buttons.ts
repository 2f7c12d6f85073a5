/**
 * The buttons on results and status messages, as the shared flows' {@link ButtonTransport}. A
 * click is acknowledged with a deferred update (the message stays as it is), or, for Remix, with
 * the modal itself. Private answers are ephemeral follow-ups; new jobs reply to the result in the
 * channel, as a 🔁 does.
 */
import { MessageFlags, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import { localeFrom } from '#adapters/shared/messages.js';
import {
  handleActionButton,
  type ActionButton,
  type ButtonTransport,
} from '#adapters/shared/result-actions.js';
import type { ResultReuser } from '#adapters/shared/reuse-result.js';
import type { AcknowledgementsFirst } from './acknowledgements.js';
import { interactionRequester } from './commands.js';
import { replyDelivery, toAddress } from './delivery.js';
import { modalOpening } from './forms.js';
import { buttonRows } from './render.js';
import { cut, discordFormat, discordLimits, noPings } from './text.js';

const has = (interaction: ButtonInteraction, permission: bigint): boolean =>
  interaction.inGuild() && interaction.memberPermissions.has(permission);

/** Says something only the clicker sees, after the click was acknowledged. */
const followUpPrivately = async (
  interaction: ButtonInteraction,
  text: string,
  buttons: readonly ActionButton[] = [],
) => {
  await interaction.followUp({
    content: cut(text, discordLimits.content),
    flags: MessageFlags.Ephemeral,
    allowedMentions: noPings,
    ...(buttons.length > 0 && { components: buttonRows(buttons) }),
  });
};

const buttonTransport = (
  interaction: ButtonInteraction,
  acknowledgements: AcknowledgementsFirst,
): ButtonTransport => {
  const locale = async () => localeFrom(interaction.locale);
  return {
    userId: interaction.user.id,
    messageId: interaction.message.id,
    format: discordFormat,
    locale,
    click: (resultId) => ({
      platform: 'discord',
      messageId: resultId,
      userId: interaction.user.id,
      onBotMessage: true,
      format: discordFormat,
      delivery: toAddress(
        replyDelivery({
          applicationId: interaction.applicationId,
          channelId: interaction.channelId,
          replyTo: resultId,
        }),
      ),
      locale,
      requester: async (chosen) => interactionRequester(interaction, chosen),
      tell: (text) => followUpPrivately(interaction, text),
    }),
    acknowledge: () => acknowledgements.acknowledgeThenWait(() => interaction.deferUpdate()),
    opening: () => modalOpening(interaction),
    isModerator: async () => has(interaction, PermissionFlagsBits.ManageMessages),
    isAdmin: async () => has(interaction, PermissionFlagsBits.ManageGuild),
    // The images are attachments of the message itself, so they go with it.
    remove: async () => {
      await interaction.message.delete();
    },
    pick: (text, choices) => followUpPrivately(interaction, text, choices),
  };
};

/** Handles a click on one of the bot's buttons; ignores any other button. */
export const handleButton = async (
  interaction: ButtonInteraction,
  reuser: ResultReuser,
  acknowledgements: AcknowledgementsFirst,
): Promise<void> => {
  await handleActionButton(
    interaction.customId,
    buttonTransport(interaction, acknowledgements),
    reuser,
  );
};
