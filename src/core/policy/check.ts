/**
 * The policy check every submission passes through, before any quota is held. Pure: the service
 * supplies the stored policy, the requester's facts from the platform, and the clock.
 */
import { UserError } from '../errors.js';
import type { ImageRequest, Requester } from '../request.js';
import { findBlockedTerm } from './blocked.js';
import type { GuildPolicy, RequestLimits } from './types.js';

/** Qualities from least to most costly; models share the scale. */
const qualityRank: Readonly<Record<string, number>> = {
  low: 1,
  standard: 1,
  medium: 2,
  hd: 3,
  high: 3,
  // `auto` lets the model choose, up to its highest.
  auto: 3,
};
export const qualityChoices: readonly string[] = ['low', 'standard', 'medium', 'hd', 'high'];

const sizePattern = /^(\d{2,5})x(\d{2,5})$/;

/** Pixels in a `WIDTHxHEIGHT` size; `auto` and anything else count as unbounded. */
const pixels = (size: string): number => {
  const match = sizePattern.exec(size);
  return match ? Number(match[1]) * Number(match[2]) : Number.POSITIVE_INFINITY;
};

export const isSize = (value: string): boolean => sizePattern.test(value);

const limitRefusal = (request: ImageRequest, limits: RequestLimits): UserError | undefined => {
  const refuse = (option: string, value: string | number, allowed: string | readonly string[]) =>
    new UserError('limitExceeded', { option, value, allowed });
  if (limits.models !== undefined && !limits.models.includes(request.model))
    return refuse('model', request.model, limits.models);
  if (limits.maxCount !== undefined && request.count > limits.maxCount)
    return refuse('count', request.count, String(limits.maxCount));
  if (limits.maxQuality !== undefined) {
    const most = qualityRank[limits.maxQuality] ?? 0;
    // A request that names no quality gets the model's own choice, which may be its highest.
    const asked = request.quality ?? 'auto';
    if ((qualityRank[asked] ?? Number.POSITIVE_INFINITY) > most)
      return refuse(
        'quality',
        asked,
        qualityChoices.filter((quality) => (qualityRank[quality] ?? 0) <= most),
      );
  }
  if (limits.maxSize !== undefined && pixels(request.size) > pixels(limits.maxSize))
    return refuse('size', request.size, limits.maxSize);
  return undefined;
};

/**
 * Why the policy refuses this request, or undefined when it may go ahead. Checked in the order a
 * member can act on: where, what, how, then when.
 */
export const policyRefusal = (
  policy: GuildPolicy,
  request: ImageRequest,
  requester: Requester,
  lastJobAt: number | undefined,
  now: number,
): UserError | undefined => {
  if (policy.channels.length > 0 && !policy.channels.includes(requester.channelId))
    return new UserError('channelNotAllowed', { channels: policy.channels });
  if (findBlockedTerm(request.prompt, policy.blocked) !== undefined)
    return new UserError('blockedTerm');
  const limited = limitRefusal(request, policy.limits);
  if (limited !== undefined) return limited;
  if (request.moderation === 'low') {
    if (policy.moderation !== 'allow-low-in-nsfw')
      return new UserError('moderationNotAllowed', { reason: 'disabled' });
    // Platforms without age-restricted channels say nothing, and the admin's word suffices there.
    if (requester.ageRestricted === false)
      return new UserError('moderationNotAllowed', { reason: 'notAgeRestricted' });
  }
  if (policy.cooldownSeconds > 0 && lastJobAt !== undefined) {
    const readyAt = lastJobAt + policy.cooldownSeconds * 1000;
    if (now < readyAt)
      return new UserError('cooldown', {
        seconds: policy.cooldownSeconds,
        waitSeconds: Math.ceil((readyAt - now) / 1000),
      });
  }
  return undefined;
};
