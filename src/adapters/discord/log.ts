/**
 * What of a Discord REST error may reach the log. `@discordjs/rest` errors carry the request's URL,
 * which for interaction webhooks and callbacks holds the interaction's token (anyone holding it may
 * post as the bot for 15 minutes), and the request body with every uploaded file's bytes
 * (megabytes of JSON in one line). The status, Discord's code and the route diagnose just as well.
 */
import { stdSerializers, type Logger } from 'pino';
import type { RedactionRule } from '#core/log.js';

/** Discord's webhook and interaction tokens sit in the path: `/webhooks/<id>/<token>`. */
export const discordRedactions: readonly RedactionRule[] = [
  [/(\/(?:webhooks|interactions)\/\d+\/)[\w.-]+/g, '$1[redacted]'],
];

const tokenInRoute = /\/(webhooks|interactions)\/(\d+)\/[^/?#]+/g;

/** The URL with the token of every webhook or interaction route replaced by `:token`. Pure. */
export const withoutTokens = (url: string): string => url.replace(tokenInRoute, '/$1/$2/:token');

/** Pino's error serializer, minus the request body and with tokens taken out of the URL. */
export const loggableError = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error;
  const serialized: Record<string, unknown> = { ...stdSerializers.err(error) };
  delete serialized.requestBody;
  if (typeof serialized.url === 'string') serialized.url = withoutTokens(serialized.url);
  return serialized;
};

/** A child logger for one part of the Discord adapter, whose `err` fields are logged safely. */
export const discordLogger = (parent: Logger, component: string): Logger =>
  parent.child({ component }, { serializers: { err: loggableError } });
