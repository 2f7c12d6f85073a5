import { describe, expect, it } from 'vitest';
import { delivery, requester, smallRequest, type Harness } from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';

const startHarness = harnessPerTest();

/** A cap of 4 images per 800 ms window: short, so the test waits less than a second. */
const start = async () => {
  const harness = await startHarness({
    queue: { concurrency: 8, imagesPerMinute: 4 },
    service: { rateWindowMs: 800 },
  });
  return harness;
};

const startedAt = (reporter: Harness['reporter'], jobId: string) =>
  reporter.recorded.find(({ job, event }) => job.id === jobId && event.type === 'started')?.at ??
  Number.NaN;

describe('the images-per-minute cap', () => {
  it('counts images, not requests, and holds what would exceed the window until it slides', async () => {
    const { service, reporter, api } = await start();
    const before = Date.now();
    const submitted = [];
    for (let index = 0; index < 4; index++)
      submitted.push(
        await service.submit(
          smallRequest(`two ${index}`, 2),
          requester('g1', `u${index}`),
          delivery,
        ),
      );
    // Two 2-image jobs fill the window of 4; the others wait, in order, at the cap.
    expect(submitted.map(({ position }) => position)).toEqual([0, 0, 1, 2]);
    await Promise.all(submitted.map(({ job }) => reporter.next(job.id, 'completed')));

    const [first, second, third, fourth] = submitted.map(({ job }) => startedAt(reporter, job.id));
    expect(third).toBeGreaterThanOrEqual(before + 800);
    expect(fourth).toBeGreaterThanOrEqual(before + 800);
    expect(Math.max(first ?? 0, second ?? 0)).toBeLessThan(third ?? 0);
    expect(api.requests).toHaveLength(4);
  });

  it('keeps the chosen order at the cap: a large job is not overtaken by a later small one', async () => {
    const { service, reporter, api } = await start();
    const large = [
      await service.submit(smallRequest('large 1', 3), requester('g1', 'u1'), delivery),
      await service.submit(smallRequest('large 2', 3), requester('g2', 'u2'), delivery),
    ];
    // One image would fit beside the first job, but it waits behind the second large one.
    const small = await service.submit(smallRequest('small', 1), requester('g3', 'u3'), delivery);
    expect([...large, small].map(({ position }) => position)).toEqual([0, 1, 2]);
    await reporter.next(small.job.id, 'completed');

    expect(api.requests.map((request) => request.body?.prompt)).toEqual([
      'large 1',
      'large 2',
      'small',
    ]);
    expect(startedAt(reporter, small.job.id)).toBeGreaterThanOrEqual(
      startedAt(reporter, large[1]?.job.id ?? ''),
    );
  });
});
