/**
 * The `url` image input source: downloads with the same size cap, timeout and no-credentials rule
 * as the Images API's own urls. Platform adapters register sources for what needs their token.
 */
import { InputFetchError, type ImageInputSource } from '../inputs.js';
import { downloadImage, ImageTooLargeError } from './decode.js';

export const urlInputSource: ImageInputSource = {
  async fetch(url, options) {
    try {
      return await downloadImage(url, options);
    } catch (error) {
      if (options.signal.aborted) throw error;
      if (error instanceof ImageTooLargeError)
        throw new InputFetchError('tooLarge', error.message, { cause: error });
      throw new InputFetchError('unreachable', (error as Error).message, { cause: error });
    }
  },
};
