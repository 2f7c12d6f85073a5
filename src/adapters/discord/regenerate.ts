/**
 * 🔁 on one of the bot's result messages, as the shared flow's {@link ResultReuse}: the same
 * settings again, charged to the person who reacted, with the result posted as a reply to that
 * message. Works on messages sent before a restart, which arrive as partials.
 */
import {
  PermissionFlagsBits,
  type Guild,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import type { Logger } from '#core/log.js';
import { localeFrom } from '#adapters/shared/messages.js';
import { reuseResult, type ResultReuser } from '#adapters/shared/reuse-result.js';
import { replyDelivery, toAddress } from './delivery.js';
import { cut, discordLimits, discordFormat, mention, noPings, regenerateEmoji } from './text.js';

/**
 * Whether the member may manage the server. A reaction carries no permissions, so the member is
 * fetched (no privileged intent needed for one member); failing that, not an admin.
 */
const managesGuild = async (guild: Guild, userId: string, logger: Logger): Promise<boolean> => {
  try {
    const member = await guild.members.fetch(userId);
    return member.permissions.has(PermissionFlagsBits.ManageGuild);
  } catch (error) {
    logger.warn({ err: error, userId }, 'could not read a member; treating them as no admin');
    return false;
  }
};

export const regenerateListener =
  (reuser: ResultReuser) =>
  async (
    reaction: MessageReaction | PartialMessageReaction,
    reactor: User | PartialUser,
  ): Promise<void> => {
    if (reaction.emoji.name !== regenerateEmoji) return;
    const { message } = reaction;
    if (!message.inGuild()) return;
    const user = reactor.partial ? await reactor.fetch() : reactor;
    if (user.bot) return;
    await reuseResult(
      {
        platform: 'discord',
        messageId: message.id,
        userId: user.id,
        // A partial message's author is unknown without a fetch; a 🔁 on anything else is just a reaction.
        onBotMessage: false,
        format: discordFormat,
        delivery: toAddress(
          replyDelivery({
            applicationId: message.client.application.id,
            channelId: message.channelId,
            replyTo: message.id,
          }),
        ),
        locale: async () => localeFrom(message.guild.preferredLocale),
        requester: async (locale) => ({
          platform: 'discord',
          guildId: message.guildId,
          userId: user.id,
          channelId: message.channelId,
          locale,
          isAdmin: await managesGuild(message.guild, user.id, reuser.logger),
        }),
        // No interaction, so nothing private: a reply that names the user (without pinging them).
        tell: async (text) => {
          await message.channel.send({
            content: cut(`${mention(user.id)} ${text}`, discordLimits.content),
            reply: { messageReference: message.id, failIfNotExists: false },
            allowedMentions: noPings,
          });
        },
      },
      reuser,
    );
  };
