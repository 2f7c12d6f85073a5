/**
 * Runs a slash command: acknowledge at once (Slack allows 3 seconds and shows the user an error
 * after), then parse the one text string against the shared definition, build the command
 * context, and run the definition's logic. Every refusal or failure ends in an ephemeral reply.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { CodedError } from '#core/errors.js';
import type { Logger } from '#core/log.js';
import type { Requester } from '#core/request.js';
import type { GenerationService } from '#core/service-api.js';
import type {
  CommandDefinition,
  ReplyFile,
  ReplyOptions,
} from '#adapters/shared/command-context.js';
import { describeError } from '#adapters/shared/describe-error.js';
import { messagesFor } from '#adapters/shared/messages.js';
import { parseTextCommand } from '#adapters/shared/text-options.js';
import { slackDeliveryAddress } from './delivery.js';
import { createSlackMarkup, unescapeSlack } from './markup.js';
import type { SlackPeople } from './people.js';

export interface CommandDependencies {
  service: GenerationService;
  people: SlackPeople;
  logger: Logger;
}

export type CommandListener = (
  args: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
) => Promise<void>;

/**
 * A response URL carries no files, and a file in a channel is seen by everyone there: files (and
 * the text that explains them) go to the user's direct messages with the bot instead.
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

export const commandListener =
  (
    definition: CommandDefinition,
    { service, people, logger }: CommandDependencies,
  ): CommandListener =>
  async ({ command, ack, respond, client }) => {
    await ack();
    const person = await people.lookUp(command.user_id);
    const messages = messagesFor(person.locale);
    const markup = createSlackMarkup();
    const reply = async (text: string, options?: ReplyOptions): Promise<void> => {
      const ephemeral = options?.ephemeral ?? definition.ephemeral ?? false;
      const files = options?.files ?? [];
      if (files.length > 0)
        await sendPrivately(client, command.user_id, markup.render(text), files);
      await respond({
        response_type: ephemeral ? 'ephemeral' : 'in_channel',
        text: markup.render(files.length > 0 ? messages.sentPrivately() : text),
      });
    };
    const requester: Requester = {
      platform: 'slack',
      guildId: command.team_id,
      userId: command.user_id,
      channelId: command.channel_id,
      locale: person.locale,
      isAdmin: person.isAdmin,
    };
    try {
      await definition.execute({
        service,
        requester,
        options: parseTextCommand(definition, unescapeSlack(command.text), service.catalogue),
        delivery: slackDeliveryAddress({
          teamId: command.team_id,
          channelId: command.channel_id,
          responseUrl: command.response_url,
        }),
        messages,
        mention: markup.mention,
        reply,
      });
    } catch (error) {
      const text = describeError(error, messages, logger, {
        command: definition.name,
        userId: command.user_id,
      });
      await reply(text, { ephemeral: true }).catch((replyError: unknown) =>
        logger.error({ err: replyError }, 'could not tell the user why their command failed'),
      );
    }
  };
