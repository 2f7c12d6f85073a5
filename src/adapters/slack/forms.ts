/**
 * Prompt forms on Slack: a modal view opened with the shortcut's (or button's) trigger, and its
 * submission as the shared flow's {@link FormSubmission}. The view carries the form's id and the
 * channel the job posts to; everything else is in the store.
 */
import type { webApi } from '@slack/bolt';
import type { ImageInputRef } from '#core/inputs.js';
import type { Locale, Requester } from '#core/request.js';
import { utcFormat } from '#adapters/shared/messages.js';
import type { FormOpening, FormSubmission } from '#adapters/shared/prompt-form.js';
import { slackDeliveryAddress } from './delivery.js';
import { slackFileSourceName } from './file-input.js';
import { createSlackMarkup } from './markup.js';
import type { SlackPeople } from './people.js';

/** The `callback_id` of every prompt view. */
export const promptViewId = 'imagine_prompt';
const promptField = 'prompt';
/** Slack's limits for a view title and submit label, and a plain-text input's value. */
const viewLimits = { title: 24, submit: 24, value: 3000 } as const;

const plain = (text: string, max: number) => ({
  type: 'plain_text' as const,
  text: [...text].slice(0, max).join(''),
});

/** Who acts where, as the shared flows need it. */
export interface SlackActor {
  teamId: string;
  userId: string;
  channelId: string;
}

export const slackRequester = async (
  people: SlackPeople,
  actor: SlackActor,
  locale: Locale,
): Promise<Requester> => ({
  platform: 'slack',
  guildId: actor.teamId,
  userId: actor.userId,
  channelId: actor.channelId,
  locale,
  isAdmin: (await people.lookUp(actor.userId)).isAdmin,
});

/** Tells one person privately in the channel. */
export const tellPrivately = async (client: webApi.WebClient, actor: SlackActor, text: string) => {
  await client.chat.postEphemeral({
    channel: actor.channelId,
    user: actor.userId,
    text: createSlackMarkup().render(text),
  });
};

export const viewOpening = (
  client: webApi.WebClient,
  people: SlackPeople,
  actor: SlackActor,
  triggerId: string,
): FormOpening => ({
  format: utcFormat,
  locale: async () => (await people.lookUp(actor.userId)).locale,
  open: async (view) => {
    await client.views.open({
      trigger_id: triggerId,
      view: {
        type: 'modal',
        callback_id: promptViewId,
        private_metadata: JSON.stringify({ form: view.id, channel: actor.channelId }),
        title: plain(view.title, viewLimits.title),
        submit: plain(view.submit, viewLimits.submit),
        blocks: [
          {
            type: 'input',
            block_id: promptField,
            label: plain(view.label, viewLimits.title * 4),
            element: {
              type: 'plain_text_input',
              action_id: promptField,
              multiline: true,
              max_length: viewLimits.value,
              ...(view.prompt !== '' && {
                initial_value: [...view.prompt].slice(0, viewLimits.value).join(''),
              }),
            },
          },
        ],
      },
    });
  },
  tell: (text) => tellPrivately(client, actor, text),
});

/** The image files of a shortcut's message, as references fetched when the job runs. */
export const imagesOfMessage = (message: Record<string, unknown>): ImageInputRef[] =>
  (Array.isArray(message.files) ? (message.files as Array<Record<string, unknown>>) : [])
    .filter((file) => String(file.mimetype ?? '').startsWith('image/'))
    .map((file) => ({
      source: slackFileSourceName,
      ref: String(file.id),
      name: String(file.name ?? file.id),
    }));

interface SubmittedView {
  private_metadata: string;
  state: { values: Record<string, Record<string, { value?: string | null }>> };
}

export const viewSubmission = (
  view: SubmittedView,
  ack: () => Promise<void>,
  client: webApi.WebClient,
  people: SlackPeople,
  who: { teamId: string; userId: string },
): FormSubmission => {
  const meta = JSON.parse(view.private_metadata) as { form?: unknown; channel?: unknown };
  const actor = { ...who, channelId: String(meta.channel) };
  return {
    formId: String(meta.form),
    prompt: view.state.values[promptField]?.[promptField]?.value ?? '',
    format: utcFormat,
    delivery: slackDeliveryAddress({ teamId: actor.teamId, channelId: actor.channelId }),
    acknowledge: ack,
    locale: async () => (await people.lookUp(actor.userId)).locale,
    requester: (locale) => slackRequester(people, actor, locale),
    tell: (text) => tellPrivately(client, actor, text),
  };
};
