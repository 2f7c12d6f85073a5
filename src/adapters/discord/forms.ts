/**
 * Prompt forms on Discord: a modal opened as the interaction's first answer, and its submission as
 * the shared flow's {@link FormSubmission}, whose job fills in the submission's deferred reply.
 */
import {
  MessageFlags,
  TextInputStyle,
  ComponentType,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import type { ImageInputRef } from '#core/inputs.js';
import { localeFrom } from '#adapters/shared/messages.js';
import type { FormOpening, FormSubmission } from '#adapters/shared/prompt-form.js';
import type { AcknowledgementsFirst } from './acknowledgements.js';
import { interactionRequester } from './commands.js';
import { interactionDelivery, toAddress } from './delivery.js';
import { InteractionResponder } from './responder.js';
import { cut, discordFormat, noPings } from './text.js';

/** Modal custom ids: this prefix and the form's id in the store. */
export const formPrefix = 'imagine:form:';
const promptField = 'prompt';
/** Discord's limits for a modal title, a text input's label and its value. */
const modalLimits = { title: 45, label: 45, value: 4000 } as const;

/** Opening a form in answer to `interaction` (a message command or a button). */
export const modalOpening = (
  interaction: RepliableInteraction & {
    showModal: MessageContextMenuCommandInteraction['showModal'];
  },
): FormOpening => ({
  format: discordFormat,
  locale: async () => localeFrom(interaction.locale),
  open: async (view) => {
    await interaction.showModal({
      custom_id: `${formPrefix}${view.id}`,
      title: cut(view.title, modalLimits.title),
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.TextInput,
              custom_id: promptField,
              label: cut(view.label, modalLimits.label),
              style: TextInputStyle.Paragraph,
              required: true,
              max_length: modalLimits.value,
              ...(view.prompt !== '' && { value: cut(view.prompt, modalLimits.value) }),
            },
          ],
        },
      ],
    });
  },
  tell: async (text) => {
    await interaction.reply({
      content: text,
      flags: MessageFlags.Ephemeral,
      allowedMentions: noPings,
    });
  },
});

/** The images a message carries, as references the job fetches when it runs. */
export const imagesOf = (interaction: MessageContextMenuCommandInteraction): ImageInputRef[] =>
  [...interaction.targetMessage.attachments.values()]
    .filter((attachment) => attachment.contentType?.startsWith('image/') ?? true)
    .map((attachment) => ({ source: 'url', ref: attachment.url, name: attachment.name }));

export const modalSubmission = (
  interaction: ModalSubmitInteraction,
  acknowledgements: AcknowledgementsFirst,
): FormSubmission => {
  const responder = new InteractionResponder(interaction, false);
  return {
    formId: interaction.customId.slice(formPrefix.length),
    prompt: interaction.fields.getTextInputValue(promptField),
    format: discordFormat,
    delivery: toAddress(
      interactionDelivery({
        applicationId: interaction.applicationId,
        // Only outside a server is there no channel, and there the requester is refused first.
        channelId: interaction.channelId ?? '',
        token: interaction.token,
        createdTimestamp: interaction.createdTimestamp,
        attachmentSizeLimit: interaction.attachmentSizeLimit,
      }),
    ),
    acknowledge: () => acknowledgements.acknowledgeThenWait(() => responder.acknowledge()),
    locale: async () => localeFrom(interaction.locale),
    requester: async (locale) => interactionRequester(interaction, locale),
    tell: (text) => responder.reply(text, { ephemeral: true }),
  };
};
