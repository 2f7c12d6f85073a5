/**
 * `:repeat:` on one of the bot's result messages, as the shared flow's {@link ResultReuse}: the
 * same settings again, charged to the person who reacted, told privately when it cannot be done.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { reuseResult, type ResultReuser } from '#adapters/shared/reuse-result.js';
import { regenerateReaction, resultMessageId, slackDeliveryAddress } from './delivery.js';
import { createSlackMarkup, slackFormat } from './markup.js';
import type { SlackPeople } from './people.js';

export const regenerateListener =
  (people: SlackPeople, reuser: ResultReuser) =>
  async ({
    event,
    body,
    client,
    context,
  }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    if (event.reaction !== regenerateReaction || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    const teamId = context.teamId ?? body.team_id;
    await reuseResult(
      {
        platform: 'slack',
        messageId: resultMessageId(channel, ts),
        userId: event.user,
        intakeId: `slack:event:${body.event_id}`,
        onBotMessage: event.item_user === context.botUserId,
        format: slackFormat,
        delivery: slackDeliveryAddress({ teamId, channelId: channel }),
        locale: async () => (await people.lookUp(event.user)).locale,
        requester: async (locale) => ({
          platform: 'slack',
          guildId: teamId,
          userId: event.user,
          channelId: channel,
          locale,
          isAdmin: (await people.lookUp(event.user)).isAdmin,
        }),
        tell: async (text) => {
          await client.chat.postEphemeral({
            channel,
            user: event.user,
            text: createSlackMarkup().render(text),
          });
        },
      },
      reuser,
    );
  };
