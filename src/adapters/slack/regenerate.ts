/**
 * `:repeat:` on one of the bot's result messages queues the same settings again, charged to the
 * person who reacted. Settings come from the service's store, so this works after a restart.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import { describeError } from '#adapters/shared/describe-error.js';
import { messagesFor } from '#adapters/shared/messages.js';
import { regenerateReaction, resultMessageId, slackDeliveryAddress } from './delivery.js';
import { createSlackMarkup } from './markup.js';
import type { SlackPeople } from './people.js';
import type { RecentOnce } from '#adapters/shared/recent-once.js';

export interface RegenerateDependencies {
  service: GenerationService;
  people: SlackPeople;
  logger: Logger;
  recent: RecentOnce;
}

export const regenerateListener =
  ({ service, people, logger, recent }: RegenerateDependencies) =>
  async ({
    event,
    body,
    client,
    context,
  }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    if (event.reaction !== regenerateReaction || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    if (!recent.admit(`${event.user}/${channel}/${ts}`)) return;

    const teamId = context.teamId ?? body.team_id;
    const person = await people.lookUp(event.user);
    const messages = messagesFor(person.locale);
    const tell = async (text: string) => {
      await client.chat.postEphemeral({
        channel,
        user: event.user,
        text: createSlackMarkup().render(text),
      });
    };
    try {
      const request = await service.recallResult('slack', resultMessageId(channel, ts));
      if (request === undefined) {
        // Someone else's message, or a result older than the store keeps: only the latter is worth a word.
        if (event.item_user === context.botUserId) await tell(messages.resultExpired());
        return;
      }
      await service.submit(
        request,
        {
          platform: 'slack',
          guildId: teamId,
          userId: event.user,
          channelId: channel,
          locale: person.locale,
          isAdmin: person.isAdmin,
        },
        slackDeliveryAddress({ teamId, channelId: channel }),
      );
    } catch (error) {
      const text = describeError(error, messages, logger, { reaction: ts, userId: event.user });
      await tell(text).catch((tellError: unknown) =>
        logger.error({ err: tellError }, 'could not tell the user why regenerate failed'),
      );
    }
  };
