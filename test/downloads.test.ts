/**
 * Downloads go only where they should, and image bytes in memory are bounded per attempt and per
 * process. The address rules are judged as pure functions (no traffic at all); redirects are
 * refused with loopback hosts that the rules are configured to exclude, so no test sends anything
 * beyond loopback even when the code under test is wrong.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addressRange,
  downloadRules,
  judgeAddress,
  judgeUrl,
  type DownloadRules,
} from '#core/images/address-rules.js';
import { createImagesClient, type ImagesClientOptions } from '#core/images/client.js';
import { InflightBudget } from '#core/images/inflight-budget.js';
import { ImagesApiError } from '#core/images/types.js';
import type { ImageRequest } from '#core/request.js';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import { solidPng } from './fakes/png.js';

describe('address rules (pure)', () => {
  it.each([
    ['93.184.215.14', 'public'],
    ['2606:4700::6810:85e5', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.0.0.2', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'other'],
    ['::', 'other'],
    ['224.0.0.1', 'other'],
    ['255.255.255.255', 'other'],
    ['2002:a00:1::', 'other'],
    ['not-an-address', 'other'],
  ])('classifies %s as %s', (address, range) => {
    expect(addressRange(address)).toBe(range);
  });

  const publicApi = downloadRules('https://api.openai.com/v1', [], ['162.159.140.245']);

  it('lets a public API download from public addresses and its own host only', () => {
    expect([...publicApi.trustedRanges]).toEqual([]);
    expect(judgeAddress('93.184.215.14', publicApi)).toEqual({ allowed: true });
    for (const address of ['127.0.0.1', '10.0.0.5', '169.254.169.254', 'fe80::1', '0.0.0.0'])
      expect(judgeAddress(address, publicApi).allowed, address).toBe(false);
    expect(judgeUrl(new URL('https://api.openai.com/files/x.png'), publicApi)).toEqual({
      allowed: true,
      checkAddresses: false,
    });
    expect(judgeUrl(new URL('https://cdn.example.com/x.png'), publicApi)).toEqual({
      allowed: true,
      checkAddresses: true,
    });
    expect(judgeUrl(new URL('http://10.0.0.5/admin'), publicApi)).toEqual({
      allowed: false,
      reason: '10.0.0.5 is a private address',
    });
    expect(
      judgeUrl(new URL('http://[::ffff:169.254.169.254]/latest/meta-data'), publicApi),
    ).toEqual({
      allowed: false,
      reason: '::ffff:a9fe:a9fe is a metadata address',
    });
  });

  it('refuses every scheme but http(s)', () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x.png', 'gopher://example.com/'])
      expect(judgeUrl(new URL(url), publicApi).allowed, url).toBe(false);
  });

  it("trusts the API's own kind of network when it is on one, but never a metadata address", () => {
    const selfHosted = downloadRules('http://10.0.0.5:8080/v1', [], []);
    expect(judgeAddress('10.0.0.9', selfHosted)).toEqual({ allowed: true });
    expect(judgeAddress('127.0.0.1', selfHosted).allowed).toBe(false);
    expect(judgeAddress('169.254.169.254', selfHosted).allowed).toBe(false);
    const byName = downloadRules('http://gateway.internal:8080/v1', [], ['192.168.4.2']);
    expect(byName.trustedHosts.has('gateway.internal')).toBe(true);
    expect(judgeAddress('192.168.9.9', byName)).toEqual({ allowed: true });
    const onLoopback = downloadRules('http://localhost:8787/v1', [], ['::1', '127.0.0.1']);
    expect([...onLoopback.trustedRanges]).toEqual(['loopback']);
    expect(judgeAddress('127.0.0.2', onLoopback)).toEqual({ allowed: true });
  });

  it('downloads from the hosts IMAGES_DOWNLOAD_HOSTS lists whatever their address', () => {
    const listed = downloadRules('https://api.openai.com/v1', ['Storage.Internal'], []);
    expect(judgeUrl(new URL('http://storage.internal:9000/b/x.png'), listed)).toEqual({
      allowed: true,
      checkAddresses: false,
    });
  });
});

/** An "internal" service on loopback: what a redirect must not reach unless the rules allow it. */
const internalServer = async (body: Buffer) => {
  const hits: string[] = [];
  const server: Server = createServer((request, response) => {
    hits.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    hits,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const request: ImageRequest = { prompt: 'a fox', model: 'dall-e-2', size: '256x256', count: 1 };

let fake: FakeImagesApi;
let internal: Awaited<ReturnType<typeof internalServer>>;
beforeEach(async () => {
  fake = await startFakeImagesApi({ responseMode: 'url' });
  internal = await internalServer(Buffer.from('root:x:0:0:root:/root:/bin/bash\n'));
});
afterEach(async () => {
  await fake.close();
  await internal.close();
});

const client = (overrides: Partial<ImagesClientOptions> = {}) =>
  createImagesClient({
    baseUrl: fake.baseUrl,
    apiKey: 'test-key',
    maxRetries: 2,
    retryBaseDelayMs: 5,
    timeoutMs: 5_000,
    ...overrides,
  });

/** As if the API were public: its own host (127.0.0.1) is trusted by name, loopback is not. */
const loopbackRefused = (hosts: string[] = []): DownloadRules => ({
  ...downloadRules(fake.baseUrl, hosts, []),
  trustedRanges: new Set(),
});

const failure = async (promise: Promise<unknown>): Promise<ImagesApiError> => {
  const error = await promise.then(
    () => expect.unreachable('the call should have failed'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImagesApiError);
  return error as ImagesApiError;
};

describe('url downloads and redirects', () => {
  it.each([
    ['a loopback name', () => `http://localhost:${internal.port}/secret`, 'loopback address'],
    [
      'a loopback address',
      () => `http://127.0.0.2:${internal.port}/secret`,
      '127.0.0.2 is a loopback',
    ],
    ['an IPv6 loopback address', () => `http://[::1]:${internal.port}/secret`, '::1 is a loopback'],
    ['a file url', () => 'file:///etc/passwd', 'file: is not http(s)'],
  ])(
    'refuses a redirect to %s the rules exclude, without connecting or retrying',
    async (_, location, reason) => {
      fake.failNext(1, { type: 'redirectDownload', location: location() });
      const error = await failure(client({ downloadRules: loopbackRefused() }).generate(request));
      expect(error.kind).toBe('upstream');
      expect(error.message).toContain('refused to download an image');
      expect(error.message).toContain(reason);
      expect(error.details.attempts).toBe(1);
      expect(fake.downloads).toHaveLength(1);
      expect(internal.hits).toEqual([]);
    },
  );

  it('refuses a url item that points at an excluded host in the first place', async () => {
    fake.failNext(1, {
      type: 'customBody',
      body: JSON.stringify({ data: [{ url: `http://localhost:${internal.port}/admin` }] }),
    });
    const error = await failure(client({ downloadRules: loopbackRefused() }).generate(request));
    expect(error.message).toContain('refused to download an image: localhost resolves to');
    expect(internal.hits).toEqual([]);
  });

  it('stops following redirects after five', async () => {
    const loop = createServer((_, response) =>
      response.writeHead(302, { location: '/again' }).end(),
    );
    await new Promise<void>((resolve) => loop.listen(0, '127.0.0.1', resolve));
    const { port } = loop.address() as AddressInfo;
    try {
      fake.failNext(1, { type: 'redirectDownload', location: `http://127.0.0.1:${port}/start` });
      const error = await failure(client().generate(request));
      expect(error.message).toContain('more than 5 redirects');
    } finally {
      loop.closeAllConnections();
      await new Promise((resolve) => loop.close(resolve));
    }
  });

  it.each([
    ['to a host IMAGES_DOWNLOAD_HOSTS lists', () => loopbackRefused(['localhost'])],
    [
      "within the API's own network when the API is on one (a self-hosted gateway)",
      () => undefined,
    ],
  ])('follows a redirect %s', async (_, rules) => {
    await internal.close();
    const png = solidPng({ width: 16, height: 16 }, 'allowed');
    internal = await internalServer(png);
    fake.failNext(1, {
      type: 'redirectDownload',
      location: `http://localhost:${internal.port}/bucket/x.png`,
    });
    const downloadRules = rules();
    const result = await client(downloadRules && { downloadRules }).generate(request);
    expect(result.images[0]?.bytes).toEqual(png);
    expect(internal.hits).toEqual(['/bucket/x.png']);
  });

  it('refuses what an allowed redirect serves when it is not an image', async () => {
    fake.failNext(1, {
      type: 'redirectDownload',
      location: `http://localhost:${internal.port}/secret`,
    });
    const error = await failure(client().generate(request));
    expect(error.message).toContain('not an image');
    expect(internal.hits).toEqual(['/secret']);
  });
});

describe('image bytes in memory', () => {
  const mib = 1024 * 1024;

  it.each(['b64_json', 'url'] as const)(
    'fails an attempt whose %s answer never ends once it passes the per-request cap, without retrying',
    async (mode) => {
      fake.setResponseMode(mode);
      fake.failNext(1, { type: 'endless' });
      const error = await failure(client({ maxJobBytes: 2 * mib }).generate(request));
      expect(error.kind).toBe('tooLarge');
      expect(error.message).toContain(`more than ${2 * mib} bytes`);
      expect(error.details.attempts).toBe(1);
      expect(fake.requests).toHaveLength(1);
    },
  );

  it('fails an attempt that would take the process past IMAGES_MAX_INFLIGHT_BYTES', async () => {
    fake.setResponseMode('b64_json');
    fake.failNext(1, { type: 'endless' });
    const error = await failure(
      client({ maxInflightBytes: 1 * mib, maxJobBytes: 2 * mib }).generate(request),
    );
    expect(error.message).toContain(`would pass IMAGES_MAX_INFLIGHT_BYTES (${mib})`);
  });

  it('shares the process budget between attempts and gets every byte back when they end', async () => {
    fake.setResponseMode('b64_json');
    fake.setFault({ type: 'endless' });
    const images = client({ maxInflightBytes: 3 * mib, maxJobBytes: 2 * mib });
    const errors = await Promise.all(
      Array.from({ length: 4 }, () => failure(images.generate(request))),
    );
    expect(errors.map((error) => error.kind)).toEqual([
      'tooLarge',
      'tooLarge',
      'tooLarge',
      'tooLarge',
    ]);

    // Had any bytes been kept, three more megabytes could not fit again and again.
    fake.setFault(undefined);
    for (let round = 0; round < 3; round++)
      expect((await images.generate({ ...request, count: 4 })).images).toHaveLength(4);
  });

  it('counts each attempt against its own cap and all of them against the process cap', () => {
    const budget = new InflightBudget(100, 60);
    const first = budget.forJob();
    const second = budget.forJob();
    first.take(50);
    expect(() => first.take(20)).toThrow('more than 60 bytes');
    second.take(40);
    expect(() => second.take(20)).toThrow('hold 90 bytes of images and this one would pass');
    expect(budget.held).toBe(90);
    first.release();
    first.release();
    expect(budget.held).toBe(40);
    second.take(20);
    second.release();
    expect(budget.held).toBe(0);
  });
});
