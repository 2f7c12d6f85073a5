/**
 * The facts about a member and a channel the guild policy needs, read from what Discord already
 * sent (the interaction's member, the cached channel): no privileged intent, no extra request.
 */
import type { APIInteractionGuildMember, Channel, GuildMember } from 'discord.js';

/** The member's role ids; a member discord.js has not cached arrives as raw API data. */
export const roleIdsOf = (member: GuildMember | APIInteractionGuildMember | null): string[] =>
  member === null
    ? []
    : Array.isArray(member.roles)
      ? [...member.roles]
      : [...member.roles.cache.keys()];

/** Whether the channel is age-restricted; a thread follows its parent. Unknown counts as not. */
export const ageRestricted = (channel: Channel | null): boolean => {
  if (channel === null || channel.isDMBased()) return false;
  if (channel.isThread()) return channel.parent?.nsfw ?? false;
  return 'nsfw' in channel && channel.nsfw === true;
};
