/**
 * Asking the API for an image that already fits where it will be posted: a PNG of a large,
 * detailed picture can be over a platform's upload limit, and re-encoding it afterwards costs time
 * and quality that the model's own `output_format` and `output_compression` avoid.
 */
import type { ModelRules } from '../models.js';
import type { ImageRequest } from '../request.js';

/** What a detailed PNG can take per pixel (RGB, barely compressible); smooth pictures take less. */
const pngBytesPerPixel = 3;
/** What a WebP at full quality takes per pixel; its size falls roughly with the square of quality. */
const webpBytesPerPixel = 1.5;
/** Below this the loss shows; the bot's own re-encoding remains the last resort. */
const minCompression = 50;
const maxCompression = 95;

/** The most pixels an image of this request may have: `auto` may pick the largest listed size. */
const pixelsOf = (size: string, rules: ModelRules): number => {
  const areas = (size === 'auto' ? rules.sizes : [size]).flatMap((candidate) => {
    const match = /^(\d+)x(\d+)$/.exec(candidate);
    return match ? [Number(match[1]) * Number(match[2])] : [];
  });
  return Math.max(0, ...areas);
};

export interface OutputFit {
  output_format?: 'webp' | 'jpeg';
  output_compression?: number;
}

/**
 * The format and compression to ask for so that one image of `request` stays within `maxBytes`,
 * or nothing when a PNG fits, the model cannot compress, or the user chose PNG. WebP, because it
 * keeps transparency. Pure.
 */
export const fitOutput = (
  request: ImageRequest,
  rules: ModelRules | undefined,
  maxBytes: number | undefined,
): OutputFit => {
  if (maxBytes === undefined || rules === undefined || !rules.outputCompression) return {};
  if (request.outputFormat === 'png') return {};
  const pixels = pixelsOf(request.size, rules);
  const chosen = request.outputFormat !== undefined;
  if (pixels * (chosen ? webpBytesPerPixel : pngBytesPerPixel) <= maxBytes) return {};
  const compression = Math.floor(100 * Math.sqrt(maxBytes / (pixels * webpBytesPerPixel)));
  const output_compression = Math.max(minCompression, Math.min(maxCompression, compression));
  return chosen ? { output_compression } : { output_format: 'webp', output_compression };
};
