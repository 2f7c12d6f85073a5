/**
 * Downloads an image url at once (they expire within the hour), only where {@link DownloadRules}
 * allow: every redirect is judged again before it is followed, and a host name's addresses are
 * judged as it is resolved for the connection itself, so a name cannot pass the check and then
 * connect somewhere else. The body is read as a stream and cut at the caps, so a huge or endless
 * answer never fills memory. No credentials are sent: the url may point at a storage host.
 */
import { lookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { judgeAddress, judgeUrl, type DownloadRules } from './address-rules.js';
import { ImageDataError } from './decode.js';
import type { JobBytes } from './inflight-budget.js';

export interface DownloadOptions {
  /** The largest one image may be. */
  maxBytes: number;
  /** For the whole download, redirects included. */
  timeoutMs: number;
  signal: AbortSignal;
  rules: DownloadRules;
  /** The attempt's share of the process budget, which every byte read is counted against. */
  bytes: JobBytes;
}

/** Storage services redirect once or twice; more is a loop or a probe. */
const maxRedirects = 5;

const refused = (reason: string) =>
  new ImageDataError('upstream', `refused to download an image: ${reason}`);

/** Resolves like `dns.lookup`, keeping only the addresses the rules allow. */
const checkedLookup =
  (rules: DownloadRules): LookupFunction =>
  (hostname, options, callback) => {
    lookup(
      hostname,
      { ...(options as LookupOptions), all: true } as LookupAllOptions,
      (error, found) => {
        if (error) return callback(error, '', 0);
        const usable = found.filter((entry) => judgeAddress(entry.address, rules).allowed);
        const first = usable[0];
        if (first === undefined) {
          const judged = found.map((entry) => judgeAddress(entry.address, rules));
          const reasons = judged.map((judgement) => (judgement.allowed ? '' : judgement.reason));
          return callback(refused(`${hostname} resolves to ${reasons.join(', ')}`), '', 0);
        }
        if ((options as LookupOptions).all === true)
          return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(
            null,
            usable,
          );
        callback(null, first.address, first.family);
      },
    );
  };

const get = (url: URL, signal: AbortSignal, rules: DownloadRules, checkAddresses: boolean) =>
  new Promise<IncomingMessage>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      { signal, ...(checkAddresses && { lookup: checkedLookup(rules) }) },
      resolve,
    );
    request.on('error', reject);
    request.end();
  });

const tooLarge = (maxBytes: number) =>
  new ImageDataError(
    'tooLarge',
    `the image at the Images API's url is larger than ${maxBytes} bytes`,
  );

const readBody = async (response: IncomingMessage, options: DownloadOptions): Promise<Buffer> => {
  if (Number(response.headers['content-length'] ?? 0) > options.maxBytes) {
    response.destroy();
    throw tooLarge(options.maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving this loop early (a throw) destroys the response, which closes the connection.
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > options.maxBytes) throw tooLarge(options.maxBytes);
    options.bytes.take(chunk.byteLength);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
};

const fetchAllowed = async (url: string, signal: AbortSignal, options: DownloadOptions) => {
  let target = URL.canParse(url) ? new URL(url) : undefined;
  for (let redirects = 0; target !== undefined; redirects++) {
    const judged = judgeUrl(target, options.rules);
    if (!judged.allowed) throw refused(judged.reason);
    const response = await get(target, signal, options.rules, judged.checkAddresses);
    const status = response.statusCode ?? 0;
    if (status < 300 || status >= 400) {
      if (status >= 200 && status < 300) return readBody(response, options);
      response.destroy();
      throw new ImageDataError('upstream', `downloading an image failed with status ${status}`);
    }
    response.destroy();
    const location = response.headers.location;
    if (redirects >= maxRedirects) throw refused(`more than ${maxRedirects} redirects`);
    target =
      location !== undefined && URL.canParse(location, target.href)
        ? new URL(location, target)
        : undefined;
  }
  throw refused('the url or a redirect is not a valid url');
};

export const downloadImage = async (url: string, options: DownloadOptions): Promise<Buffer> => {
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), options.timeoutMs);
  try {
    return await fetchAllowed(url, AbortSignal.any([options.signal, timer.signal]), options);
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
