/**
 * The `url` image input source: downloads through the same guarded downloader as the Images API's
 * own urls (size cap, timeout, every redirect judged). Input urls are handed out by a platform (its
 * CDN, its file storage), so their own host is trusted and a redirect elsewhere is judged like any
 * download. Platform adapters register sources for what needs their token, and download through
 * {@link downloadInput} too.
 */
import { InputFetchError, type ImageInputSource, type InputFetchOptions } from '../inputs.js';
import { hostOf } from './address-rules.js';
import { ImageDataError } from './decode.js';
import { downloadImage } from './download.js';
import type { JobBytes } from './inflight-budget.js';

/** Inputs are capped per file by the model's rules, not metered against the upstream budget. */
const unmetered: JobBytes = { take: () => {}, release: () => {} };

/** Downloads one input, turning what went wrong into the rule the file broke. */
export const downloadInput = async (
  url: string,
  options: InputFetchOptions,
  headers?: Record<string, string>,
): Promise<Buffer> => {
  try {
    const host = URL.canParse(url) ? hostOf(new URL(url)) : '';
    return await downloadImage(url, {
      ...options,
      rules: { trustedHosts: new Set([host]), trustedRanges: new Set() },
      bytes: unmetered,
      ...(headers !== undefined && { headers }),
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    if (error instanceof ImageDataError && error.kind === 'tooLarge')
      throw new InputFetchError('tooLarge', error.message, { cause: error });
    throw new InputFetchError('unreachable', (error as Error).message, { cause: error });
  }
};

export const urlInputSource: ImageInputSource = {
  fetch: (url, options) => downloadInput(url, options),
};
