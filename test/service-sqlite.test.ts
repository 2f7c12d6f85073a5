import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { delivery, requester, smallRequest } from './support/service-harness.js';
import { harnessPerTest } from './support/harness-per-test.js';
import { makeTempDir } from './support/tmp.js';

const startHarness = harnessPerTest();

describe('the service on a SQLite store', () => {
  it('commits a delivered job, refunds a refused one and keeps results across a reopen', async () => {
    const storeUrl = `sqlite://${join(await makeTempDir(), 'service.sqlite')}`;
    const first = await startHarness({ storeUrl, quota: { userLimit: 5, guildLimit: 50 } });
    const { service, reporter, api } = first;

    const delivered = await service.submit(
      smallRequest('kept', 2),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(delivered.job.id, 'completed');
    await first.archive.save('slack', '1712.0001', delivered.job.request);

    api.failNext(1, { type: 'moderation' });
    const refused = await service.submit(
      smallRequest('refused', 3),
      requester('g1', 'u1'),
      delivery,
    );
    expect((await reporter.next(refused.job.id, 'failed')).failure.reason).toBe('contentPolicy');
    expect((await service.standing('g1', 'u1')).user).toMatchObject({ used: 2, remaining: 3 });
    await first.close();

    // A restart: a new service on the same file sees the spent images and the kept result.
    const second = await startHarness({ storeUrl, quota: { userLimit: 5, guildLimit: 50 } });
    expect((await second.service.standing('g1', 'u1')).user.used).toBe(2);
    expect(await second.archive.load('slack', '1712.0001')).toEqual(delivered.job.request);
  });
});
