/**
 * Block Kit buttons on results, status messages and vary pickers, as the shared flows'
 * {@link ButtonTransport}. Slack needs every action acknowledged on arrival, so the click is acked
 * before anything else (Remix's view is then opened with the click's trigger). Private answers are
 * ephemeral messages; new jobs post to the channel, as `:repeat:` does.
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { utcFormat } from '#adapters/shared/messages.js';
import { handleActionButton, type ButtonTransport } from '#adapters/shared/result-actions.js';
import type { ResultReuser } from '#adapters/shared/reuse-result.js';
import { withButtons } from './blocks.js';
import { resultMessageId, slackDeliveryAddress } from './delivery.js';
import { slackFileSourceName } from './file-input.js';
import { slackRequester, tellPrivately, viewOpening, type SlackActor } from './forms.js';
import { createSlackMarkup } from './markup.js';
import type { SlackPeople } from './people.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const buttonTransport = (
  { body, client }: ButtonArgs,
  people: SlackPeople,
  actor: SlackActor,
  messageTs: string,
): ButtonTransport => {
  const locale = async () => (await people.lookUp(actor.userId)).locale;
  const isAdmin = async () => (await people.lookUp(actor.userId)).isAdmin;
  const tell = (text: string) => tellPrivately(client, actor, text);
  return {
    userId: actor.userId,
    messageId: resultMessageId(actor.channelId, messageTs),
    format: utcFormat,
    locale,
    click: (resultId) => ({
      platform: 'slack',
      messageId: resultId,
      userId: actor.userId,
      onBotMessage: true,
      format: utcFormat,
      delivery: slackDeliveryAddress({ teamId: actor.teamId, channelId: actor.channelId }),
      locale,
      requester: (chosen) => slackRequester(people, actor, chosen),
      tell,
    }),
    // Acknowledged on arrival, before the transport was made.
    acknowledge: async () => undefined,
    opening: () => viewOpening(client, people, actor, body.trigger_id),
    isModerator: isAdmin,
    isAdmin,
    // The images were shared as files in a message of their own: deleting them removes it.
    remove: async (details) => {
      await client.chat.delete({ channel: actor.channelId, ts: messageTs });
      for (const image of details?.images ?? []) {
        if (image.source === slackFileSourceName) await client.files.delete({ file: image.ref });
      }
    },
    pick: async (text, choices) => {
      const rendered = createSlackMarkup().render(text);
      await client.chat.postEphemeral({
        channel: actor.channelId,
        user: actor.userId,
        text: rendered,
        blocks: withButtons(rendered, choices),
      });
    },
  };
};

/** Handles a click on one of the bot's buttons. */
export const buttonListener =
  (people: SlackPeople, reuser: ResultReuser) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const { body } = args;
    const action = body.actions[0];
    const channelId = body.channel?.id ?? body.container?.channel_id;
    const messageTs = body.container?.message_ts;
    if (action === undefined || typeof channelId !== 'string' || typeof messageTs !== 'string')
      return;
    const actor = {
      teamId: body.team?.id ?? body.user.team_id ?? '',
      userId: body.user.id,
      channelId,
    };
    await handleActionButton(
      action.action_id,
      buttonTransport(args, people, actor, messageTs),
      reuser,
    );
  };
