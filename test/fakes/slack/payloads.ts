/** What Slack sends to an app for a slash command and for a `reaction_added` event. */

export interface CommandInput {
  command: string;
  text: string;
  userId: string;
  channelId: string;
  teamId: string;
  /** Where `respond()` posts; the fake serves it. */
  responseUrl: string;
  userName?: string;
}

let triggerSequence = 0;

/** A slash command as Slack sends it: the same flat string fields in HTTP and Socket Mode. */
export const slashCommandPayload = (input: CommandInput): Record<string, string> => ({
  token: 'legacy-verification-token',
  team_id: input.teamId,
  team_domain: 'fake-team',
  channel_id: input.channelId,
  channel_name: 'general',
  user_id: input.userId,
  user_name: input.userName ?? input.userId.toLowerCase(),
  command: input.command,
  text: input.text,
  api_app_id: 'AFAKE',
  is_enterprise_install: 'false',
  response_url: input.responseUrl,
  trigger_id: `${Date.now()}.${(triggerSequence += 1)}.trigger`,
});

export interface ReactionInput {
  teamId: string;
  userId: string;
  reaction: string;
  channelId: string;
  messageTs: string;
  /** Who wrote the message reacted to. */
  itemUserId: string;
  botUserId: string;
}

let eventSequence = 0;

/** An Events API `event_callback` wrapping a `reaction_added` event. */
export const reactionAddedCallback = (input: ReactionInput): Record<string, unknown> => {
  eventSequence += 1;
  const now = Date.now() / 1000;
  return {
    token: 'legacy-verification-token',
    team_id: input.teamId,
    api_app_id: 'AFAKE',
    type: 'event_callback',
    event_id: `Ev${String(eventSequence).padStart(8, '0')}`,
    event_time: Math.floor(now),
    event: {
      type: 'reaction_added',
      user: input.userId,
      reaction: input.reaction,
      item_user: input.itemUserId,
      item: { type: 'message', channel: input.channelId, ts: input.messageTs },
      event_ts: now.toFixed(6),
    },
    authorizations: [
      {
        enterprise_id: null,
        team_id: input.teamId,
        user_id: input.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
};

export interface ButtonClickInput {
  teamId: string;
  userId: string;
  channelId: string;
  /** The message that carries the button. */
  message: { ts: string; text: string };
  actionId: string;
  value: string;
  responseUrl: string;
}

/** A `block_actions` payload: a click on a message's button. */
export const blockActionsPayload = (input: ButtonClickInput): Record<string, unknown> => ({
  type: 'block_actions',
  team: { id: input.teamId, domain: 'fake-team' },
  user: { id: input.userId, username: input.userId.toLowerCase(), team_id: input.teamId },
  api_app_id: 'AFAKE',
  token: 'legacy-verification-token',
  container: {
    type: 'message',
    message_ts: input.message.ts,
    channel_id: input.channelId,
    is_ephemeral: false,
  },
  trigger_id: `${Date.now()}.trigger`,
  channel: { id: input.channelId, name: 'audit' },
  message: { type: 'message', ts: input.message.ts, text: input.message.text, user: 'UBOT' },
  response_url: input.responseUrl,
  actions: [
    {
      type: 'button',
      action_id: input.actionId,
      block_id: 'audit',
      value: input.value,
      text: { type: 'plain_text', text: 'Delete' },
      action_ts: (Date.now() / 1000).toFixed(6),
    },
  ],
});
