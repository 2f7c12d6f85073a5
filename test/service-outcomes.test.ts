import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UserError } from '#core/errors.js';
import type { Fault } from './fakes/images-api.js';
import { createLogger } from '#core/log.js';
import { InvalidOptionsError } from '#core/service-api.js';
import { RecordingReporter } from './support/recording-reporter.js';
import { makeTempDir } from './support/tmp.js';
import {
  delivery,
  requester,
  smallRequest,
  startHarness,
  type HarnessOptions,
} from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';

const start = harnessPerTest({ quota: { userLimit: 10, guildLimit: 100 } });

/** Log lines as parsed JSON, from a real pino logger writing into memory. */
const capturedLogger = () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
};

describe('a job that succeeds', () => {
  it('reports queued, started and completed in order, and commits the images delivered', async () => {
    const { service, reporter, api } = await start();
    const { job, position } = await service.submit(
      smallRequest('a lighthouse', 3),
      requester('g1', 'u1'),
      delivery,
    );
    expect(position).toBe(0);
    const completed = await reporter.next(job.id, 'completed');
    expect(reporter.typesOf(job.id)).toEqual(['queued', 'started', 'completed']);
    expect(reporter.eventsOf(job.id)[0]).toEqual({ type: 'queued', position: 0 });
    expect(completed.images).toHaveLength(3);
    expect(completed.images[0]?.contentType).toBe('image/png');
    expect(completed.quota.user).toMatchObject({ used: 3, remaining: 7 });
    expect(await service.standing('g1', 'u1')).toMatchObject({
      user: { used: 3 },
      guild: { used: 3 },
    });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.body).toMatchObject({
      prompt: 'a lighthouse',
      n: 3,
      model: 'dall-e-2',
    });
  });

  it('meters the tokens the API reports against the guild token budget', async () => {
    const { service, reporter } = await start({ quota: { guildTokenBudget: 1_000_000 } });
    const { job } = await service.submit(
      { prompt: 'a quiet harbour', model: 'gpt-image-1', size: '1024x1024', quality: 'low' },
      requester('g1', 'u1'),
      delivery,
    );
    const completed = await reporter.next(job.id, 'completed');
    const tokens = completed.usage?.totalTokens;
    expect(tokens).toBeGreaterThan(0);
    expect(completed.quota.tokens?.used).toBe(tokens);
    expect((await service.standing('g1', 'u1')).tokens?.used).toBe(tokens);
  });

  it('streams previews of a streaming model as partial events before the result', async () => {
    const { service, reporter, api } = await start({ service: { partialImages: 2 } });
    const { job } = await service.submit(
      { prompt: 'a fox in snow', model: 'gpt-image-1.5', size: '1024x1024' },
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'completed');
    expect(reporter.typesOf(job.id)).toEqual([
      'queued',
      'started',
      'partial',
      'partial',
      'completed',
    ]);
    expect(api.requests[0]?.body).toMatchObject({ stream: true, partial_images: 2 });
  });

  it('sends a salted hash of the requester upstream, never the platform user id', async () => {
    const { service, reporter, api } = await start();
    const { job } = await service.submit(
      smallRequest('a kite'),
      requester('g1', '123456789'),
      delivery,
    );
    await reporter.next(job.id, 'completed');
    const user = api.requests[0]?.body?.user;
    expect(typeof user).toBe('string');
    expect(String(user)).not.toContain('123456789');
  });

  it('keeps a result whose completed report fails, and tells the requester nothing twice', async () => {
    const reporter = new RecordingReporter({ failOn: ['completed'] });
    const { lines, logger } = capturedLogger();
    const { service } = await start({ reporter, service: { logger } });
    const { job } = await service.submit(
      smallRequest('a bridge', 2),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'completed');
    await service.shutdown();
    expect(reporter.typesOf(job.id)).toEqual(['queued', 'started', 'completed']);
    expect((await service.standing('g1', 'u1')).user.used).toBe(2);
    expect(
      lines.some(
        (line) => line.msg === 'reporting a job event failed' && line.event === 'completed',
      ),
    ).toBe(true);
  });

  it('ends and refunds a job whose address refuses the bot, telling the reporter once more', async () => {
    const reporter = new RecordingReporter({ failOn: ['queued'], undeliverable: true });
    const { service, api } = await start({ reporter, api: { latencyMs: 300 } });
    const { job } = await service.submit(
      smallRequest('a closed room', 2),
      requester('g1', 'u1'),
      delivery,
    );

    expect(await reporter.ending(job.id)).toEqual({
      type: 'failed',
      failure: { reason: 'undeliverable' },
    });
    expect(reporter.typesOf(job.id)).not.toContain('completed');
    expect((await service.standing('g1', 'u1')).user).toMatchObject({ used: 0, remaining: 10 });
    // Upstream was asked at most once, and the answer (if any) was never charged or shown.
    expect(api.requests.length).toBeLessThanOrEqual(1);
  });

  it('keeps the settings of a delivered result under its message for a regenerate', async () => {
    const { service, reporter, archive } = await start();
    const { job } = await service.submit(
      smallRequest('a tower', 2),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'completed');
    await archive.save('discord', 'message-1', job.request);
    expect(await archive.load('discord', 'message-1')).toEqual(job.request);
    expect(await archive.load('slack', 'message-1')).toBeUndefined();
  });
});

describe('a job the Images API refuses', () => {
  const cases: Array<{
    fault: Fault;
    failure: Record<string, unknown>;
    client?: HarnessOptions['client'];
  }> = [
    {
      fault: { type: 'moderation', code: 'moderation_blocked' },
      failure: { reason: 'contentPolicy' },
    },
    {
      fault: { type: 'badRequest', param: 'size' },
      failure: { reason: 'invalidRequest', param: 'size' },
    },
    { fault: { type: 'unauthorized', status: 401 }, failure: { reason: 'misconfigured' } },
    { fault: { type: 'rateLimited', retryAfter: '1' }, failure: { reason: 'rateLimited' } },
    { fault: { type: 'serverError', status: 503 }, failure: { reason: 'upstream' } },
    { fault: { type: 'malformedJson' }, failure: { reason: 'upstream' } },
    {
      fault: { type: 'notAnImage', bytes: Buffer.from('<html>not an image</html>') },
      failure: { reason: 'upstream' },
    },
    {
      fault: { type: 'endless' },
      failure: { reason: 'tooLarge' },
      client: { maxJobBytes: 1 << 20 },
    },
    { fault: { type: 'hang' }, failure: { reason: 'timeout' }, client: { timeoutMs: 200 } },
  ];

  it.each(cases)(
    'fails with $failure.reason on $fault.type and refunds every image',
    async ({ fault, failure, client }) => {
      const { service, reporter, api } = await start({ client });
      api.setFault(fault);
      const { job } = await service.submit(
        smallRequest('a river', 4),
        requester('g1', 'u1'),
        delivery,
      );
      const failed = await reporter.next(job.id, 'failed');
      expect(failed.failure).toEqual(failure);
      expect(reporter.typesOf(job.id)).toEqual(['queued', 'started', 'failed']);
      expect(await service.standing('g1', 'u1')).toMatchObject({
        user: { used: 0 },
        guild: { used: 0 },
      });
    },
  );

  it('logs a refused key loudly, for the operator', async () => {
    const { lines, logger } = capturedLogger();
    const { service, reporter, api } = await start({ service: { logger } });
    api.setFault({ type: 'unauthorized', status: 403 });
    const { job } = await service.submit(smallRequest('a dune'), requester('g1', 'u1'), delivery);
    await reporter.next(job.id, 'failed');
    const line = lines.find((entry) => entry.jobId === job.id && entry.failure === 'misconfigured');
    expect(line?.level).toBe(50);
    expect(JSON.stringify(lines)).not.toContain('test-images-key');
  });
});

describe('a job that fails inside the bot', () => {
  it('fails as internal with an incident id logged with the stack, and still attempts the refund', async () => {
    const { lines, logger } = capturedLogger();
    const dir = await makeTempDir();
    // Not through `start`: this test closes the store itself, and the cleanup must not again.
    const { service, reporter, api, store } = await startHarness({
      storeUrl: `sqlite://${join(dir, 'closing.sqlite')}`,
      api: { latencyMs: 1_000 },
      service: { logger },
    });
    const { job } = await service.submit(smallRequest('a comet'), requester('g1', 'u1'), delivery);
    await reporter.next(job.id, 'started');
    // The store goes away mid-job: the commit after a good answer cannot be written.
    await store.close();
    const failed = await reporter.next(job.id, 'failed');
    await service.shutdown();
    await api.close();
    expect(api.requests).toHaveLength(1);
    expect(failed.failure.reason).toBe('internal');
    expect(failed.failure.incidentId).toMatch(/^[0-9a-f]{8}$/);
    const incident = lines.find((line) => line.incidentId === failed.failure.incidentId);
    expect(incident?.level).toBe(50);
    expect(JSON.stringify(incident?.err)).toContain('stack');
    expect(lines.some((line) => line.jobId === job.id && line.msg === 'refund failed')).toBe(true);
  });
});

describe('a request refused before queueing', () => {
  it('throws every problem with the options and calls nothing upstream', async () => {
    const { service, api, reporter } = await start();
    const refusal = await service
      .submit(
        { prompt: ' ', model: 'dall-e-3', size: '256x256', count: 2 },
        requester('g1', 'u1'),
        delivery,
      )
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InvalidOptionsError);
    expect((refusal as InvalidOptionsError).problems.map((problem) => problem.option)).toEqual([
      'prompt',
      'size',
      'count',
    ]);
    expect(api.requests).toHaveLength(0);
    expect(reporter.recorded).toHaveLength(0);
    expect((await service.standing('g1', 'u1')).user.used).toBe(0);
  });

  it('refuses a request over the quota with quotaExceeded and queues nothing', async () => {
    const { service, api, reporter } = await start({ quota: { userLimit: 2, guildLimit: 100 } });
    const refusal = await service
      .submit(smallRequest('a glacier', 3), requester('g1', 'u1'), delivery)
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as UserError).identifier).toBe('quotaExceeded');
    expect(api.requests).toHaveLength(0);
    expect(reporter.recorded).toHaveLength(0);
  });

  it('refuses a platform with no reporter before reserving anything', async () => {
    const reporter = new RecordingReporter();
    const { service } = await start({ service: { reporters: new Map([['discord', reporter]]) } });
    const slackUser = { ...requester('T1', 'U1'), platform: 'slack' as const };
    await expect(service.submit(smallRequest('a moon'), slackUser, delivery)).rejects.toThrow(
      /no job reporter is set up for slack/,
    );
    expect((await service.standing('T1', 'U1')).user.used).toBe(0);
  });
});
