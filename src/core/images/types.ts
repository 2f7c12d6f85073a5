import { CodedError } from '../errors.js';
import type { InputImage } from '../inputs.js';
import type { ImageRequest } from '../request.js';

export interface DecodedImage {
  bytes: Buffer;
  /** Found by decoding the bytes, not from what the server claimed. */
  contentType: 'image/png' | 'image/jpeg' | 'image/webp';
  revisedPrompt?: string;
}

export interface PartialImage extends DecodedImage {
  /** Which of the requested images this preview belongs to (0-based). */
  imageIndex: number;
  /** `partial_image_index` from the stream: 0, 1, 2 as the preview sharpens. */
  partialIndex: number;
}

export interface ImageUsage {
  totalTokens: number;
  inputTokens?: number;
  outputTokens?: number;
}

export interface GenerationResult {
  images: DecodedImage[];
  usage?: ImageUsage;
  /** Attempts made, the successful one included. */
  attempts: number;
}

export interface GenerateOptions {
  /** The stable, salted hash sent as `user` (see `hashUser`), never a raw platform id. @default none sent */
  user?: string;
  /** Aborts the call and any retry wait; the job deadline and cancellation use it. @default none */
  signal?: AbortSignal;
  /** With `partialImages` >= 1 on a streaming model, the call streams and reports previews here. @default 0 */
  partialImages?: number;
  /** Receives each preview while the model streams; a throw here never fails the call. @default none */
  onPartialImage?: (image: PartialImage) => void;
  /**
   * The most bytes one image may have where it will be posted: where the model can, the API is
   * asked for a format and compression that fit. @default no limit
   */
  maxImageBytes?: number;
  /** Images to work from: the call goes to `/images/edits` (or `/images/variations`). @default none */
  inputs?: readonly InputImage[];
  /**
   * Told when the API answers 429 and the call will wait before retrying, with the wait (the API's
   * retry-after when it gave one): the limit is the key's, so other requests should wait too.
   * @default none
   */
  onRateLimited?: (waitMs: number) => void;
}

export interface ImagesClient {
  generate(request: ImageRequest, options?: GenerateOptions): Promise<GenerationResult>;
}

export type ImagesErrorKind =
  | 'invalidRequest'
  | 'contentPolicy'
  | 'rateLimited'
  | 'authentication'
  | 'upstream'
  /** More image bytes than one request, or the process, may hold in memory. */
  | 'tooLarge'
  | 'timeout'
  | 'aborted';

/** A failed call to the Images API, classified so that adapters can turn it into a sentence. */
export class ImagesApiError extends CodedError {
  override readonly name = 'ImagesApiError';
  constructor(
    readonly kind: ImagesErrorKind,
    message: string,
    readonly details: {
      attempts: number;
      status?: number;
      /** The request parameter the API objected to, for `invalidRequest`. */
      param?: string;
      /** The provider's error code, such as `moderation_blocked`. */
      providerCode?: string;
      cause?: unknown;
    },
  ) {
    super(`images.${kind}`, message, { cause: details.cause });
  }
}
