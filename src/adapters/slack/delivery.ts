/**
 * The Slack delivery address a job carries: plain data, enough for any process holding the bot
 * token to report progress and post results through the Web API alone.
 */
import { CodedError } from '#core/errors.js';
import type { DeliveryAddress } from '#core/request.js';

export interface SlackDelivery {
  teamId: string;
  channelId: string;
  /**
   * The command's `response_url`: it reaches the requester even where the bot may not post (valid
   * 30 minutes). Absent for a regenerate, which comes from a channel the bot can see.
   */
  responseUrl?: string;
}

export const slackDeliveryAddress = (delivery: SlackDelivery): DeliveryAddress => ({
  teamId: delivery.teamId,
  channelId: delivery.channelId,
  ...(delivery.responseUrl !== undefined && { responseUrl: delivery.responseUrl }),
});

/** Reads an address back; a job from another platform or a damaged record is an internal error. */
export const readSlackDelivery = (address: DeliveryAddress): SlackDelivery => {
  const { teamId, channelId, responseUrl } = address;
  if (typeof teamId !== 'string' || typeof channelId !== 'string') {
    throw new CodedError(
      'slack.badDeliveryAddress',
      `a Slack delivery address needs teamId and channelId strings, got ${JSON.stringify(address)}`,
    );
  }
  return { teamId, channelId, ...(typeof responseUrl === 'string' && { responseUrl }) };
};

/**
 * The id a result is remembered under. A Slack `ts` is unique only within its channel, so the
 * channel is part of the key. Pure.
 */
export const resultMessageId = (channelId: string, ts: string): string => `${channelId}/${ts}`;

/** The reaction the bot adds to its results and listens for, without colons. */
export const regenerateReaction = 'repeat';
