/**
 * Counts the chat platforms' REST errors without touching their clients: discord.js (through
 * undici) and the Slack WebClient (through fetch, which is undici) both publish every request on
 * undici's diagnostics channels, and a request is told apart by the origin of its platform's API.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Metrics } from '#core/metrics.js';
import type { Platform } from '#core/request.js';

interface UndiciRequest {
  origin?: string | URL;
}
interface HeadersMessage {
  request: UndiciRequest;
  response: { statusCode: number };
}
interface ErrorMessage {
  request: UndiciRequest;
}

/** Starts counting; returns what stops it. `apis` maps each platform to its API base URL. */
export const countPlatformRestErrors = (
  apis: Partial<Record<Platform, string>>,
  metrics: Metrics,
): (() => void) => {
  const origins = new Map(
    Object.entries(apis).flatMap(([platform, url]) =>
      url === undefined ? [] : [[new URL(url).origin, platform as Platform] as const],
    ),
  );
  const platformOf = (request: UndiciRequest) =>
    request.origin === undefined ? undefined : origins.get(new URL(String(request.origin)).origin);
  const onHeaders = (message: unknown) => {
    const { request, response } = message as HeadersMessage;
    const platform = platformOf(request);
    if (platform !== undefined && response.statusCode >= 400)
      metrics.platformRestError(platform, response.statusCode);
  };
  const onError = (message: unknown) => {
    const platform = platformOf((message as ErrorMessage).request);
    if (platform !== undefined) metrics.platformRestError(platform, undefined);
  };
  diagnostics.subscribe('undici:request:headers', onHeaders);
  diagnostics.subscribe('undici:request:error', onError);
  return () => {
    diagnostics.unsubscribe('undici:request:headers', onHeaders);
    diagnostics.unsubscribe('undici:request:error', onError);
  };
};
