/**
 * 🔁 on one of the bot's result messages queues the same settings again, charged to the person who
 * reacted, with the result posted as a reply to that message. Settings come from the service's
 * store, so this works on messages sent before a restart (which arrive as partials).
 */
import type { MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import { describeError } from '#adapters/shared/describe-error.js';
import { localeFrom, messagesFor } from '#adapters/shared/messages.js';
import type { RecentOnce } from '#adapters/shared/recent-once.js';
import { replyDelivery, toAddress } from './delivery.js';
import { cut, discordLimits, discordFormat, mention, noPings, regenerateEmoji } from './text.js';

export interface RegenerateDependencies {
  service: GenerationService;
  logger: Logger;
  recent: RecentOnce;
}

export const regenerateListener =
  ({ service, logger, recent }: RegenerateDependencies) =>
  async (
    reaction: MessageReaction | PartialMessageReaction,
    reactor: User | PartialUser,
  ): Promise<void> => {
    if (reaction.emoji.name !== regenerateEmoji) return;
    const { message } = reaction;
    if (!message.inGuild()) return;
    const user = reactor.partial ? await reactor.fetch() : reactor;
    if (user.bot) return;
    if (!recent.admit(`${user.id}/${message.id}`)) return;

    const guild = message.guild;
    const messages = messagesFor(localeFrom(guild?.preferredLocale), discordFormat);
    try {
      const request = await service.recallResult('discord', message.id);
      // Not a result of ours (or older than the store keeps): a 🔁 there is just a reaction.
      if (request === undefined) return;
      await service.submit(
        request,
        {
          platform: 'discord',
          guildId: message.guildId,
          userId: user.id,
          channelId: message.channelId,
          locale: messages.locale,
        },
        toAddress(
          replyDelivery({
            applicationId: message.client.application.id,
            channelId: message.channelId,
            replyTo: message.id,
          }),
        ),
      );
    } catch (error) {
      const text = describeError(error, messages, logger, {
        messageId: message.id,
        userId: user.id,
      });
      // No interaction, so nothing private: a reply that names the user (without pinging them).
      await message.channel
        .send({
          content: cut(`${mention(user.id)} ${text}`, discordLimits.content),
          reply: { messageReference: message.id, failIfNotExists: false },
          allowedMentions: noPings,
        })
        .catch((sendError: unknown) =>
          logger.error({ err: sendError }, 'could not tell the user why regenerate failed'),
        );
    }
  };
