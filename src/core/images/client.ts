/**
 * The Images API client: one generation call with bounded retries, returning decoded images.
 * Built on the official `openai` SDK for the request, the error shapes and the event stream parsing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { lookup } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, { toFile } from 'openai';
import type {
  ImageCreateVariationParams,
  ImageEditParamsBase,
  ImageGenerateParamsBase,
  ImagesResponse,
} from 'openai/resources/images';
import type { InputImage } from '../inputs.js';
import { secretScrubber, type Logger } from '../log.js';
import { ModelCatalogue } from '../models.js';
import type { ImageRequest } from '../request.js';
import { downloadRules, hostOf, type DownloadRules } from './address-rules.js';
import { decodeBase64Image, ImageDataError } from './decode.js';
import { downloadImage } from './download.js';
import { describeFailure, type AttemptFailure } from './errors.js';
import { fitOutput } from './fit-output.js';
import { checkImage } from './image-check.js';
import { InflightBudget, jobShare, type JobBytes } from './inflight-budget.js';
import { buildEditParams, buildParams, buildVariationParams } from './params.js';
import { decideRetry, type RetryPolicy } from './retry-policy.js';
import {
  ImagesApiError,
  type DecodedImage,
  type GenerateOptions,
  type GenerationResult,
  type ImagesClient,
  type ImageUsage,
  type PartialImage,
} from './types.js';

export interface ImagesClientOptions {
  /** Such as `https://api.openai.com/v1`; with or without the `/v1` a gateway documents. */
  baseUrl: string;
  apiKey: string;
  /** Per attempt, until the whole answer (streamed events and url downloads included) is in. @default 180000 */
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx and connections that were never made. @default 3 */
  maxRetries?: number;
  /** No retry starts later than this after the first attempt began. @default 300000 */
  retryBudgetMs?: number;
  /** The first backoff delay, doubled for each later retry, with jitter. @default 1000 */
  retryBaseDelayMs?: number;
  /** The cap on a backoff delay; a server's retry-after is honoured even above it. @default 20000 */
  retryMaxDelayMs?: number;
  /** The largest image downloaded from a `url` item, in bytes. @default 26214400 (25 MiB) */
  maxDownloadBytes?: number;
  /** Per url download. @default 60000 */
  downloadTimeoutMs?: number;
  /** Hosts url items may be downloaded from whatever their address (IMAGES_DOWNLOAD_HOSTS). @default [] */
  downloadHosts?: readonly string[];
  /**
   * Where downloads may go. @default public addresses, the API's own host, `downloadHosts`, and the
   * API's own kind of network (loopback, private, link-local) when it is on one
   */
  downloadRules?: DownloadRules;
  /** Image bytes all running attempts may hold at once (IMAGES_MAX_INFLIGHT_BYTES). @default 268435456 (256 MiB) */
  maxInflightBytes?: number;
  /** Image bytes one attempt may hold; see `jobShare`. @default `maxInflightBytes` / 4 */
  maxJobBytes?: number;
  /** Which models stream previews. @default the built-in catalogue */
  catalogue?: ModelCatalogue;
  /** @default no logging */
  logger?: Logger;
  /** Told of every attempt: its HTTP status (undefined when none came back) and whether it was a retry. @default none */
  onAttempt?: (status: number | undefined, retry: boolean) => void;
}

const defaults = {
  timeoutMs: 180_000,
  maxRetries: 3,
  retryBudgetMs: 300_000,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 20_000,
  maxDownloadBytes: 25 * 1024 * 1024,
  downloadTimeoutMs: 60_000,
  maxInflightBytes: 256 * 1024 * 1024,
  /** QUEUE_CONCURRENCY's default. */
  concurrency: 4,
};

/** One call to the API, by endpoint, with its body. */
type Call =
  | { endpoint: 'generations'; params: ImageGenerateParamsBase }
  | { endpoint: 'edits'; params: ImageEditParamsBase }
  | { endpoint: 'variations'; params: ImageCreateVariationParams };

/** The input images as files; their bytes go upstream exactly as fetched. */
const filesOf = (inputs: readonly InputImage[]) =>
  Promise.all(inputs.map((input) => toFile(input.bytes, input.name, { type: input.contentType })));

/** Options with each default filled in; the download rules and a job's share have computed ones. */
type Settings = Required<
  Omit<ImagesClientOptions, 'catalogue' | 'logger' | 'downloadRules' | 'maxJobBytes' | 'onAttempt'>
>;

/** Maps the API's snake_case usage; `undefined` when absent or unreadable, as dall-e answers are. */
export const mapUsage = (raw: unknown): ImageUsage | undefined => {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { total_tokens, input_tokens, output_tokens } = raw as Record<string, unknown>;
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  const inputTokens = count(input_tokens);
  const outputTokens = count(output_tokens);
  const totalTokens =
    count(total_tokens) ??
    (inputTokens !== undefined && outputTokens !== undefined
      ? inputTokens + outputTokens
      : undefined);
  if (totalTokens === undefined) return undefined;
  return { totalTokens, inputTokens, outputTokens };
};

const addUsage = (
  sum: ImageUsage | undefined,
  more: ImageUsage | undefined,
): ImageUsage | undefined => {
  if (sum === undefined || more === undefined) return sum ?? more;
  const add = (a?: number, b?: number) =>
    a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  return {
    totalTokens: sum.totalTokens + more.totalTokens,
    inputTokens: add(sum.inputTokens, more.inputTokens),
    outputTokens: add(sum.outputTokens, more.outputTokens),
  };
};

/**
 * Every byte of an answer counted against the attempt's share as it arrives, whatever the SDK
 * then does with it: the SDK reads a whole JSON body before it parses, and would otherwise read an
 * endless one until the timeout.
 */
const countingFetch =
  (attemptBytes: AsyncLocalStorage<JobBytes>): typeof fetch =>
  async (input, init) => {
    const response = await fetch(input, init);
    const bytes = attemptBytes.getStore();
    if (bytes === undefined || response.body === null) return response;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes.take(chunk.byteLength);
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };

class OpenAIImagesClient implements ImagesClient {
  readonly #openai: OpenAI;
  readonly #settings: Settings;
  readonly #budget: InflightBudget;
  readonly #attemptBytes = new AsyncLocalStorage<JobBytes>();
  #rules: Promise<DownloadRules> | undefined;
  readonly #policy: RetryPolicy;
  readonly #catalogue: ModelCatalogue;
  readonly #logger: Logger | undefined;
  readonly #scrub: (text: string) => string;
  readonly #onAttempt: ImagesClientOptions['onAttempt'];

  constructor(options: ImagesClientOptions) {
    this.#settings = {
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
      maxRetries: options.maxRetries ?? defaults.maxRetries,
      retryBudgetMs: options.retryBudgetMs ?? defaults.retryBudgetMs,
      retryBaseDelayMs: options.retryBaseDelayMs ?? defaults.retryBaseDelayMs,
      retryMaxDelayMs: options.retryMaxDelayMs ?? defaults.retryMaxDelayMs,
      maxDownloadBytes: options.maxDownloadBytes ?? defaults.maxDownloadBytes,
      downloadTimeoutMs: options.downloadTimeoutMs ?? defaults.downloadTimeoutMs,
      downloadHosts: options.downloadHosts ?? [],
      maxInflightBytes: options.maxInflightBytes ?? defaults.maxInflightBytes,
    };
    this.#policy = {
      maxRetries: this.#settings.maxRetries,
      budgetMs: this.#settings.retryBudgetMs,
      baseDelayMs: this.#settings.retryBaseDelayMs,
      maxDelayMs: this.#settings.retryMaxDelayMs,
    };
    this.#catalogue = options.catalogue ?? new ModelCatalogue();
    this.#logger = options.logger?.child({ component: 'images' });
    this.#scrub = secretScrubber([options.apiKey]);
    this.#onAttempt = options.onAttempt;
    this.#budget = new InflightBudget(
      this.#settings.maxInflightBytes,
      options.maxJobBytes ?? jobShare(this.#settings.maxInflightBytes, defaults.concurrency),
    );
    if (options.downloadRules) this.#rules = Promise.resolve(options.downloadRules);
    this.#openai = new OpenAI({
      fetch: countingFetch(this.#attemptBytes),
      baseURL: this.#settings.baseUrl,
      apiKey: this.#settings.apiKey,
      // Our own retry loop instead of the SDK's: the SDK retries any connection failure and any
      // timeout alike, and cannot tell a request that timed out after it was sent (which the
      // provider may have generated and billed) from one that never left. We retry only the latter.
      maxRetries: 0,
      timeout: this.#settings.timeoutMs,
      // The SDK would otherwise pick these up from OPENAI_* variables and send them to any gateway.
      organization: null,
      project: null,
      adminAPIKey: null,
      // Our logger, which scrubs secrets, reports every attempt; the SDK's would print to the console.
      logLevel: 'off',
    });
  }

  async generate(request: ImageRequest, options: GenerateOptions = {}): Promise<GenerationResult> {
    const { signal } = options;
    if (signal?.aborted)
      throw new ImagesApiError('aborted', 'the request was cancelled', { attempts: 0 });
    const call = await this.#callFor(request, options);
    const streaming = call.endpoint !== 'variations' && call.params.stream === true;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      this.#logger?.debug(
        {
          model: request.model,
          size: request.size,
          count: request.count,
          endpoint: call.endpoint,
          streaming,
          attempt,
        },
        'images: sending',
      );
      const outcome = await this.#attempt(call, options);
      this.#onAttempt?.(outcome.ok ? 200 : outcome.failure.status, attempt > 1);
      if (outcome.ok) {
        this.#logger?.info(
          {
            model: request.model,
            attempts: attempt,
            durationMs: Date.now() - started,
            totalTokens: outcome.result.usage?.totalTokens,
          },
          'images: generated',
        );
        return { ...outcome.result, attempts: attempt };
      }
      const { failure } = outcome;
      const decision = decideRetry(
        failure,
        { attemptsMade: attempt, elapsedMs: Date.now() - started },
        this.#policy,
      );
      if (!decision.retry) throw this.#fail(failure, attempt, decision.reason);
      if (failure.status === 429) options.onRateLimited?.(decision.delayMs);
      this.#logger?.warn(
        { kind: failure.kind, status: failure.status, attempt, delayMs: decision.delayMs },
        `images: ${this.#scrub(failure.message)}; retrying`,
      );
      await this.#wait(decision.delayMs, options.signal, attempt);
    }
  }

  /** The endpoint and body: an edit when there are input images, a variation where asked for. */
  async #callFor(request: ImageRequest, options: GenerateOptions): Promise<Call> {
    const rules = this.#catalogue.get(request.model);
    const streams = (options.partialImages ?? 0) >= 1 && rules?.streaming === true;
    const extras = {
      user: options.user,
      partialImages: streams ? options.partialImages : undefined,
      fit: fitOutput(request, rules, options.maxImageBytes),
    };
    const inputs = options.inputs ?? [];
    if (inputs.length === 0)
      return { endpoint: 'generations', params: buildParams(request, extras) };
    const files = await filesOf(inputs);
    const [first] = files;
    if (request.variation === true && first !== undefined && files.length === 1)
      return { endpoint: 'variations', params: buildVariationParams(request, first, extras) };
    return { endpoint: 'edits', params: buildEditParams(request, files, extras) };
  }

  /** One attempt under its own deadline, which covers the whole answer, not just its headers. */
  async #attempt(
    call: Call,
    { signal, onPartialImage }: GenerateOptions,
  ): Promise<
    | { ok: true; result: Omit<GenerationResult, 'attempts'> }
    | { ok: false; failure: AttemptFailure }
  > {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#settings.timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    const bytes = this.#budget.forJob();
    try {
      const result = await this.#attemptBytes.run(bytes, () =>
        call.endpoint !== 'variations' && call.params.stream === true
          ? this.#stream(call, attemptSignal, onPartialImage)
          : this.#once(call, attemptSignal, bytes),
      );
      return { ok: true, result };
    } catch (error) {
      const failure = describeFailure(error, {
        aborted: signal?.aborted ?? false,
        timedOut: deadline.signal.aborted,
        timeoutMs: this.#settings.timeoutMs,
        nowMs: Date.now(),
      });
      return { ok: false, failure };
    } finally {
      clearTimeout(timer);
      bytes.release();
    }
  }

  #request(call: Call, signal: AbortSignal): Promise<unknown> {
    switch (call.endpoint) {
      case 'generations':
        return this.#openai.images.generate({ ...call.params, stream: false }, { signal });
      case 'edits':
        return this.#openai.images.edit({ ...call.params, stream: false }, { signal });
      case 'variations':
        return this.#openai.images.createVariation(call.params, { signal });
    }
  }

  async #once(call: Call, signal: AbortSignal, bytes: JobBytes) {
    const response: unknown = await this.#request(call, signal);
    const data = (response as ImagesResponse | null)?.data;
    if (!Array.isArray(data) || data.length === 0) {
      throw new ImageDataError('upstream', 'the Images API answered without any image');
    }
    const images = await Promise.all(
      data.map((item, index) => this.#decodeItem(item, index, signal, bytes)),
    );
    return { images, usage: mapUsage((response as ImagesResponse).usage) };
  }

  /** An item may carry `b64_json`, `url` or both; the bytes at hand are preferred to a download. */
  async #decodeItem(
    item: unknown,
    index: number,
    signal: AbortSignal,
    bytes: JobBytes,
  ): Promise<DecodedImage> {
    const { b64_json, url, revised_prompt } = (
      typeof item === 'object' && item !== null ? item : {}
    ) as Record<string, unknown>;
    if (typeof b64_json === 'string' && b64_json !== '')
      return checkImage(decodeBase64Image(b64_json), revised_prompt);
    if (typeof url === 'string' && url !== '') {
      const downloaded = await downloadImage(url, {
        maxBytes: this.#settings.maxDownloadBytes,
        timeoutMs: this.#settings.downloadTimeoutMs,
        signal,
        rules: await this.#downloadRules(),
        bytes,
      });
      return checkImage(downloaded, revised_prompt);
    }
    throw new ImageDataError(
      'upstream',
      `image ${index + 1} from the Images API has neither b64_json nor url`,
    );
  }

  /** Resolved once: whether the API's host is on a private kind of network decides what is trusted. */
  #downloadRules(): Promise<DownloadRules> {
    this.#rules ??= lookup(hostOf(new URL(this.#settings.baseUrl)), { all: true })
      .then((found) => found.map((entry) => entry.address))
      .catch(() => [])
      .then((addresses) =>
        downloadRules(this.#settings.baseUrl, this.#settings.downloadHosts, addresses),
      );
    return this.#rules;
  }

  async #stream(
    call: Exclude<Call, { endpoint: 'variations' }>,
    signal: AbortSignal,
    onPartialImage: GenerateOptions['onPartialImage'],
  ) {
    const stream =
      call.endpoint === 'edits'
        ? await this.#openai.images.edit({ ...call.params, stream: true }, { signal })
        : await this.#openai.images.generate({ ...call.params, stream: true }, { signal });
    const images: DecodedImage[] = [];
    let usage: ImageUsage | undefined;
    let previews = Promise.resolve();
    for await (const event of stream) {
      if (
        event.type === 'image_generation.partial_image' ||
        event.type === 'image_edit.partial_image'
      ) {
        // Events carry no image number: previews belong to the image the next completed event ends.
        const place = { imageIndex: images.length, partialIndex: event.partial_image_index };
        const b64 = event.b64_json;
        previews = previews.then(() => this.#preview(onPartialImage, b64, place));
      } else if (
        event.type === 'image_generation.completed' ||
        event.type === 'image_edit.completed'
      ) {
        images.push(await checkImage(decodeBase64Image(event.b64_json)));
        // Each completed event reports the tokens of its own image, so they add up to the request's.
        usage = addUsage(usage, mapUsage(event.usage));
      }
    }
    // Checked in order and all before the result is returned, so no preview lands after it.
    await previews;
    // The SDK ends the iteration quietly on abort; it must not pass for a finished stream.
    signal.throwIfAborted();
    if (images.length === 0)
      throw new ImageDataError('upstream', 'the image stream ended before any image was completed');
    return { images, usage };
  }

  /**
   * A preview that is not an image, or fails to show, must not fail the generation: one that is
   * not an image is dropped, and the callback is not awaited, whether it throws or rejects.
   */
  async #preview(
    onPartialImage: GenerateOptions['onPartialImage'],
    b64: unknown,
    place: Pick<PartialImage, 'imageIndex' | 'partialIndex'>,
  ): Promise<void> {
    if (!onPartialImage) return;
    let image: DecodedImage;
    try {
      image = await checkImage(decodeBase64Image(b64));
    } catch (error) {
      this.#logger?.warn({ err: error }, 'images: dropped a preview that is not an image');
      return;
    }
    Promise.resolve()
      .then(() => onPartialImage({ ...image, ...place }))
      .catch((error: unknown) =>
        this.#logger?.warn({ err: error }, 'images: showing a preview failed'),
      );
  }

  async #wait(
    delayMs: number,
    signal: AbortSignal | undefined,
    attemptsMade: number,
  ): Promise<void> {
    try {
      await sleep(delayMs, undefined, { signal });
    } catch (error) {
      throw new ImagesApiError('aborted', 'the request was cancelled while waiting to retry', {
        attempts: attemptsMade,
        cause: error,
      });
    }
  }

  #fail(failure: AttemptFailure, attempts: number, reason: string): ImagesApiError {
    const message = this.#scrub(failure.message);
    const level = failure.kind === 'authentication' ? 'error' : 'warn';
    this.#logger?.[level](
      { kind: failure.kind, status: failure.status, param: failure.param, attempts, reason },
      `images: ${message}`,
    );
    return new ImagesApiError(failure.kind, message, {
      attempts,
      status: failure.status,
      param: failure.param,
      providerCode: failure.providerCode,
      cause: failure.cause,
    });
  }
}

/** A client for the configured Images API; options are checked here, naming any bad field. */
export const createImagesClient = (options: ImagesClientOptions): ImagesClient =>
  new OpenAIImagesClient(options);
