import { UserError } from '../errors.js';
import type { PendingCounts } from './types.js';

export interface PendingCaps {
  maxPendingPerGuild: number;
  maxPendingPerUser: number;
}

/**
 * The refusal for one more job given what is already pending, or undefined when it fits. The user's
 * own cap is checked first: it is the one the requester can do something about.
 */
export const pendingRefusal = (counts: PendingCounts, caps: PendingCaps): UserError | undefined => {
  if (counts.user >= caps.maxPendingPerUser)
    return new UserError('tooManyPendingForUser', {
      limit: caps.maxPendingPerUser,
      pending: counts.user,
    });
  if (counts.guild >= caps.maxPendingPerGuild)
    return new UserError('tooManyPendingInGuild', {
      limit: caps.maxPendingPerGuild,
      pending: counts.guild,
    });
  return undefined;
};
