/** The result archive over a store's keyv: one record per platform message, expiring on its own. */
import type { Keyv } from 'keyv';
import { z } from 'zod';
import type { ImageRequest, Platform } from '#core/request.js';
import {
  formRetentionMs,
  resultRetentionMs,
  type PendingForm,
  type ResultArchive,
  type ResultDetails,
} from '#core/result-archive.js';

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
  inputs: z.array(z.object({ source: z.string(), ref: z.string(), name: z.string() })).optional(),
  inputFidelity: z.enum(['high', 'low']).optional(),
  variation: z.boolean().optional(),
});

const storedForm = z.object({
  settings: storedRequest.omit({ prompt: true }).partial(),
});

const formKey = (formId: string) => `form:${encodeURIComponent(formId)}`;

const inputRef = z.object({ source: z.string(), ref: z.string(), name: z.string() });
const storedDetails = z.object({ ownerId: z.string(), images: z.array(inputRef) });
const detailsKey = (platform: Platform, messageId: string) =>
  `result-details:${platform}:${encodeURIComponent(messageId)}`;

export const createResultArchive = (kv: Keyv): ResultArchive => ({
  async save(platform, messageId, request, ttlMs = resultRetentionMs) {
    await kv.set(key(platform, messageId), request, ttlMs);
  },
  async load(platform, messageId): Promise<ImageRequest | undefined> {
    const parsed = storedRequest.safeParse(await kv.get(key(platform, messageId)));
    return parsed.success ? parsed.data : undefined;
  },
  async saveDetails(platform, messageId, details, ttlMs = resultRetentionMs) {
    await kv.set(detailsKey(platform, messageId), details, ttlMs);
  },
  async loadDetails(platform, messageId): Promise<ResultDetails | undefined> {
    const parsed = storedDetails.safeParse(await kv.get(detailsKey(platform, messageId)));
    return parsed.success ? parsed.data : undefined;
  },
  async saveForm(formId, form, ttlMs = formRetentionMs) {
    await kv.set(formKey(formId), form, ttlMs);
  },
  async loadForm(formId): Promise<PendingForm | undefined> {
    const parsed = storedForm.safeParse(await kv.get(formKey(formId)));
    return parsed.success ? parsed.data : undefined;
  },
});
