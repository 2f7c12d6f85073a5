import { afterEach, expect, it } from 'vitest';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';
import { RecordingReporter } from './support/recording-reporter.js';
import { delivery, requester, smallRequest, wireService, type WiredService } from './support/service-harness.js';
import { describeRedis, redisUrl } from './support/redis.js';

let open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.reverse()) await item.close();
  open = [];
});

describeRedis('shared queue smoke', () => {
  it('a job queued at a gateway is run by a worker and delivered once', async () => {
    const api: FakeImagesApi = await startFakeImagesApi({ latencyMs: 50 });
    open.push(api);
    const namespace = `sq-${process.pid}-${Date.now()}`;
    const reporter = new RecordingReporter();
    const gateway: WiredService = await wireService(api.baseUrl, reporter, { storeUrl: redisUrl, storeNamespace: namespace, role: 'gateway' });
    open.push(gateway);
    const worker: WiredService = await wireService(api.baseUrl, reporter, { storeUrl: redisUrl, storeNamespace: namespace, role: 'worker' });
    open.push(worker);
    const { job } = await gateway.service.submit(smallRequest('hello'), requester('g1', 'u1'), delivery);
    await reporter.next(job.id, 'completed');
    await new Promise((r) => setTimeout(r, 300));
    console.log(reporter.typesOf(job.id));
    expect(reporter.typesOf(job.id).filter((t) => t === 'completed')).toHaveLength(1);
  }, 20_000);
});
