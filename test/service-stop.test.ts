import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { UserError } from '#core/errors.js';
import { delivery, requester, smallRequest } from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';
import { makeTempDir } from './support/tmp.js';

const start = harnessPerTest({ quota: { userLimit: 20, guildLimit: 100 } });

const identifierOf = (error: unknown) => (error instanceof UserError ? error.identifier : error);

describe('cancel', () => {
  it('removes a queued job before it reaches the API, refunds it and reports cancelled', async () => {
    const { service, reporter, api } = await start({
      queue: { concurrency: 1 },
      api: { latencyMs: 10_000 },
    });
    const running = await service.submit(smallRequest('first'), requester('g1', 'u1'), delivery);
    const queued = await service.submit(smallRequest('second', 3), requester('g1', 'u1'), delivery);
    expect(queued.position).toBe(1);
    expect((await service.standing('g1', 'u1')).user.used).toBe(4);

    await service.cancel(queued.job.id, { userId: 'u1', isAdmin: false });
    expect(reporter.eventsOf(queued.job.id)).toEqual([
      { type: 'queued', position: 1 },
      { type: 'cancelled', byUserId: 'u1' },
    ]);
    expect((await service.standing('g1', 'u1')).user.used).toBe(1);
    await service.cancel(running.job.id, { userId: 'u1', isAdmin: false });
    expect(api.requests.map((request) => request.body?.prompt)).not.toContain('second');
  });

  it('aborts a running job, refunds it and reports cancelled, not failed', async () => {
    const { service, reporter, api } = await start({ api: { latencyMs: 5_000 } });
    const { job } = await service.submit(smallRequest('slow', 2), requester('g1', 'u1'), delivery);
    await reporter.next(job.id, 'started');
    await api.received(1);

    await service.cancel(job.id, { userId: 'u1', isAdmin: false });
    expect(reporter.typesOf(job.id)).toEqual(['queued', 'started', 'cancelled']);
    expect((await service.standing('g1', 'u1')).user.used).toBe(0);
  });

  it("lets an admin cancel someone else's job but refuses other users", async () => {
    const { service, reporter } = await start({ api: { latencyMs: 5_000 } });
    const { job } = await service.submit(smallRequest('mine'), requester('g1', 'owner'), delivery);

    const refusal = await service
      .cancel(job.id, { userId: 'stranger', isAdmin: false })
      .catch((error: unknown) => error);
    expect(identifierOf(refusal)).toBe('notAllowed');
    expect(reporter.typesOf(job.id)).not.toContain('cancelled');

    await service.cancel(job.id, { userId: 'moderator', isAdmin: true });
    expect(await reporter.next(job.id, 'cancelled')).toEqual({
      type: 'cancelled',
      byUserId: 'moderator',
    });
    expect((await service.standing('g1', 'owner')).user.used).toBe(0);
  });

  it('refuses a job it does not know, and a job that already ended', async () => {
    const { service, reporter } = await start({});
    const unknown = await service
      .cancel('no-such-job', { userId: 'u1', isAdmin: true })
      .catch((error: unknown) => error);
    expect(identifierOf(unknown)).toBe('unknownJob');

    const { job } = await service.submit(smallRequest('quick'), requester('g1', 'u1'), delivery);
    await reporter.next(job.id, 'completed');
    const ended = await service
      .cancel(job.id, { userId: 'u1', isAdmin: false })
      .catch((error: unknown) => error);
    expect(identifierOf(ended)).toBe('unknownJob');
    expect((await service.standing('g1', 'u1')).user.used).toBe(1);
  });
});

describe('the job deadline', () => {
  it('aborts a running job past its deadline, fails it with deadline and refunds it', async () => {
    const { service, reporter } = await start({
      queue: { jobDeadlineMs: 300 },
      api: { latencyMs: 5_000 },
    });
    const { job } = await service.submit(
      smallRequest('too slow', 2),
      requester('g1', 'u1'),
      delivery,
    );
    expect(await reporter.next(job.id, 'failed')).toEqual({
      type: 'failed',
      failure: { reason: 'deadline' },
    });
    expect(reporter.typesOf(job.id)).toEqual(['queued', 'started', 'failed']);
    expect((await service.standing('g1', 'u1')).user.used).toBe(0);
  });

  it('fails a job whose deadline passes while it waits, without calling the API for it', async () => {
    // One image per long window: the second job waits for its turn at the rate cap.
    const { service, reporter, api } = await start({
      queue: { jobDeadlineMs: 400, imagesPerMinute: 1 },
      service: { rateWindowMs: 60_000 },
    });
    const first = await service.submit(smallRequest('first'), requester('g1', 'u1'), delivery);
    const waiting = await service.submit(smallRequest('waiter'), requester('g1', 'u2'), delivery);
    expect(waiting.position).toBe(1);
    expect((await reporter.next(waiting.job.id, 'failed')).failure).toEqual({ reason: 'deadline' });
    expect(reporter.typesOf(waiting.job.id)).toEqual(['queued', 'failed']);
    expect(reporter.typesOf(first.job.id)).toEqual(['queued', 'started', 'completed']);
    expect(api.requests.map((request) => request.body?.prompt)).toEqual(['first']);
    expect((await service.standing('g1', 'u2')).user.used).toBe(0);
  });
});

describe('shutdown', () => {
  it('lets the running job finish, suspends every queued one with its hold, and refuses new work', async () => {
    const { service, reporter, api } = await start({
      queue: { concurrency: 1, shutdownGraceMs: 5_000 },
      // Long enough that the other two are surely still waiting when shutdown begins.
      api: { latencyMs: 1_000 },
    });
    const running = await service.submit(smallRequest('running'), requester('g1', 'u1'), delivery);
    const queued = [
      await service.submit(smallRequest('queued a', 2), requester('g1', 'u2'), delivery),
      await service.submit(smallRequest('queued b', 3), requester('g2', 'u3'), delivery),
    ];

    await service.shutdown();
    expect(reporter.typesOf(running.job.id)).toEqual(['queued', 'started', 'completed']);
    for (const { job } of queued) {
      expect(reporter.eventsOf(job.id).at(-1)).toEqual({ type: 'suspended' });
      expect(reporter.typesOf(job.id)).not.toContain('started');
    }
    expect(api.requests.map((request) => request.body?.prompt)).toEqual(['running']);
    expect((await service.standing('g1', 'u1')).user.used).toBe(1);
    // Still held, not spent: the jobs run at the next start, or lapse at their deadline.
    expect((await service.standing('g1', 'u2')).user.used).toBe(2);
    expect((await service.standing('g2', 'u3')).user.used).toBe(3);

    const refusal = await service
      .submit(smallRequest('late'), requester('g1', 'u1'), delivery)
      .catch((error: unknown) => error);
    expect(identifierOf(refusal)).toBe('shuttingDown');
  });

  it('suspends a running job that outlasts the grace period instead of refunding it', async () => {
    const { service, reporter } = await start({
      queue: { shutdownGraceMs: 100 },
      api: { latencyMs: 5_000 },
    });
    const { job } = await service.submit(
      smallRequest('endless', 2),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(job.id, 'started');
    await service.shutdown();
    expect(reporter.eventsOf(job.id).at(-1)).toEqual({ type: 'suspended' });
    expect((await service.standing('g1', 'u1')).user.used).toBe(2);
  });
});

describe('a restart on the same SQLite file', () => {
  it('resumes suspended jobs in order, running again the one cut off, each charged once', async () => {
    const storeUrl = `sqlite://${join(await makeTempDir('resume-'), 'bot.sqlite')}`;
    const quota = { userLimit: 10, guildLimit: 100 };
    const first = await start({
      storeUrl,
      quota,
      queue: { concurrency: 1, shutdownGraceMs: 100 },
      api: { latencyMs: 2_000 },
    });
    const cutOff = await first.service.submit(
      smallRequest('cut off', 2),
      requester('g1', 'u1'),
      delivery,
    );
    const waiting = [
      await first.service.submit(smallRequest('waiting a'), requester('g1', 'u2'), delivery),
      await first.service.submit(smallRequest('waiting b', 3), requester('g2', 'u3'), delivery),
    ];
    await first.reporter.next(cutOff.job.id, 'started');
    await first.close();

    const second = await start({ storeUrl, quota });
    const ids = [cutOff, ...waiting].map(({ job }) => job.id);
    for (const id of ids) expect((await second.reporter.ending(id)).type).toBe('completed');
    expect(
      second.reporter.recorded
        .filter(({ event }) => event.type === 'queued')
        .map(({ job }) => job.id),
    ).toEqual(ids);
    expect(second.api.requests.map((request) => request.body?.prompt)).toEqual([
      'cut off',
      'waiting a',
      'waiting b',
    ]);
    expect((await second.service.standing('g1', 'u1')).user.used).toBe(2);
    expect((await second.service.standing('g1', 'u2')).user.used).toBe(1);
    expect((await second.service.standing('g2', 'u3')).user.used).toBe(3);

    // Ended jobs leave the journal: a third start has nothing to resume.
    await second.close();
    const third = await start({ storeUrl, quota });
    expect(await third.service.resume()).toEqual({ resumed: 0, expired: 0 });
  });

  it('refunds a job whose deadline passed while the bot was down, and tells its owner', async () => {
    const storeUrl = `sqlite://${join(await makeTempDir('resume-late-'), 'bot.sqlite')}`;
    const first = await start({
      storeUrl,
      queue: { concurrency: 1, shutdownGraceMs: 100 },
      api: { latencyMs: 2_000 },
    });
    await first.service.submit(smallRequest('running'), requester('g1', 'u1'), delivery);
    const late = await first.service.submit(
      smallRequest('late', 2),
      requester('g1', 'u2'),
      delivery,
    );
    await first.close();

    // Back after the job deadline (10 s in these tests).
    const later = { now: () => Date.now() + 60_000 };
    const second = await start({ storeUrl, service: { clock: later } });
    expect(await second.reporter.ending(late.job.id)).toEqual({
      type: 'failed',
      failure: { reason: 'deadline' },
    });
    expect(second.api.requests).toHaveLength(0);
    expect((await second.service.standing('g1', 'u2')).user.used).toBe(0);
  });
});
