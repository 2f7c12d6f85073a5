/**
 * The one place each adapter turns an error into what the user reads. Expected refusals are worded
 * from their identifier; anything else is logged with its stack under a short incident id, and the
 * user sees only that id, so support can find the log line without the user seeing internals.
 */
import { isUserError, newIncidentId } from '#core/errors.js';
import type { Logger } from '#core/log.js';
import type { Messages } from './messages.js';

export const describeError = (
  error: unknown,
  messages: Messages,
  logger: Logger,
  context: Record<string, unknown> = {},
): string => {
  if (isUserError(error)) return messages.refusal(error);
  const incidentId = newIncidentId();
  logger.error({ err: error, incidentId, ...context }, 'unexpected error while handling a command');
  return messages.unexpected(incidentId);
};
