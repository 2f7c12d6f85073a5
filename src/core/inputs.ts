/**
 * Input images: a job names them by reference (a url, a platform's file id, a posted result), never
 * by bytes, so it stays plain data that can wait in a queue or cross a process. The process that
 * runs the job fetches them through the {@link ImageInputSources} port (size-capped, with a
 * timeout), and every rule of the model is checked on the bytes themselves.
 */
import { CodedError } from './errors.js';
import type { InputImageType, InputRules } from './models.js';

export interface ImageInputRef {
  /** Which source fetches it: `url`, or one a platform adapter registers (its files, its posts). */
  source: string;
  /** What that source needs to find it (a url, a file id, a message and attachment). */
  ref: string;
  /** The file's name as the user knows it, for refusals that name it. */
  name: string;
}

export interface InputFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Fetches the bytes of one kind of reference; rejects with {@link InputFetchError} when it cannot. */
export interface ImageInputSource {
  fetch(ref: string, options: InputFetchOptions): Promise<Buffer>;
}

/** Each source by the name references carry. */
export type ImageInputSources = ReadonlyMap<string, ImageInputSource>;

/** The input image as sent upstream: exactly the fetched bytes. */
export interface InputImage {
  name: string;
  bytes: Buffer;
  contentType: InputImageType;
}

/** Which rule an input broke. */
export type InputRule = 'tooLarge' | 'wrongType' | 'notSquare' | 'unreachable';

/** A source could not deliver a file (gone, refused, too slow); `tooLarge` when over the cap. */
export class InputFetchError extends CodedError {
  override readonly name = 'InputFetchError';
  constructor(
    readonly rule: 'tooLarge' | 'unreachable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`inputs.${rule}`, message, options);
  }
}

/** An input broke one of the model's rules; the job ends with a failure naming file and rule. */
export class InputRefusedError extends CodedError {
  override readonly name = 'InputRefusedError';
  constructor(
    readonly file: string,
    readonly rule: InputRule,
    readonly rules: InputRules,
    options?: { cause?: unknown },
  ) {
    super(`inputs.refused.${rule}`, `input ${file} refused: ${rule}`, options);
  }
}

const startsWith = (bytes: Buffer, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length &&
  signature.every((byte, index) => bytes[offset + index] === byte);

const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

/** What an input file really is, by its first bytes, whatever its name or a server claimed. Pure. */
export const sniffInputType = (bytes: Buffer): InputImageType | undefined => {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return undefined;
};

/** Width and height from a PNG's header, or undefined for anything else. Pure. */
export const pngDimensions = (bytes: Buffer): { width: number; height: number } | undefined =>
  sniffInputType(bytes) === 'image/png' && bytes.length >= 24
    ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
    : undefined;

/** Checks one fetched file against the model's rules; returns it typed, or throws. Pure. */
export const checkInput = (name: string, bytes: Buffer, rules: InputRules): InputImage => {
  if (bytes.length > rules.maxBytes) throw new InputRefusedError(name, 'tooLarge', rules);
  const contentType = sniffInputType(bytes);
  const allowed = rules.types.find((type) => type === contentType);
  if (allowed === undefined) throw new InputRefusedError(name, 'wrongType', rules);
  if (rules.square) {
    const dimensions = pngDimensions(bytes);
    if (dimensions === undefined || dimensions.width !== dimensions.height)
      throw new InputRefusedError(name, 'notSquare', rules);
  }
  return { name, bytes, contentType: allowed };
};

/**
 * Fetches every input of a job and checks it. A file over the limit is cut off while it downloads,
 * never read whole; one the source cannot deliver is refused as `unreachable`.
 */
export const loadInputs = async (
  refs: readonly ImageInputRef[],
  rules: InputRules,
  sources: ImageInputSources,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<InputImage[]> =>
  Promise.all(
    refs.map(async ({ source, ref, name }) => {
      const fetcher = sources.get(source);
      if (fetcher === undefined)
        throw new CodedError('inputs.noSource', `no image input source is set up for ${source}`);
      let bytes: Buffer;
      try {
        // One byte over the limit is enough to know the file is too large.
        bytes = await fetcher.fetch(ref, { ...options, maxBytes: rules.maxBytes + 1 });
      } catch (error) {
        if (options.signal.aborted) throw error;
        if (error instanceof InputFetchError)
          throw new InputRefusedError(name, error.rule, rules, { cause: error });
        throw error;
      }
      return checkInput(name, bytes, rules);
    }),
  );
