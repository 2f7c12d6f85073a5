/**
 * Only images leave the bot: whatever upstream sent is decoded in full before anyone sees it, so a
 * script, a web page or an internal address's answer can never be posted as a result.
 */
import sharp from 'sharp';
import { ImageDataError } from './decode.js';
import type { DecodedImage } from './types.js';

const formats = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
} as const satisfies Record<string, DecodedImage['contentType']>;

const isKnownFormat = (format: string | undefined): format is keyof typeof formats =>
  format !== undefined && Object.hasOwn(formats, format);

/**
 * The bytes as a PNG, JPEG or WebP image with its dimensions, or an upstream `ImageDataError`.
 * The whole image is decoded, not only its header: a valid header over garbage fails here rather
 * than in a user's client.
 */
export const checkImage = async (bytes: Buffer, revisedPrompt?: unknown): Promise<DecodedImage> => {
  const notAnImage = (detail: string, cause?: unknown) =>
    new ImageDataError(
      'upstream',
      `the Images API sent something that is not an image: ${detail}`,
      {
        cause,
      },
    );
  let format: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  try {
    const image = sharp(bytes, { failOn: 'error' });
    ({ format, width, height } = await image.metadata());
    // Decoding to raw pixels reads every row, as `stats()` would, at a tenth of its CPU (it skips
    // the per-channel sums): 0.7 ms against 7.3 ms for a 143x143 PNG, most of a job's CPU.
    if (isKnownFormat(format)) await image.raw().toBuffer();
  } catch (error) {
    throw notAnImage((error as Error).message, error);
  }
  if (!isKnownFormat(format)) throw notAnImage(`${format} is not PNG, JPEG or WebP`);
  if (!width || !height) throw notAnImage('it has no dimensions');
  return {
    bytes,
    contentType: formats[format],
    ...(typeof revisedPrompt === 'string' && revisedPrompt !== '' && { revisedPrompt }),
  };
};
