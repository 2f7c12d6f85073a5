/** The result archive over a store's keyv: one record per platform message, expiring on its own. */
import type { Keyv } from 'keyv';
import type { ImageRequest, Platform } from '#core/request.js';
import { resultRetentionMs, type ResultArchive } from '#core/result-archive.js';

const key = (platform: Platform, messageId: string) =>
  `result:${platform}:${encodeURIComponent(messageId)}`;

export const createResultArchive = (kv: Keyv): ResultArchive => ({
  async save(platform, messageId, request, ttlMs = resultRetentionMs) {
    await kv.set(key(platform, messageId), request, ttlMs);
  },
  load: (platform, messageId) => kv.get<ImageRequest>(key(platform, messageId)),
});
