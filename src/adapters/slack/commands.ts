/**
 * Slash commands as the shared flow's {@link CommandInvocation}: acknowledged with Bolt's `ack`,
 * the one text string parsed against the shared definition, every answer through `respond`
 * (files, which a response URL cannot carry, through the Web API).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { CodedError } from '#core/errors.js';
import type { ModelCatalogue } from '#core/models.js';
import type { ReplyFile } from '#adapters/shared/command-context.js';
import { messagesFor } from '#adapters/shared/messages.js';
import type { CommandInvocation } from '#adapters/shared/run-command.js';
import { parseTextCommand } from '#adapters/shared/text-options.js';
import { slackDeliveryAddress } from './delivery.js';
import { createSlackMarkup, slackFormat, unescapeSlack } from './markup.js';
import type { SlackPeople } from './people.js';

/**
 * A file in a channel is seen by everyone there: files (and the text that explains them) go to the
 * user's direct messages with the bot instead.
 */
const sendPrivately = async (
  client: AllMiddlewareArgs['client'],
  userId: string,
  text: string,
  files: readonly ReplyFile[],
): Promise<void> => {
  const opened = await client.conversations.open({ users: userId });
  const channelId = opened.channel?.id;
  if (channelId === undefined)
    throw new CodedError('slack.noDirectMessage', 'conversations.open returned no channel');
  await client.files.uploadV2({
    channel_id: channelId,
    initial_comment: text,
    file_uploads: files.map((file) => ({ file: file.bytes, filename: file.name })),
  });
};

export const slashCommandInvocation = (
  { command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
  people: SlackPeople,
  catalogue: ModelCatalogue,
): CommandInvocation => {
  const markup = createSlackMarkup();
  return {
    commandName: command.command.replace(/^\//, ''),
    intakeId: `slack:trigger:${command.trigger_id}`,
    logContext: { userId: command.user_id },
    format: slackFormat,
    delivery: slackDeliveryAddress({
      teamId: command.team_id,
      channelId: command.channel_id,
      responseUrl: command.response_url,
    }),
    acknowledge: () => ack(),
    locale: async () => (await people.lookUp(command.user_id)).locale,
    requester: async (locale) => ({
      platform: 'slack',
      guildId: command.team_id,
      userId: command.user_id,
      channelId: command.channel_id,
      locale,
      isAdmin: (await people.lookUp(command.user_id)).isAdmin,
    }),
    readOptions: (definition) =>
      parseTextCommand(definition, unescapeSlack(command.text), catalogue),
    mention: markup.mention,
    reply: async (text, { ephemeral, files = [] }) => {
      if (files.length > 0)
        await sendPrivately(client, command.user_id, markup.render(text), files);
      const answer =
        files.length > 0
          ? messagesFor((await people.lookUp(command.user_id)).locale, slackFormat).sentPrivately()
          : text;
      await respond({
        response_type: ephemeral ? 'ephemeral' : 'in_channel',
        text: markup.render(answer),
      });
    },
  };
};
