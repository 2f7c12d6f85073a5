/**
 * Audit of issue 3's "the store keeps, for 30 days, each delivered result's settings under its
 * platform message id": through the service's own rememberResult/recallResult on a real SQLite
 * file, reopened as after a restart. Only `Date` is faked (timers and I/O stay real), since keyv
 * judges expiry by `Date.now()` when it reads.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { delivery, requester, smallRequest } from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';
import { makeTempDir } from './support/tmp.js';

const startHarness = harnessPerTest();
const dayMs = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('delivered results on SQLite', () => {
  it('are recalled after a restart for 30 days, and forgotten after', async () => {
    const storeUrl = `sqlite://${join(await makeTempDir('audit-retention-'), 'results.sqlite')}`;
    const deliveredAt = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: deliveredAt });

    const first = await startHarness({ storeUrl });
    const { job } = await first.service.submit(
      smallRequest('a harbour at dawn'),
      requester('g1', 'u1'),
      delivery,
    );
    await first.reporter.next(job.id, 'completed');
    await first.archive.save('slack', 'C1:1700000000.000100', job.request);
    await first.close();

    const second = await startHarness({ storeUrl });
    vi.setSystemTime(deliveredAt + 29 * dayMs);
    expect(await second.archive.load('slack', 'C1:1700000000.000100')).toEqual(job.request);
    vi.setSystemTime(deliveredAt + 30 * dayMs + 60_000);
    expect(await second.archive.load('slack', 'C1:1700000000.000100')).toBeUndefined();
  });
});
