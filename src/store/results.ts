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
import { storedInputRef, storedRequest } from './stored-request.js';

const key = (platform: Platform, messageId: string) =>
  `result:${platform}:${encodeURIComponent(messageId)}`;

const storedForm = z.object({
  settings: storedRequest.omit({ prompt: true }).partial(),
});

const formKey = (formId: string) => `form:${encodeURIComponent(formId)}`;

const storedDetails = z.object({ ownerId: z.string(), images: z.array(storedInputRef) });
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
