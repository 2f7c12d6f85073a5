/**
 * Jobs with input images: the references travel in the job, the process that runs it fetches the
 * bytes over real HTTP, checks them against the model's rules and sends them to `/images/edits`
 * (or `/images/variations`) exactly as fetched; a refused file names itself and charges nothing.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '#core/service-api.js';
import { messagesFor } from '#adapters/shared/messages.js';
import { closeAfterEach } from './support/close-after-each.js';
import { startFileServer } from './support/file-server.js';
import { harnessPerTest } from './support/harness-per-test.js';
import { delivery, requester } from './support/service-harness.js';
import { noisyPng, solidPng } from './fakes/png.js';

const start = harnessPerTest({ quota: { userLimit: 10, guildLimit: 100 } });
const closeLater = closeAfterEach();
const files = async () => closeLater(await startFileServer(), (server) => server.close());
const url = (ref: string, name: string) => ({ source: 'url', ref, name });

describe('a job with input images', () => {
  it('sends the fetched bytes to /images/edits in order, with input_fidelity where the model takes it', async () => {
    const { service, reporter, api } = await start();
    const server = await files();
    const first = solidPng({ width: 64, height: 48 }, 'first');
    const second = solidPng({ width: 32, height: 32 }, 'second');
    const { job } = await service.submit(
      {
        prompt: '두 사진을 합쳐 주세요',
        model: 'gpt-image-1.5',
        size: '1024x1024',
        inputs: [
          url(server.put('a.png', first), 'a.png'),
          url(server.put('b.png', second), 'b.png'),
        ],
        inputFidelity: 'high',
      },
      requester('g1', 'u1'),
      delivery,
    );
    expect(job.request.inputs?.map((input) => input.name)).toEqual(['a.png', 'b.png']);
    // The job is plain data: references, never bytes.
    expect(JSON.stringify(job)).not.toContain(first.toString('base64').slice(0, 40));

    const completed = await reporter.next(job.id, 'completed');
    const [upstream] = api.requests;
    expect(upstream?.endpoint).toBe('edits');
    expect(upstream?.inputs.map((input) => input.bytes)).toEqual([first, second]);
    expect(upstream?.inputs.map((input) => input.filename)).toEqual(['a.png', 'b.png']);
    expect(upstream?.body).toMatchObject({
      prompt: '두 사진을 합쳐 주세요',
      input_fidelity: 'high',
    });
    expect(completed.images.map((image) => image.bytes)).toEqual(upstream?.images);
  });

  it('sends no input_fidelity to a model that does not take it', async () => {
    const { service, reporter, api } = await start();
    const server = await files();
    const { job } = await service.submit(
      {
        prompt: 'p',
        model: 'gpt-image-1-mini',
        inputs: [url(server.put('a.png', solidPng({ width: 8, height: 8 }, 'a')), 'a.png')],
        inputFidelity: 'high',
      },
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'completed');
    expect(api.requests[0]?.endpoint).toBe('edits');
    expect(api.requests[0]?.body).not.toHaveProperty('input_fidelity');
  });

  it('makes a dall-e-2 variation through /images/variations', async () => {
    const { service, reporter, api } = await start();
    const server = await files();
    const source = solidPng({ width: 256, height: 256 }, 'square');
    const { job } = await service.submit(
      {
        prompt: 'the original prompt',
        model: 'dall-e-2',
        size: '256x256',
        inputs: [url(server.put('imagine-1.png', source), 'imagine-1.png')],
        variation: true,
      },
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'completed');
    expect(api.requests[0]?.endpoint).toBe('variations');
    expect(api.requests[0]?.inputs.map((input) => input.bytes)).toEqual([source]);
  });

  it.each([
    {
      rule: 'tooLarge',
      model: 'dall-e-2',
      name: 'huge.png',
      bytes: () => noisyPng(4 * 1024 * 1024 + 1),
      sentence:
        'The image huge.png is larger than 4 MB, the most this model takes. Nothing was charged.',
    },
    {
      rule: 'wrongType',
      model: 'gpt-image-1.5',
      name: 'anim.gif',
      bytes: () => Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
      sentence:
        'The image anim.gif is not a PNG, JPEG or WEBP file, which is all this model takes. Nothing was charged.',
    },
    {
      rule: 'notSquare',
      model: 'dall-e-2',
      name: 'wide.png',
      bytes: () => solidPng({ width: 64, height: 32 }, 'wide'),
      sentence: 'The image wide.png must be a square PNG for this model. Nothing was charged.',
    },
  ])('refuses a $rule input naming it, calls nothing upstream and charges nothing', async (c) => {
    const { service, reporter, api } = await start();
    const server = await files();
    const { job } = await service.submit(
      { prompt: 'p', model: c.model, inputs: [url(server.put(c.name, c.bytes()), c.name)] },
      requester('g1', 'u1'),
      delivery,
    );
    const failed = await reporter.next(job.id, 'failed');
    expect(failed.failure).toMatchObject({
      reason: 'badInput',
      input: { file: c.name, rule: c.rule },
    });
    expect(messagesFor('en').failure(failed.failure)).toBe(c.sentence);
    expect(messagesFor('ko').failure(failed.failure)).toContain(c.name);
    expect(api.requests).toHaveLength(0);
    expect(await service.standing('g1', 'u1')).toMatchObject({ user: { used: 0 } });
  });

  it('refuses an input that cannot be fetched, naming it', async () => {
    const { service, reporter } = await start();
    const server = await files();
    const gone = server.put('x.png', Buffer.alloc(0)).replace('/x.png', '/missing.png');
    const { job } = await service.submit(
      { prompt: 'p', model: 'gpt-image-1.5', inputs: [url(gone, 'missing.png')] },
      requester('g1', 'u1'),
      delivery,
    );
    const failed = await reporter.next(job.id, 'failed');
    expect(failed.failure.input).toMatchObject({ file: 'missing.png', rule: 'unreachable' });
  });

  it('refuses at once a model that takes no images, and more images than a model takes', async () => {
    const { service, api } = await start();
    const one = [url('http://127.0.0.1:9/a.png', 'a.png')];
    const seventeen = Array.from({ length: 17 }, (_, i) =>
      url(`http://127.0.0.1:9/${i}.png`, `${i}.png`),
    );
    const refusal = (input: Parameters<typeof service.submit>[0]) =>
      service.submit(input, requester('g1', 'u1'), delivery).catch((error: unknown) => error);

    const dallE3 = await refusal({ prompt: 'p', model: 'dall-e-3', inputs: one });
    expect(dallE3).toBeInstanceOf(InvalidOptionsError);
    expect(messagesFor('en').refusal(dallE3 as InvalidOptionsError)).toContain(
      'image is not supported by dall-e-3',
    );
    const tooMany = await refusal({ prompt: 'p', model: 'gpt-image-1.5', inputs: seventeen });
    expect(messagesFor('en').refusal(tooMany as InvalidOptionsError)).toContain(
      '17 images given; gpt-image-1.5 takes at most 16',
    );
    expect(api.requests).toHaveLength(0);
    expect(await service.standing('g1', 'u1')).toMatchObject({ user: { used: 0 } });
  });
});
