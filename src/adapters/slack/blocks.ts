/** Block Kit for the bot's messages: the text, and the buttons under it. Pure. */
import type { ActionButton } from '#adapters/shared/result-actions.js';

/** Slack's limits: 3000 characters in a section, 25 elements in an actions block. */
const sectionLimit = 3000;
const actionsLimit = 25;

export const buttonElements = (buttons: readonly ActionButton[]) =>
  buttons.slice(0, actionsLimit).map((button) => ({
    type: 'button' as const,
    action_id: button.id,
    text: { type: 'plain_text' as const, text: button.label },
    ...(button.danger && { style: 'danger' as const }),
  }));

/** `text` as a section, with an actions block of `buttons` when there are any. */
export const withButtons = (text: string, buttons: readonly ActionButton[]) => [
  { type: 'section', text: { type: 'mrkdwn', text: [...text].slice(0, sectionLimit).join('') } },
  ...(buttons.length > 0 ? [{ type: 'actions', elements: buttonElements(buttons) }] : []),
];
