import { describe, expect, it } from 'vitest';
import { delivery, requester, smallRequest, type Harness } from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';

const startHarness = harnessPerTest();

/** Prompts in the order their requests reached the fake Images API: the upstream start order. */
const upstreamOrder = (api: Harness['api']) =>
  api.requests.map((request) => String(request.body?.prompt));

const submitMany = async (
  service: Harness['service'],
  guildId: string,
  userId: string,
  count: number,
) => {
  const jobs = [];
  for (let index = 0; index < count; index++)
    jobs.push(
      (
        await service.submit(
          smallRequest(`${guildId}/${userId}/${index}`),
          requester(guildId, userId),
          delivery,
        )
      ).job,
    );
  return jobs;
};

describe('fair scheduling across guilds and users', () => {
  it("starts a second guild's first job within the first C + 1 starts behind another guild's burst", async () => {
    const concurrency = 2;
    const harness = await startHarness({ queue: { concurrency } });
    const { service, reporter, api } = harness;
    // A's first two jobs hold both slots (their upstream never answers) until this test frees
    // them, so the whole burst is queued first however slowly the machine submits.
    api.failNext(concurrency, { type: 'hang' });
    const burst = await submitMany(service, 'A', 'a', 20);
    const late = [];
    for (let index = 0; index < 3; index++)
      late.push(await service.submit(smallRequest(`B/b/${index}`), requester('B', 'b'), delivery));
    expect(late.map(({ position }) => position)).toEqual([1, 3, 5]);
    await api.received(concurrency);

    // One slot frees; everything after runs in it one at a time, in the order the scheduler chose.
    await service.cancel(burst[0]?.id ?? '', { userId: 'a', isAdmin: false });
    await Promise.all(late.map(({ job }) => reporter.next(job.id, 'completed')));

    const order = upstreamOrder(api);
    expect(order.indexOf('B/b/0')).toBe(concurrency);
    expect(order.slice(0, 7)).toEqual([
      'A/a/0',
      'A/a/1',
      'B/b/0',
      'A/a/2',
      'B/b/1',
      'A/a/3',
      'B/b/2',
    ]);
  });

  it('takes turns across users inside a guild, each user first come first served', async () => {
    const harness = await startHarness({ queue: { concurrency: 1 } });
    const { service, reporter, api } = harness;
    api.failNext(1, { type: 'hang' });
    const [blocker] = await submitMany(service, 'G', 'first', 1);
    const jobs = [
      ...(await submitMany(service, 'G', 'u1', 3)),
      ...(await submitMany(service, 'G', 'u2', 2)),
      ...(await submitMany(service, 'G', 'u3', 1)),
    ];
    // Until it arrives, the hang queued for it could fall on a later request instead.
    await api.received(1);
    await service.cancel(blocker?.id ?? '', { userId: 'first', isAdmin: false });
    await Promise.all(jobs.map((job) => reporter.next(job.id, 'completed')));

    expect(upstreamOrder(api)).toEqual([
      'G/first/0',
      'G/u1/0',
      'G/u2/0',
      'G/u3/0',
      'G/u1/1',
      'G/u2/1',
      'G/u1/2',
    ]);
  });

  it('gives positions from the fair order, so a newcomer guild is placed ahead of a backlog', async () => {
    const harness = await startHarness({ queue: { concurrency: 1 } });
    const { service, reporter, api } = harness;
    api.failNext(1, { type: 'hang' });
    const submitted = [];
    for (let index = 0; index < 4; index++)
      submitted.push(
        await service.submit(smallRequest(`A/a/${index}`), requester('A', 'a'), delivery),
      );
    const newcomer = await service.submit(smallRequest('B/b/0'), requester('B', 'b'), delivery);
    expect(submitted.map(({ position }) => position)).toEqual([0, 1, 2, 3]);
    // Not 4 (FIFO): B has had no turn yet, while A had one when its first job started.
    expect(newcomer.position).toBe(1);
    // Until it arrives, the hang queued for it could fall on a later request instead.
    await api.received(1);
    await service.cancel(submitted[0]?.job.id ?? '', { userId: 'a', isAdmin: false });
    await reporter.next(newcomer.job.id, 'completed');
    await service.shutdown();
    expect(upstreamOrder(api).slice(0, 2)).toEqual(['A/a/0', 'B/b/0']);
  });
});
