/** The result archive over a store's keyv: one record per platform message, expiring on its own. */
import type { Keyv } from 'keyv';
import { z } from 'zod';
import type { ImageRequest, Platform } from '#core/request.js';
import { resultRetentionMs, type ResultArchive } from '#core/result-archive.js';

const key = (platform: Platform, messageId: string) =>
  `result:${platform}:${encodeURIComponent(messageId)}`;

/**
 * What a stored record must hold to be submitted again. The core validates it once more against
 * today's catalogue; this only keeps a damaged or foreign record from reaching it as a request.
 */
const storedRequest = z.object({
  prompt: z.string(),
  model: z.string(),
  size: z.string(),
  count: z.number().int().positive(),
  quality: z.string().optional(),
  background: z.string().optional(),
  style: z.string().optional(),
  moderation: z.string().optional(),
  outputFormat: z.string().optional(),
});

export const createResultArchive = (kv: Keyv): ResultArchive => ({
  async save(platform, messageId, request, ttlMs = resultRetentionMs) {
    await kv.set(key(platform, messageId), request, ttlMs);
  },
  async load(platform, messageId): Promise<ImageRequest | undefined> {
    const parsed = storedRequest.safeParse(await kv.get(key(platform, messageId)));
    return parsed.success ? parsed.data : undefined;
  },
});
