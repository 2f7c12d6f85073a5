/**
 * A store that stops answering (Redis frozen with SIGSTOP, its connections still open) must not
 * leave a user waiting: the request is refused in time to say so, and what the store takes late is
 * undone once it answers again.
 */
import { describe, expect, it } from 'vitest';
import { isUserError } from '#core/errors.js';
import { createFairQueue } from '#core/queue/fair-queue.js';
import type { JobQueue } from '#core/queue/types.js';
import { closeAfterEach } from './support/close-after-each.js';
import { startPrivateRedis } from './support/private-redis.js';
import { delivery, requester, smallRequest, startHarness } from './support/service-harness.js';

const later = closeAfterEach();

describe('a store that stops answering', () => {
  it('refuses a submission within 10 seconds, then holds nothing and resumes nothing once back', async () => {
    const redis = await later(await startPrivateRedis(), (server) => server.stop());
    const harness = await later(
      // A deadline well past the test, so only the undo, not the hold's lapse, can free the images.
      await startHarness({
        storeUrl: redis.url,
        quota: { userLimit: 5 },
        queue: { jobDeadlineMs: 120_000 },
      }),
      (running) => running.close(),
    );
    const { service, reporter } = harness;
    // A first job proves the store answers, and warms every connection.
    const warm = await service.submit(smallRequest('before'), requester('g1', 'u1'), delivery);
    await reporter.next(warm.job.id, 'completed');

    redis.hang();
    const startedAt = Date.now();
    const refusal = await service
      .submit(smallRequest('during', 2), requester('g1', 'u1'), delivery)
      .catch((error: unknown) => error);
    const waitedMs = Date.now() - startedAt;
    redis.resume();

    expect(isUserError(refusal) && refusal.identifier).toBe('storeUnavailable');
    expect(waitedMs).toBeLessThan(10_000);
    // The hold the frozen store took late is released once it answers again.
    await expect
      .poll(async () => (await service.standing('g1', 'u1')).user.used, { timeout: 10_000 })
      .toBe(1);
    expect(await service.resume()).toEqual({ resumed: 0, expired: 0 });
    expect(harness.api.requests.map((request) => request.body?.prompt)).toEqual(['before']);
  });

  it('refuses in time when only the queue stops answering (a shared queue counting pending jobs on Redis)', async () => {
    // The store answers; the queue's count of pending jobs, a Redis call on a shared queue, never does.
    const countsNothing = (queue: JobQueue): JobQueue =>
      new Proxy(queue, {
        get: (target, key) => {
          if (key === 'pending') return () => new Promise(() => {});
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const harness = await later(
      await startHarness({
        service: {
          storeWaitMs: 1_000,
          createQueue: (handlers) =>
            countsNothing(
              createFairQueue({
                concurrency: 1,
                imagesPerMinute: null,
                maxPendingPerGuild: 50,
                maxPendingPerUser: 5,
                handlers,
              }),
            ),
        },
      }),
      (running) => running.close(),
    );

    const startedAt = Date.now();
    const refusal = await Promise.race([
      harness.service.submit(smallRequest('stuck'), requester('g1', 'u1'), delivery),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting after 5 s')),
    ]).catch((error: unknown) => error);

    expect(isUserError(refusal) && refusal.identifier).toBe('storeUnavailable');
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect((await harness.service.standing('g1', 'u1')).user.used).toBe(0);
  });
});
