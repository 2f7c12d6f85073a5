/**
 * The audit channel on Slack, as transport only (the wording and the flow are shared): the line
 * with a `Delete` button naming the result messages, and the button's handling, which deletes them
 * for a workspace admin.
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '#core/log.js';
import { deleteAuditedResult } from '#adapters/shared/audit.js';
import { createSlackMarkup, slackFormat } from './markup.js';
import type { SlackPeople } from './people.js';

export const auditDeleteAction = 'audit_delete';

/** Where a job's result was posted: what the audit line links to and its button deletes. */
export interface PostedResult {
  channelId: string;
  ts: readonly string[];
}

export const resultLink = ({ channelId, ts }: PostedResult): string | undefined =>
  ts[0] === undefined
    ? undefined
    : `https://slack.com/archives/${channelId}/p${ts[0].replace('.', '')}`;

export const auditBlocks = (text: string, posted: PostedResult) => [
  { type: 'section', text: { type: 'mrkdwn', text } },
  {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: auditDeleteAction,
        style: 'danger',
        text: { type: 'plain_text', text: 'Delete' },
        value: JSON.stringify(posted),
      },
    ],
  },
];

const readTarget = (value: string | undefined): PostedResult | undefined => {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<PostedResult>;
    return typeof parsed.channelId === 'string' && Array.isArray(parsed.ts)
      ? { channelId: parsed.channelId, ts: parsed.ts.filter((ts) => typeof ts === 'string') }
      : undefined;
  } catch {
    return undefined;
  }
};

export const auditDeleteListener =
  (people: SlackPeople, logger: Logger) =>
  async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const target = readTarget(action.value);
    const auditChannel = body.channel?.id;
    const auditTs = body.message?.ts;
    if (target === undefined || auditChannel === undefined || auditTs === undefined) return;
    const person = await people.lookUp(body.user.id);
    const markup = createSlackMarkup();
    await deleteAuditedResult(
      {
        locale: person.locale,
        format: slackFormat,
        by: markup.mention(body.user.id),
        isModerator: person.isAdmin,
        deleteResult: async () => {
          for (const ts of target.ts) {
            await client.chat.delete({ channel: target.channelId, ts }).catch((error: unknown) => {
              // Someone deleted it already: what the moderator wanted.
              if ((error as { data?: { error?: string } }).data?.error !== 'message_not_found')
                throw error;
            });
          }
        },
        markDeleted: async (note) => {
          await client.chat.update({
            channel: auditChannel,
            ts: auditTs,
            text: `${String(body.message?.text ?? '')}\n${markup.render(note)}`,
            blocks: [],
          });
        },
        tell: async (text) => {
          await client.chat.postEphemeral({
            channel: auditChannel,
            user: body.user.id,
            text: markup.render(text),
          });
        },
      },
      logger,
    );
  };
