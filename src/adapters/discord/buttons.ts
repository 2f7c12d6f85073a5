/**
 * The buttons on results and status messages, as the shared flows' transport. Every click is
 * acknowledged first: a deferred update (the message stays as it is) for most, the modal itself
 * for Remix. Private answers are ephemeral follow-ups; new jobs reply to the result in the channel,
 * as a 🔁 does.
 */
import { MessageFlags, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import { localeFrom } from '#adapters/shared/messages.js';
import {
  cancelJob,
  cancelledJobOf,
  deleteResult,
  remixResult,
  rerollResult,
  resultActionOf,
  varyPickOf,
  varyResult,
  type ActionButton,
  type ResultClick,
} from '#adapters/shared/result-actions.js';
import type { ResultReuser } from '#adapters/shared/reuse-result.js';
import type { AcknowledgementsFirst } from './acknowledgements.js';
import { interactionRequester } from './commands.js';
import { replyDelivery, toAddress } from './delivery.js';
import { modalOpening } from './forms.js';
import { buttonRows } from './render.js';
import { cut, discordFormat, discordLimits, noPings } from './text.js';

export interface ButtonDependencies {
  reuser: ResultReuser;
  service: GenerationService;
  acknowledgements: AcknowledgementsFirst;
  logger: Logger;
}

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

/** The click as the shared flows see it; `messageId` names the result it acts on. */
const clickOn = (interaction: ButtonInteraction, messageId: string): ResultClick => ({
  platform: 'discord',
  messageId,
  userId: interaction.user.id,
  onBotMessage: true,
  format: discordFormat,
  delivery: toAddress(
    replyDelivery({
      applicationId: interaction.applicationId,
      channelId: interaction.channelId,
      replyTo: messageId,
    }),
  ),
  locale: async () => localeFrom(interaction.locale),
  requester: async (locale) => interactionRequester(interaction, locale),
  tell: (text) => followUpPrivately(interaction, text),
});

/** Handles a click on one of the bot's buttons; ignores any other button. */
export const handleButton = async (
  interaction: ButtonInteraction,
  { reuser, service, acknowledgements, logger }: ButtonDependencies,
): Promise<void> => {
  const id = interaction.customId;
  const action = resultActionOf(id);
  const pick = varyPickOf(id);
  const jobId = cancelledJobOf(id);
  if (action === undefined && pick === undefined && jobId === undefined) return;
  if (action === 'remix') {
    const click = clickOn(interaction, interaction.message.id);
    // The modal must be the first answer; a refusal then is the first answer instead.
    const opening = modalOpening(interaction);
    await remixResult({ ...click, opening, tell: opening.tell }, reuser);
    return;
  }
  await acknowledgements.acknowledge(() => interaction.deferUpdate());
  await acknowledgements.settled();
  if (jobId !== undefined) {
    await cancelJob(
      {
        jobId,
        userId: interaction.user.id,
        isAdmin: async () => has(interaction, PermissionFlagsBits.ManageGuild),
        format: discordFormat,
        locale: async () => localeFrom(interaction.locale),
        tell: (text) => followUpPrivately(interaction, text),
      },
      { service, logger },
    );
    return;
  }
  const click = clickOn(interaction, pick?.messageId ?? interaction.message.id);
  switch (action) {
    case 'reroll':
      return rerollResult(click, reuser);
    case 'delete':
      return deleteResult(
        {
          ...click,
          isModerator: async () => has(interaction, PermissionFlagsBits.ManageMessages),
          remove: async () => {
            await interaction.message.delete();
          },
        },
        reuser,
      );
    case 'vary':
    case undefined:
      return varyResult(
        { ...click, pick: (text, choices) => followUpPrivately(interaction, text, choices) },
        pick?.choice,
        reuser,
      );
  }
};
