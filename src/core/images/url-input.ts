/**
 * The `url` image input source: downloads with the same size cap, timeout and no-credentials rule
 * as the Images API's own urls. Platform adapters register sources for what needs their token, and
 * download through {@link downloadInput} too.
 */
import { InputFetchError, type ImageInputSource, type InputFetchOptions } from '../inputs.js';
import { downloadImage, ImageTooLargeError } from './decode.js';

/** Downloads one input, turning what went wrong into the rule the file broke. */
export const downloadInput = async (
  url: string,
  options: InputFetchOptions,
  headers?: Record<string, string>,
): Promise<Buffer> => {
  try {
    return await downloadImage(url, { ...options, ...(headers !== undefined && { headers }) });
  } catch (error) {
    if (options.signal.aborted) throw error;
    if (error instanceof ImageTooLargeError)
      throw new InputFetchError('tooLarge', error.message, { cause: error });
    throw new InputFetchError('unreachable', (error as Error).message, { cause: error });
  }
};

export const urlInputSource: ImageInputSource = {
  fetch: (url, options) => downloadInput(url, options),
};
