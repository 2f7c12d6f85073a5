/**
 * The `slack-file` image input source: a Slack file id, looked up with `files.info` and downloaded
 * from its private url with the bot token, when the job runs, in whichever process runs it.
 */
import { downloadInput } from '#core/images/url-input.js';
import { InputFetchError, type ImageInputSource } from '#core/inputs.js';
import { createSlackClient } from './client-options.js';

export const slackFileSourceName = 'slack-file';

export const slackFileSource = (
  options: Parameters<typeof createSlackClient>[0],
): ImageInputSource => {
  const client = createSlackClient(options);
  return {
    async fetch(fileId, fetchOptions) {
      let url: string | undefined;
      try {
        const info = await client.files.info({ file: fileId });
        url = info.file?.url_private_download ?? info.file?.url_private;
      } catch (error) {
        throw new InputFetchError('unreachable', `files.info failed for ${fileId}`, {
          cause: error,
        });
      }
      if (url === undefined)
        throw new InputFetchError('unreachable', `Slack file ${fileId} has no download url`);
      return downloadInput(url, fetchOptions, { authorization: `Bearer ${options.botToken}` });
    },
  };
};
