/**
 * Fitting images into Discord's upload rules: at most 10 files and the upload limit per message.
 * Images are split across messages in order; one that alone is over the limit is re-encoded
 * (WebP, then smaller) until it fits.
 */
import sharp from 'sharp';
import { CodedError } from '#core/errors.js';
import type { DecodedImage } from '#core/images/types.js';
import { imageFileName } from '#adapters/shared/job-text.js';
import { discordLimits } from './text.js';

export interface OutgoingFile {
  name: string;
  data: Buffer;
  contentType: string;
}

/**
 * Groups file sizes into messages of at most `maxFiles` files and `limit` bytes each, keeping their
 * order; returns the indices per message. Pure. Every size must already be within the limit.
 */
export const packIntoMessages = (
  sizes: readonly number[],
  limit: number,
  maxFiles: number = discordLimits.filesPerMessage,
): number[][] => {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, index) => {
    if (size > limit)
      throw new RangeError(`file ${index} (${size} bytes) is over the limit ${limit}`);
    if (current.length === maxFiles || bytes + size > limit) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
};

const webpQuality = 80;
const maxAttempts = 6;

/**
 * The image as is when within `maxBytes`; otherwise re-encoded as WebP (which keeps transparency),
 * shrinking the dimensions by the square root of the overshoot until it fits.
 */
export const fitWithin = async (image: DecodedImage, maxBytes: number): Promise<DecodedImage> => {
  if (image.bytes.length <= maxBytes) return image;
  const { width } = await sharp(image.bytes).metadata();
  let scale = 1;
  let size = image.bytes.length;
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const bytes = await sharp(image.bytes)
      .resize({ width: Math.max(1, Math.round(width * scale)) })
      .webp({ quality: webpQuality })
      .toBuffer();
    if (bytes.length <= maxBytes) return { ...image, bytes, contentType: 'image/webp' };
    size = bytes.length;
    // Bytes grow with area, so scale each side by the square root, with a margin to converge fast.
    scale *= Math.sqrt(maxBytes / size) * 0.9;
  }
  throw new CodedError(
    'discord.imageTooLarge',
    `an image of ${image.bytes.length} bytes could not be brought under ${maxBytes} bytes (last try ${size})`,
  );
};

/** Every image fitted to the limit and named, split into the messages that will carry them. */
export const prepareUploads = async (
  images: readonly DecodedImage[],
  uploadLimit: number,
): Promise<OutgoingFile[][]> => {
  const fitted = await Promise.all(images.map((image) => fitWithin(image, uploadLimit)));
  const files = fitted.map((image, index) => ({
    name: imageFileName(image, index),
    data: image.bytes,
    contentType: image.contentType,
  }));
  return packIntoMessages(
    files.map((file) => file.data.length),
    uploadLimit,
  ).map((batch) => batch.map((index) => files[index] as OutgoingFile));
};
