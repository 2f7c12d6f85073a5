/**
 * The port through which the platform adapters keep each delivered result's settings under the
 * platform message that shows it, and each form the bot opened until it is submitted, so a 🔁, a
 * button or a form works after a restart and in any process. Stores implement it.
 */
import type { ImageInputRef } from './inputs.js';
import type { ImageOptionsInput, ImageRequest, Platform } from './request.js';

/** Thirty days: long enough for anyone to come back to a picture, short enough to forget prompts. */
export const resultRetentionMs = 30 * 86_400_000;

/** How long a form the bot opened waits to be submitted: an hour is ample to write a prompt. */
export const formRetentionMs = 3_600_000;

/** A prompt form the bot opened: what the submitted prompt is combined with. */
export interface PendingForm {
  /** The settings and input images of the job the form makes, all but the prompt. */
  settings: Omit<ImageOptionsInput, 'prompt'>;
}

/** What the actions on a result need besides its settings: whose it is and where its images are. */
export interface ResultDetails {
  /** The requester, who may delete it. */
  ownerId: string;
  /** The images the message shows, in order, as references fetched again when varied. */
  images: ImageInputRef[];
}

export interface ResultArchive {
  /** @param ttlMs how long to keep it; @default 30 days */
  save(platform: Platform, messageId: string, request: ImageRequest, ttlMs?: number): Promise<void>;
  /** `undefined` when never saved or expired. */
  load(platform: Platform, messageId: string): Promise<ImageRequest | undefined>;
  /** @param ttlMs how long to keep it; @default 30 days */
  saveDetails(
    platform: Platform,
    messageId: string,
    details: ResultDetails,
    ttlMs?: number,
  ): Promise<void>;
  /** `undefined` when never saved or expired. */
  loadDetails(platform: Platform, messageId: string): Promise<ResultDetails | undefined>;
  /** @param ttlMs how long to keep it; @default one hour */
  saveForm(formId: string, form: PendingForm, ttlMs?: number): Promise<void>;
  /** `undefined` when never saved or expired. */
  loadForm(formId: string): Promise<PendingForm | undefined>;
}
