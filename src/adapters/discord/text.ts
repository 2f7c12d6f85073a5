/**
 * Discord's length limits and the one way text is cut to fit them, and the markup every message
 * shares. Pure, so tests call it directly.
 */
import type { APIAllowedMentions, MessageMentionOptions } from 'discord.js';
import type { MessageFormat } from '#adapters/shared/messages.js';

/** The limits Discord enforces on what the bot sends (in characters). */
export const discordLimits = {
  content: 2000,
  embedDescription: 4096,
  filesPerMessage: 10,
} as const;

/**
 * Cuts `text` to at most `max` characters (code points, so an emoji or Hangul syllable is never
 * split in half), marking a cut with an ellipsis.
 */
export const cut = (text: string, max: number): string => {
  const characters = [...text];
  if (characters.length <= max) return text;
  return `${characters.slice(0, Math.max(0, max - 1)).join('')}…`;
};

/** A user reference in Discord markup; sends set allowed mentions to none, so it never pings. */
export const mention = (userId: string): string => `<@${userId}>`;

/** Discord renders `<t:…>` in each reader's own time zone and language. */
const discordTime = (iso: string): string => `<t:${Math.floor(Date.parse(iso) / 1000)}:f>`;

/** Times as Discord timestamps, which each reader sees in their own time zone; channels as links. */
export const discordFormat: MessageFormat = {
  time: discordTime,
  channel: (channelId) => `<#${channelId}>`,
  role: (roleId) => `<@&${roleId}>`,
};

/** Sent with every message: nobody is notified by anything the bot echoes (`@everyone`, roles, users). */
export const noMentions: APIAllowedMentions = { parse: [], replied_user: false };

/** The same, in discord.js's spelling, for sends made through the gateway client's objects. */
export const noPings: MessageMentionOptions = { parse: [], repliedUser: false };

/** The reaction the bot puts on each result, and that users add to ask for the same again. */
export const regenerateEmoji = '🔁';
