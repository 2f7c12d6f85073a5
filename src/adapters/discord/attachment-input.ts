/**
 * The `discord-attachment` image input source: an image on a message the bot posted, named by
 * channel, message and position. Attachment urls are signed and expire, so the message is read
 * again through REST for a fresh url when the job runs, in whichever process runs it.
 */
import { Routes, type APIMessage } from 'discord.js';
import { downloadInput } from '#core/images/url-input.js';
import { InputFetchError, type ImageInputRef, type ImageInputSource } from '#core/inputs.js';
import { createRest, type RestOptions } from './messenger.js';

export const discordAttachmentSourceName = 'discord-attachment';

export const attachmentRef = (
  channelId: string,
  messageId: string,
  position: number,
  name: string,
): ImageInputRef => ({
  source: discordAttachmentSourceName,
  ref: `${channelId}/${messageId}/${position}`,
  name,
});

export const discordAttachmentSource = (options: RestOptions): ImageInputSource => {
  const rest = createRest(options);
  return {
    async fetch(ref, fetchOptions) {
      const [channelId = '', messageId = '', position = ''] = ref.split('/');
      let url: string | undefined;
      try {
        const message = (await rest.get(Routes.channelMessage(channelId, messageId), {
          signal: fetchOptions.signal,
        })) as APIMessage;
        url = message.attachments[Number(position)]?.url;
      } catch (error) {
        throw new InputFetchError('unreachable', `reading message ${messageId} failed`, {
          cause: error,
        });
      }
      if (url === undefined)
        throw new InputFetchError('unreachable', `message ${messageId} has no image ${position}`);
      return downloadInput(url, fetchOptions);
    },
  };
};
