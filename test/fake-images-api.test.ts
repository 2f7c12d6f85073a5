import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import { pngDimensions } from './fakes/png.js';

const key = 'sk-fake-test-key';
let fake: FakeImagesApi;

beforeEach(async () => {
  fake = await startFakeImagesApi({ apiKey: key });
});
afterEach(async () => {
  await fake.close();
});

const generate = (
  body: object,
  options: { base?: string; auth?: string; signal?: AbortSignal } = {},
) =>
  fetch(`${options.base ?? fake.baseUrl}/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: options.auth ?? `Bearer ${key}` },
    body: JSON.stringify(body),
    signal: options.signal,
  });

interface ImagesJson {
  data: { b64_json?: string; url?: string; revised_prompt?: string }[];
  usage?: { total_tokens: number; input_tokens: number; output_tokens: number };
}

const json = async (response: Response) => (await response.json()) as ImagesJson;

describe('fake Images API: successful answers', () => {
  it.each([
    ['1024x1024', 1024, 1024],
    ['1536x1024', 1536, 1024],
    ['1024x1536', 1024, 1536],
    ['256x256', 256, 256],
    ['auto', 1024, 1024],
  ])('returns a valid PNG of the requested size %s', async (size, width, height) => {
    const response = await generate({ prompt: 'a lighthouse', model: 'gpt-image-1', size });
    expect(response.status).toBe(200);
    const [item] = (await json(response)).data;
    const bytes = Buffer.from(item?.b64_json ?? '', 'base64');
    expect(pngDimensions(bytes)).toEqual({ width, height });
  });

  it('answers at a base URL without /v1 too', async () => {
    const response = await generate({ prompt: 'a lighthouse' }, { base: fake.origin });
    expect(response.status).toBe(200);
  });

  it('returns n distinct images and usage for gpt-image models', async () => {
    const body = await json(await generate({ prompt: 'two cats', model: 'gpt-image-1.5', n: 2 }));
    expect(body.data).toHaveLength(2);
    expect(body.data[0]?.b64_json).not.toEqual(body.data[1]?.b64_json);
    expect(body.usage?.output_tokens).toBeGreaterThan(0);
    expect(body.usage?.total_tokens).toBe(
      (body.usage?.input_tokens ?? 0) + (body.usage?.output_tokens ?? 0),
    );
  });

  it('omits usage for dall-e and adds revised_prompt for dall-e-3', async () => {
    const dallE3 = await json(await generate({ prompt: 'a fox', model: 'dall-e-3' }));
    expect(dallE3.usage).toBeUndefined();
    expect(dallE3.data[0]?.revised_prompt).toContain('a fox');
    const dallE2 = await json(
      await generate({ prompt: 'a fox', model: 'dall-e-2', size: '256x256' }),
    );
    expect(dallE2.usage).toBeUndefined();
    expect(dallE2.data[0]?.revised_prompt).toBeUndefined();
  });

  it('serves in url mode the same bytes it recorded, and both fields in both mode', async () => {
    fake.setResponseMode('url');
    const [item] = (await json(await generate({ prompt: 'a boat' }))).data;
    expect(item?.b64_json).toBeUndefined();
    const downloaded = Buffer.from(await (await fetch(item?.url ?? '')).arrayBuffer());
    expect(downloaded.equals(fake.requests[0]?.images[0] ?? Buffer.alloc(0))).toBe(true);
    expect(fake.downloads).toHaveLength(1);

    fake.setResponseMode('both');
    const [both] = (await json(await generate({ prompt: 'a boat' }))).data;
    expect(both?.b64_json).toBeTypeOf('string');
    expect(both?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
  });

  it('records the raw request body byte for byte', async () => {
    const prompt = '햇살이 비치는 정원 🐈\n둘째 줄';
    await generate({ prompt });
    const recorded = fake.requests[0];
    expect(recorded?.rawBody.equals(Buffer.from(JSON.stringify({ prompt })))).toBe(true);
    expect(recorded?.body?.prompt).toBe(prompt);
    expect(recorded?.headers.authorization).toBe(`Bearer ${key}`);
  });

  it('streams partial images then a completed event per image that the official SDK parses', async () => {
    const client = new OpenAI({ baseURL: fake.baseUrl, apiKey: key, maxRetries: 0 });
    const stream = await client.images.generate({
      prompt: 'a kite',
      model: 'gpt-image-1',
      size: '1536x1024',
      n: 2,
      stream: true,
      partial_images: 2,
    });
    const events: string[] = [];
    for await (const event of stream) {
      events.push(
        event.type === 'image_generation.partial_image'
          ? `partial ${event.partial_image_index}`
          : 'completed',
      );
      expect(pngDimensions(Buffer.from(event.b64_json, 'base64'))).toEqual({
        width: 1536,
        height: 1024,
      });
      if (event.type === 'image_generation.completed')
        expect(event.usage.total_tokens).toBeGreaterThan(0);
    }
    expect(events).toEqual([
      'partial 0',
      'partial 1',
      'completed',
      'partial 0',
      'partial 1',
      'completed',
    ]);
  });
});

describe('fake Images API: faults', () => {
  it('refuses a wrong key with 401', async () => {
    const response = await generate({ prompt: 'x' }, { auth: 'Bearer wrong' });
    expect(response.status).toBe(401);
  });

  it('fails the next N requests with 500, then succeeds', async () => {
    fake.failNext(2, { type: 'serverError', status: 500 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await generate({ prompt: 'x' })).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it('answers 429 with retry-after and retry-after-ms headers', async () => {
    fake.failNext(1, { type: 'rateLimited', retryAfter: '3', retryAfterMs: 2500 });
    const response = await generate({ prompt: 'x' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('retry-after-ms')).toBe('2500');
  });

  it.each(['moderation_blocked', 'content_policy_violation'] as const)(
    'refuses with a 400 %s moderation error',
    async (code) => {
      fake.failNext(1, { type: 'moderation', code });
      const response = await generate({ prompt: 'x' });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    },
  );

  it('names the parameter in a 400 bad request', async () => {
    fake.setFault({ type: 'badRequest', param: 'size' });
    const response = await generate({ prompt: 'x' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('size');
  });

  it('sends malformed JSON with status 200', async () => {
    fake.failNext(1, { type: 'malformedJson' });
    const response = await generate({ prompt: 'x' });
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it('cuts a body short of its declared length', async () => {
    fake.failNext(1, { type: 'truncatedBody' });
    const response = await generate({ prompt: 'x' });
    await expect(response.text()).rejects.toThrow();
  });

  it('serves an oversize image by url', async () => {
    fake.failNext(1, { type: 'oversizeImage', bytes: 300_000 });
    const [item] = (await json(await generate({ prompt: 'x' }))).data;
    const bytes = Buffer.from(await (await fetch(item?.url ?? '')).arrayBuffer());
    expect(bytes.length).toBeGreaterThanOrEqual(300_000);
    expect(pngDimensions(bytes).width).toBeGreaterThan(0);
  });

  it('delays an answer by the configured latency', async () => {
    fake.failNext(1, { type: 'latency', ms: 150 });
    const started = performance.now();
    const response = await generate({ prompt: 'x' });
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('never answers a hanging request, and still closes at once', async () => {
    fake.setFault({ type: 'hang' });
    const pending = generate({ prompt: 'x' });
    const outcome = pending.then(
      () => 'answered',
      () => 'cut off',
    );
    await expect(
      Promise.race([outcome, new Promise((r) => setTimeout(r, 200, 'waiting'))]),
    ).resolves.toBe('waiting');
    await fake.close();
    await expect(outcome).resolves.toBe('cut off');
  });

  it('never answers the download of a hanging url', async () => {
    fake.failNext(1, { type: 'hangDownload' });
    const [item] = (await json(await generate({ prompt: 'x' }))).data;
    await expect(fetch(item?.url ?? '', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(fake.downloads).toHaveLength(1);
  });
});
