/** Turning the API's base64 image items into bytes, and the error for unusable image data. */
import { CodedError } from '../errors.js';
import type { DecodedImage } from './types.js';

/** An answer arrived but its images cannot be used; the client reports it with the attempt count. */
export class ImageDataError extends CodedError {
  override readonly name = 'ImageDataError';
  constructor(
    readonly kind: 'upstream' | 'timeout' | 'tooLarge',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`images.data.${kind}`, message, options);
  }
}

/** The file extension for an image's type, for naming files. */
export const extensionOf = (contentType: DecodedImage['contentType']): string =>
  contentType.slice('image/'.length);

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict base64: Node's decoder silently skips characters it does not know, which would turn a
 * corrupted answer into a corrupted image instead of an error.
 */
export const decodeBase64Image = (text: unknown): Buffer => {
  const compact = typeof text === 'string' ? text.replace(/\s+/g, '') : '';
  if (compact === '' || !base64Pattern.test(compact) || compact.length % 4 === 1) {
    throw new ImageDataError('upstream', 'the Images API sent an image that is not valid base64');
  }
  return Buffer.from(compact, 'base64');
};
