/** The result archive over a store's keyv: one record per platform message, expiring on its own. */
import type { Keyv } from 'keyv';
import type { ImageRequest, Platform } from '#core/request.js';
import { resultRetentionMs, type ResultArchive } from '#core/result-archive.js';
import { storedRequest } from './stored-request.js';

const key = (platform: Platform, messageId: string) =>
  `result:${platform}:${encodeURIComponent(messageId)}`;

export const createResultArchive = (kv: Keyv): ResultArchive => ({
  async save(platform, messageId, request, ttlMs = resultRetentionMs) {
    await kv.set(key(platform, messageId), request, ttlMs);
  },
  async load(platform, messageId): Promise<ImageRequest | undefined> {
    const parsed = storedRequest.safeParse(await kv.get(key(platform, messageId)));
    return parsed.success ? parsed.data : undefined;
  },
});
