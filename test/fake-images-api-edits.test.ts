/**
 * The fake Images API's edits and variations, driven by the real openai SDK so the multipart
 * shapes are the ones the bot's client sends.
 */
import OpenAI, { toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import { pngDimensions, solidPng } from './fakes/png.js';

let fake: FakeImagesApi;
let openai: OpenAI;

beforeEach(async () => {
  fake = await startFakeImagesApi();
  openai = new OpenAI({ baseURL: fake.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
});
afterEach(async () => {
  await fake.close();
});

const png = (seed: string, size = 64) => solidPng({ width: size, height: size }, seed);
const file = (bytes: Buffer, name: string) => toFile(bytes, name, { type: 'image/png' });
const decoded = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64');

describe('fake Images API: /v1/images/edits', () => {
  it('takes up to 16 image[] and a mask, records their bytes and the parameters, and answers', async () => {
    const inputs = Array.from({ length: 16 }, (_, index) => png(`input ${index}`));
    const mask = png('mask');
    const answer = await openai.images.edit({
      model: 'gpt-image-1.5',
      prompt: '햇살 아래의 고양이',
      image: await Promise.all(inputs.map((bytes, index) => file(bytes, `in-${index}.png`))),
      mask: await file(mask, 'mask.png'),
      n: 2,
      size: '1024x1536',
      input_fidelity: 'high',
      output_format: 'webp',
      output_compression: 80,
    });

    const [recorded] = fake.requests;
    expect(recorded?.endpoint).toBe('edits');
    expect(recorded?.inputs.map((input) => input.field)).toEqual(Array(16).fill('image[]'));
    expect(recorded?.inputs.map((input) => input.bytes)).toEqual(inputs);
    expect(recorded?.inputs[3]?.filename).toBe('in-3.png');
    expect(recorded?.mask?.bytes).toEqual(mask);
    expect(recorded?.body).toMatchObject({
      model: 'gpt-image-1.5',
      prompt: '햇살 아래의 고양이',
      n: 2,
      size: '1024x1536',
      input_fidelity: 'high',
      output_format: 'webp',
      output_compression: 80,
    });
    expect(answer.data?.map((item) => decoded(item.b64_json))).toEqual(recorded?.images);
    expect(pngDimensions(recorded!.images[0]!)).toEqual({ width: 1024, height: 1536 });
  });

  it('gives different inputs different results', async () => {
    const edit = async (seed: string) =>
      openai.images.edit({ prompt: 'same', image: await file(png(seed), 'a.png') });
    await edit('one');
    await edit('two');
    expect(fake.requests[0]?.images[0]).not.toEqual(fake.requests[1]?.images[0]);
  });

  it('refuses a 17th image and an edit without any, naming the parameter', async () => {
    const seventeen = await Promise.all(
      Array.from({ length: 17 }, (_, index) => file(png(`x${index}`), `x${index}.png`)),
    );
    await expect(openai.images.edit({ prompt: 'p', image: seventeen })).rejects.toMatchObject({
      status: 400,
      param: 'image',
    });
    const noImage = await fetch(`${fake.baseUrl}/images/edits`, {
      method: 'POST',
      body: (() => {
        const form = new FormData();
        form.set('prompt', 'p');
        return form;
      })(),
    });
    expect(noImage.status).toBe(400);
    expect(await noImage.json()).toMatchObject({ error: { param: 'image' } });
    expect(fake.requests.every((request) => request.images.length === 0)).toBe(true);
  });

  it('suffers the same faults as generations', async () => {
    fake.failNext(1, { type: 'serverError', status: 503 });
    fake.failNext(1, { type: 'moderation' });
    const edit = async () =>
      openai.images.edit({ prompt: 'p', image: await file(png('a'), 'a.png') });
    await expect(edit()).rejects.toMatchObject({ status: 503 });
    await expect(edit()).rejects.toMatchObject({ status: 400, code: 'moderation_blocked' });
    await expect(edit()).resolves.toMatchObject({ data: [expect.anything()] });
    expect(fake.requests.map((request) => request.endpoint)).toEqual(['edits', 'edits', 'edits']);
  });

  it('streams image_edit events: previews, then the final image', async () => {
    const stream = await openai.images.edit({
      model: 'gpt-image-1.5',
      prompt: 'p',
      image: await file(png('a'), 'a.png'),
      stream: true,
      partial_images: 2,
    });
    const types: string[] = [];
    let final: Buffer | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'image_edit.completed') final = decoded(event.b64_json);
    }
    expect(types).toEqual([
      'image_edit.partial_image',
      'image_edit.partial_image',
      'image_edit.completed',
    ]);
    expect(final).toEqual(fake.requests[0]?.images[0]);
  });
});

describe('fake Images API: /v1/images/variations', () => {
  it('makes variations of one dall-e-2 image and records its bytes', async () => {
    const input = png('source', 256);
    const answer = await openai.images.createVariation({
      model: 'dall-e-2',
      image: await file(input, 'source.png'),
      n: 2,
      size: '256x256',
      response_format: 'b64_json',
    });
    const [recorded] = fake.requests;
    expect(recorded?.endpoint).toBe('variations');
    expect(recorded?.inputs.map((item) => [item.field, item.bytes])).toEqual([['image', input]]);
    expect(answer.data?.map((item) => decoded(item.b64_json))).toEqual(recorded?.images);
    expect(recorded?.images).toHaveLength(2);
  });

  it('refuses a model other than dall-e-2', async () => {
    await expect(
      openai.images.createVariation({
        model: 'gpt-image-1.5',
        image: await file(png('a'), 'a.png'),
      }),
    ).rejects.toMatchObject({ status: 400, param: 'model' });
  });

  it('serves url answers like generations do', async () => {
    fake.setResponseMode('url');
    const answer = await openai.images.createVariation({ image: await file(png('a'), 'a.png') });
    const url = answer.data?.[0]?.url ?? '';
    const downloaded = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(downloaded).toEqual(fake.requests[0]?.images[0]);
  });
});
