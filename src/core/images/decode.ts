/**
 * Turning the API's image items into bytes: base64 decoding, signature sniffing, and downloading
 * short-lived urls with a size cap and a timeout.
 */
import { CodedError } from '../errors.js';
import type { DecodedImage } from './types.js';

/** An answer arrived but its images cannot be used; the client reports it with the attempt count. */
export class ImageDataError extends CodedError {
  override readonly name = 'ImageDataError';
  constructor(
    readonly kind: 'upstream' | 'timeout',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`images.data.${kind}`, message, options);
  }
}

const startsWith = (bytes: Buffer, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length &&
  signature.every((byte, index) => bytes[offset + index] === byte);

const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

/** The type the bytes really are, whatever a server claimed: chat platforms trust the extension we give. */
export const sniffContentType = (bytes: Buffer): DecodedImage['contentType'] => {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  return 'application/octet-stream';
};

/** The file extension for a sniffed type, for naming files. */
export const extensionOf = (contentType: DecodedImage['contentType']): string =>
  contentType === 'application/octet-stream' ? 'bin' : contentType.slice('image/'.length);

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

export interface DownloadOptions {
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Only for a host that needs them (a platform's private files). @default none */
  headers?: Record<string, string>;
}

/** A download cut off at its size cap. */
export class ImageTooLargeError extends ImageDataError {
  constructor(readonly maxBytes: number) {
    super('upstream', `the image at the url is larger than ${maxBytes} bytes`);
  }
}

const tooLarge = (maxBytes: number) => new ImageTooLargeError(maxBytes);

/**
 * Downloads an image url at once (they expire within the hour). The body is read as a stream and
 * cut at the cap, so a huge or endless answer never fills memory. No credentials are sent: the url
 * may point at a storage host that is not the API.
 */
export const downloadImage = async (url: string, options: DownloadOptions): Promise<Buffer> => {
  if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
    throw new ImageDataError('upstream', 'the Images API sent an image url that is not http(s)');
  }
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), options.timeoutMs);
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any([options.signal, timer.signal]),
      ...(options.headers !== undefined && { headers: options.headers }),
    });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new ImageDataError(
        'upstream',
        `downloading an image failed with status ${response.status}`,
      );
    }
    if (Number(response.headers.get('content-length') ?? 0) > options.maxBytes) {
      await response.body.cancel();
      throw tooLarge(options.maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Leaving this loop early (the throw) cancels the stream, which closes the connection.
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > options.maxBytes) throw tooLarge(options.maxBytes);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof ImageDataError || options.signal.aborted) throw error;
    if (timer.signal.aborted) {
      throw new ImageDataError(
        'timeout',
        `downloading an image took longer than ${options.timeoutMs} ms`,
        {
          cause: error,
        },
      );
    }
    throw new ImageDataError(
      'upstream',
      `downloading an image failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timeout);
  }
};
