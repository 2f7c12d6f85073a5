/**
 * Slash commands as the shared flow's {@link CommandInvocation}: acknowledged with Bolt's `ack`,
 * the one text string parsed against the shared definition, every answer through `respond`.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { ModelCatalogue } from '#core/models.js';
import type { CommandInvocation } from '#adapters/shared/run-command.js';
import { parseTextCommand } from '#adapters/shared/text-options.js';
import { slackDeliveryAddress } from './delivery.js';
import { createSlackMarkup, slackFormat, unescapeSlack } from './markup.js';
import type { SlackPeople } from './people.js';

export const slashCommandInvocation = (
  { command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
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
    reply: async (text, { ephemeral }) => {
      await respond({
        response_type: ephemeral ? 'ephemeral' : 'in_channel',
        text: markup.render(text),
      });
    },
  };
};
