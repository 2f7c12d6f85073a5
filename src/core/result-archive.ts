/**
 * The port through which the platform adapters keep each delivered result's settings under the
 * platform message that shows it, so a 🔁 regenerate works after a restart. Stores implement it.
 */
import type { ImageRequest, Platform } from './request.js';

/** Thirty days: long enough for anyone to come back to a picture, short enough to forget prompts. */
export const resultRetentionMs = 30 * 86_400_000;

export interface ResultArchive {
  /** @param ttlMs how long to keep it; @default 30 days */
  save(platform: Platform, messageId: string, request: ImageRequest, ttlMs?: number): Promise<void>;
  /** `undefined` when never saved or expired. */
  load(platform: Platform, messageId: string): Promise<ImageRequest | undefined>;
}
