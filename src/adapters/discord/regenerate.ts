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
import { ageRestricted, roleIdsOf } from './members.js';
import { cut, discordLimits, discordFormat, mention, noPings, regenerateEmoji } from './text.js';

/**
 * Whether the member may manage the server, and their roles. A reaction carries neither, so the
 * member is fetched (no privileged intent needed for one member); failing that, no admin, no roles.
 */
const memberFacts = async (
  guild: Guild,
  userId: string,
  logger: Logger,
): Promise<{ isAdmin: boolean; roleIds: string[] }> => {
  try {
    const member = await guild.members.fetch(userId);
    return {
      isAdmin: member.permissions.has(PermissionFlagsBits.ManageGuild),
      roleIds: roleIdsOf(member),
    };
  } catch (error) {
    logger.warn({ err: error, userId }, 'could not read a member; treating them as no admin');
    return { isAdmin: false, roleIds: [] };
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
          ...(await memberFacts(message.guild, user.id, reuser.logger)),
          ageRestricted: ageRestricted(message.channel),
        }),
        // A reaction has no private reply; a direct message is the private route. A member who
        // takes no direct messages from the server is named in a reply instead (without a ping).
        tell: async (text) => {
          const content = cut(text, discordLimits.content);
          try {
            await user.send({ content, allowedMentions: noPings });
          } catch (error) {
            reuser.logger.info({ err: error, userId: user.id }, 'could not DM a reactor');
            await message.channel.send({
              content: cut(`${mention(user.id)} ${text}`, discordLimits.content),
              reply: { messageReference: message.id, failIfNotExists: false },
              allowedMentions: noPings,
            });
          }
        },
      },
      reuser,
    );
  };
