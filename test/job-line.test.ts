import { describe, expect, it } from 'vitest';
import { JobLine } from '#core/generation/job-line.js';
import type { JobEvent } from '#core/jobs.js';

/** A delivery that takes until the test lets it go, recording what it was handed. */
const slowDelivery = () => {
  const delivered: JobEvent[] = [];
  const waiting: Array<() => void> = [];
  return {
    delivered,
    deliver: (event: JobEvent) =>
      new Promise<void>((resolve) => {
        delivered.push(event);
        waiting.push(resolve);
      }),
    /** Finishes the delivery in flight, then lets the line take its next step. */
    finishOne: async () => {
      waiting.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
};

const cancelled: JobEvent = { type: 'cancelled', byUserId: 'u1' };

describe('one job line', () => {
  it('delivers the first event before anything sent earlier, then the newest progress only', async () => {
    const delivery = slowDelivery();
    const line = new JobLine(delivery.deliver, 0, Date);
    line.progress({ type: 'started' });
    line.open({ type: 'queued', position: 3 });
    line.progress({ type: 'queued', position: 2 });
    line.progress({ type: 'queued', position: 1 });
    expect(delivery.delivered).toEqual([{ type: 'queued', position: 3 }]);

    await delivery.finishOne();
    expect(delivery.delivered).toEqual([
      { type: 'queued', position: 3 },
      { type: 'queued', position: 1 },
    ]);
  });

  it('waits out the interval between two progress deliveries, keeping only the newest', async () => {
    let now = 1_000;
    const delivery = slowDelivery();
    const line = new JobLine(delivery.deliver, 50, { now: () => now });
    line.open({ type: 'queued', position: 2 });
    await delivery.finishOne();
    line.progress({ type: 'queued', position: 1 });
    line.progress({ type: 'started' });
    expect(delivery.delivered).toHaveLength(1);

    now += 50;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(delivery.delivered.at(-1)).toEqual({ type: 'started' });
    expect(delivery.delivered).toHaveLength(2);
  });

  it('delivers the ending after the delivery in flight, in place of waiting progress, once', async () => {
    const delivery = slowDelivery();
    const line = new JobLine(delivery.deliver, 0, Date);
    line.open({ type: 'queued', position: 1 });
    line.progress({ type: 'started' });
    const ended = line.end(cancelled);
    const again = line.end({ type: 'failed', failure: { reason: 'deadline' } });
    line.progress({ type: 'queued', position: 4 });
    let done = false;
    void ended.then(() => (done = true));

    await delivery.finishOne();
    expect(delivery.delivered).toEqual([{ type: 'queued', position: 1 }, cancelled]);
    expect(done).toBe(false);
    await delivery.finishOne();
    await expect(ended).resolves.toBeUndefined();
    await expect(again).resolves.toBeUndefined();
    expect(delivery.delivered).toEqual([{ type: 'queued', position: 1 }, cancelled]);
  });
});
