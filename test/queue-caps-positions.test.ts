import { describe, expect, it } from 'vitest';
import { UserError } from '#core/errors.js';
import type { JobEvent } from '#core/jobs.js';
import { delivery, requester, smallRequest } from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';

const startHarness = harnessPerTest();

const refusalOf = (error: unknown) =>
  error instanceof UserError ? { identifier: error.identifier, context: error.context } : error;

describe('caps on pending jobs', () => {
  it("refuses a user's job past their cap, and a guild's past its cap, spending nothing", async () => {
    const harness = await startHarness({
      queue: { concurrency: 1, maxPendingPerUser: 2, maxPendingPerGuild: 3, shutdownGraceMs: 0 },
      api: { latencyMs: 10_000 },
    });
    const { service, api, reporter } = harness;
    await service.submit(smallRequest('u1 first'), requester('g1', 'u1'), delivery);
    const second = await service.submit(smallRequest('u1 second'), requester('g1', 'u1'), delivery);

    const userRefusal = await service
      .submit(smallRequest('u1 third', 4), requester('g1', 'u1'), delivery)
      .catch(refusalOf);
    expect(userRefusal).toEqual({
      identifier: 'tooManyPendingForUser',
      context: { limit: 2, pending: 2 },
    });
    expect((await service.standing('g1', 'u1')).user.used).toBe(2);

    await service.submit(smallRequest('u2 first'), requester('g1', 'u2'), delivery);
    const guildRefusal = await service
      .submit(smallRequest('u3 first', 4), requester('g1', 'u3'), delivery)
      .catch(refusalOf);
    expect(guildRefusal).toEqual({
      identifier: 'tooManyPendingInGuild',
      context: { limit: 3, pending: 3 },
    });
    expect((await service.standing('g1', 'u3')).user.used).toBe(0);
    expect(reporter.recorded.filter(({ job }) => job.requester.userId === 'u3')).toEqual([]);

    // A job that ends frees its place under the caps.
    await service.cancel(second.job.id, { userId: 'u1', isAdmin: false });
    await service.submit(smallRequest('u1 again'), requester('g1', 'u1'), delivery);
    expect(api.requests.map((request) => request.body?.prompt)).not.toContain('u3 first');
  });
});

describe('position updates', () => {
  it('tells a waiting job its falling position, at most once per interval and only on change', async () => {
    const intervalMs = 300;
    const harness = await startHarness({
      queue: { concurrency: 1 },
      api: { latencyMs: 150 },
      service: { positionIntervalMs: intervalMs },
    });
    const { service, reporter, api } = harness;
    api.failNext(1, { type: 'hang' });
    const blocker = await service.submit(smallRequest('blocker'), requester('g1', 'u1'), delivery);
    const waiting = [];
    for (let index = 0; index < 4; index++)
      waiting.push(
        await service.submit(smallRequest(`waiting ${index}`), requester('g1', 'u1'), delivery),
      );
    expect(waiting.map(({ position }) => position)).toEqual([1, 2, 3, 4]);
    await api.received(1);
    await service.cancel(blocker.job.id, { userId: 'u1', isAdmin: false });

    const last = waiting[3]?.job.id ?? '';
    await reporter.next(last, 'completed');
    const updates = reporter.recorded.filter(
      (recorded): recorded is typeof recorded & { event: Extract<JobEvent, { type: 'queued' }> } =>
        recorded.job.id === last && recorded.event.type === 'queued',
    );
    const positions = updates.map(({ event }) => event.position);
    expect(positions[0]).toBe(4);
    expect(positions.length).toBeGreaterThanOrEqual(2);
    for (let index = 1; index < updates.length; index++) {
      expect(positions[index]).toBeLessThan(positions[index - 1] ?? 0);
      expect(positions[index]).toBeGreaterThanOrEqual(1);
    }
    // Throttled: the reports after the first are at least one interval apart (a little slack for
    // the millisecond clock).
    for (let index = 2; index < updates.length; index++)
      expect((updates[index]?.at ?? 0) - (updates[index - 1]?.at ?? 0)).toBeGreaterThanOrEqual(
        intervalMs - 10,
      );
    expect(reporter.typesOf(last).slice(-2)).toEqual(['started', 'completed']);
  });
});
