/**
 * Slack mrkdwn for text the bot sends. Slack reads `<!channel>`, `<!here>`, `<@U…>` and `<url|label>`
 * as control sequences, so everything the bot echoes is escaped (`&`, `<`, `>`, as Slack documents),
 * and only the mentions the bot itself chose are turned back into real ones.
 */
import { randomBytes } from 'node:crypto';
import { utcFormat, type MessageFormat } from '#adapters/shared/messages.js';

/** Escapes the three characters Slack treats as markup. Pure. */
export const escapeSlack = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Undoes Slack's escaping of command text: Slack sends a typed `&`, `<`, `>` as entities (real
 * mentions arrive as `<@U…|name>`), and the prompt must reach the API as the user typed it. `&amp;`
 * goes last so `&amp;lt;` (a typed "&lt;") comes back as "&lt;". Pure.
 */
export const unescapeSlack = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export interface SlackMarkup {
  /** A placeholder for a real mention of `userId`, kept through {@link SlackMarkup.render}. */
  mention(userId: string): string;
  /** Escapes `text` and turns this markup's own placeholders into `<@U…>` mentions. */
  render(text: string): string;
}

const userIdPattern = /^[UW][A-Z0-9]+$/;

/**
 * Mentions become `⟦nonce:U123⟧`-style tokens in private-use characters before the sentence is
 * escaped. The random nonce means text a user typed can never forge one, so a prompt cannot ping.
 */
export const createSlackMarkup = (nonce = randomBytes(6).toString('hex')): SlackMarkup => {
  const open = `\u{E000}${nonce}:`;
  const close = '\u{E001}';
  const token = new RegExp(`${open}([UW][A-Z0-9]+)${close}`, 'gu');
  return {
    mention: (userId) => (userIdPattern.test(userId) ? `${open}${userId}${close}` : userId),
    render: (text) =>
      escapeSlack(text)
        .replace(token, (_match, userId: string) => `<@${userId}>`)
        .replace(channelToken, (_match, channelId: string) => `<#${channelId}>`),
  };
};

/**
 * Channel references survive escaping the same way. They need no nonce: a forged one only links a
 * channel, which notifies nobody.
 */
const channelToken = /\u{E002}([CG][A-Z0-9]+)\u{E003}/gu;

/** How Slack messages show times (UTC), channels, and who may change the bot's settings. */
export const slackFormat: MessageFormat = {
  time: utcFormat.time,
  channel: (channelId) => `\u{E002}${channelId}\u{E003}`,
  managers: { en: 'Workspace admins', ko: '워크스페이스 관리자' },
};

/** Shown-prompt ceiling: Slack accepts 40,000 characters a message, but a wall of text helps no one. */
const maxEchoedPromptLength = 2_000;

/** A prompt as a Slack block quote, escaped and cut to {@link maxEchoedPromptLength} characters. Pure. */
export const quotePrompt = (prompt: string, maxLength = maxEchoedPromptLength): string => {
  const characters = [...prompt.trim()];
  const shown =
    characters.length > maxLength ? `${characters.slice(0, maxLength).join('')}…` : prompt.trim();
  return escapeSlack(shown)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
};
