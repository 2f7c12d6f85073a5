import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  delivery,
  requester,
  smallRequest,
  startHarness,
  type Harness,
} from './support/service-harness.js';
import { makeTempDir } from './support/tmp.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the service on a SQLite store', () => {
  it('commits a delivered job, refunds a refused one and keeps results across a reopen', async () => {
    const storeUrl = `sqlite://${join(await makeTempDir(), 'service.sqlite')}`;
    harness = await startHarness({ storeUrl, quota: { userLimit: 5, guildLimit: 50 } });
    const { service, reporter, api } = harness;

    const delivered = await service.submit(
      smallRequest('kept', 2),
      requester('g1', 'u1'),
      delivery,
    );
    await reporter.next(delivered.job.id, 'completed');
    await service.rememberResult('slack', '1712.0001', delivered.job);

    api.failNext(1, { type: 'moderation' });
    const refused = await service.submit(
      smallRequest('refused', 3),
      requester('g1', 'u1'),
      delivery,
    );
    expect((await reporter.next(refused.job.id, 'failed')).failure.reason).toBe('contentPolicy');
    expect((await service.standing('g1', 'u1')).user).toMatchObject({ used: 2, remaining: 3 });
    await harness.close();

    // A restart: a new service on the same file sees the spent images and the kept result.
    harness = await startHarness({ storeUrl, quota: { userLimit: 5, guildLimit: 50 } });
    expect((await harness.service.standing('g1', 'u1')).user.used).toBe(2);
    expect(await harness.service.recallResult('slack', '1712.0001')).toEqual(delivered.job.request);
  });
});
