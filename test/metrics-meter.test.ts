/**
 * The metrics port's Prometheus side, in process: token usage and its per-token cost, retries and
 * 429s from the Images client's attempt hook, and chat platforms' REST errors seen on undici's
 * diagnostics channels, each through real HTTP on loopback.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Job } from '#core/jobs.js';
import { JobMeter } from '#core/metered.js';
import { createPrometheusMetrics } from '../src/ops/prometheus.js';
import { countPlatformRestErrors } from '../src/ops/rest-errors.js';
import { closeAfterEach } from './support/close-after-each.js';
import { delivery, requester, smallRequest, startHarness } from './support/service-harness.js';
import { movedSeries, parseExposition } from './support/scrape.js';

const closeLater = closeAfterEach();

const snapshot = async (registry: { metrics(): Promise<string> }) =>
  parseExposition(await registry.metrics());

describe('Prometheus metrics', () => {
  it('count a GPT image job’s tokens and per-token cost, and the 429 it was retried after', async () => {
    const { metrics, registry } = createPrometheusMetrics();
    const harness = closeLater(
      await startHarness({
        metrics,
        client: { maxRetries: 1, retryBaseDelayMs: 1 },
        service: { partialImages: 0 },
      }),
      (opened) => opened.close(),
    );
    harness.api.failNext(1, { type: 'rateLimited', retryAfterMs: 1 });
    const before = await snapshot(registry);

    const { job } = await harness.service.submit(
      { prompt: 'a paper boat', model: 'gpt-image-1', size: '1024x1024', quality: 'low' },
      requester('g1', 'u1'),
      delivery,
    );
    const ending = await harness.reporter.ending(job.id);
    expect(ending.type).toBe('completed');
    const usage = ending.type === 'completed' ? ending.usage : undefined;
    expect(usage?.inputTokens).toBeGreaterThan(0);

    const labels = 'model="gpt-image-1",platform="discord"';
    expect(movedSeries(before, await snapshot(registry))).toEqual({
      [`imagine_jobs_total{outcome="delivered",${labels}}`]: 1,
      [`imagine_job_wait_seconds_count{${labels}}`]: 1,
      [`imagine_job_run_seconds_count{${labels}}`]: 1,
      'imagine_upstream_requests_total{status="429"}': 1,
      'imagine_upstream_requests_total{status="200"}': 1,
      imagine_upstream_retries_total: 1,
      imagine_upstream_rate_limited_total: 1,
      'imagine_tokens_total{model="gpt-image-1",direction="in"}': usage!.inputTokens,
      'imagine_tokens_total{model="gpt-image-1",direction="out"}': usage!.outputTokens,
      // $5 per million text tokens in, $40 per million image tokens out.
      'imagine_cost_usd_total{model="gpt-image-1"}':
        (usage!.inputTokens! * 5 + usage!.outputTokens! * 40) / 1e6,
    });
  });

  it('count a server policy refusal and a quota refusal by kind, as refused jobs', async () => {
    const { metrics, registry } = createPrometheusMetrics();
    const harness = closeLater(await startHarness({ metrics, quota: { userLimit: 0 } }), (opened) =>
      opened.close(),
    );
    await harness.service.policyAdmin.update(
      'g1',
      'blocked',
      (policy) => ({ ...policy, blocked: ['lighthouse'] }),
      'admin',
    );
    const before = await snapshot(registry);

    for (const prompt of ['a lighthouse at dusk', 'a harbour at dawn'])
      await expect(
        harness.service.submit(smallRequest(prompt), requester('g1', 'u1'), delivery),
      ).rejects.toMatchObject({ name: 'UserError' });

    expect(movedSeries(before, await snapshot(registry))).toEqual({
      'imagine_refusals_total{kind="blockedTerm"}': 1,
      'imagine_refusals_total{kind="quotaExceeded"}': 1,
      'imagine_jobs_total{outcome="refused",model="dall-e-2",platform="discord"}': 2,
    });
    expect(harness.api.requests).toHaveLength(0);
  });

  it('count REST errors by platform from the API origin, and nothing for other hosts', async () => {
    const { metrics, registry } = createPrometheusMetrics();
    const server = closeLater(
      createServer((request, response) => {
        if (request.url === '/api/drop') request.socket.destroy();
        else response.writeHead(request.url === '/api/gone' ? 404 : 200).end();
      }).listen(0, '127.0.0.1'),
      (opened) => new Promise<void>((resolve) => opened.close(() => resolve())),
    );
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const stop = countPlatformRestErrors({ slack: `${base}/api/` }, metrics);
    closeLater(stop, async (unsubscribe) => unsubscribe());
    const before = await snapshot(registry);

    await fetch(`${base}/api/gone`);
    await fetch(`${base}/api/fine`);
    await fetch(`${base}/api/drop`).catch(() => undefined);
    // Nothing listens here: an error with no answer at all.
    await fetch('http://127.0.0.1:9/api/down').catch(() => undefined);

    expect(movedSeries(before, await snapshot(registry))).toEqual({
      'imagine_platform_rest_errors_total{platform="slack",status="404"}': 1,
      'imagine_platform_rest_errors_total{platform="slack",status="none"}': 1,
    });
  });

  it('keep the gauges right whatever order a job’s place, start and end are observed in', async () => {
    const { metrics, registry } = createPrometheusMetrics();
    let clock = 10_000;
    const meter = new JobMeter(metrics, () => clock);
    const job = (id: string): Job => ({
      id,
      request: { prompt: 'p', model: 'dall-e-2', size: '256x256', count: 1 },
      requester: requester('g', 'u'),
      delivery,
      submittedAt: 9_000,
      deadlineAt: 99_000,
    });
    const gauges = async () => {
      const now = await snapshot(registry);
      return [now.get('imagine_jobs_waiting'), now.get('imagine_jobs_running')];
    };
    const cancelled = { type: 'cancelled', byUserId: 'u' } as const;
    const failed = { type: 'failed', failure: { reason: 'upstream' } } as const;

    // In order: queued, started, ended.
    meter.observe(job('a'), { type: 'queued', position: 1 });
    expect(await gauges()).toEqual([1, 0]);
    meter.observe(job('a'), { type: 'started' });
    expect(await gauges()).toEqual([0, 1]);
    // The service reports a job's place once enqueue returns: a job may start first,
    meter.observe(job('b'), { type: 'started' });
    meter.observe(job('b'), { type: 'queued', position: 0 });
    expect(await gauges()).toEqual([0, 2]);
    // or even end first.
    meter.observe(job('c'), cancelled);
    meter.observe(job('c'), { type: 'queued', position: 3 });
    expect(await gauges()).toEqual([0, 2]);
    // A shutdown suspends a running and a waiting job: they leave the gauges, to end after a restart.
    meter.observe(job('d'), { type: 'queued', position: 1 });
    meter.observe(job('e'), { type: 'queued', position: 2 });
    meter.observe(job('d'), { type: 'started' });
    expect(await gauges()).toEqual([1, 3]);
    meter.observe(job('d'), { type: 'suspended' });
    meter.observe(job('e'), { type: 'suspended' });
    clock = 12_500;
    meter.observe(job('a'), failed);
    meter.observe(job('b'), cancelled);
    expect(await gauges()).toEqual([0, 0]);

    const after = await snapshot(registry);
    const labels = 'model="dall-e-2",platform="discord"';
    expect(after.get(`imagine_job_wait_seconds_count{${labels}}`)).toBe(3);
    // a, b and d started at 10 s, a second after they were submitted; a and b ended at 12.5 s.
    expect(after.get(`imagine_job_wait_seconds_sum{${labels}}`)).toBe(3);
    expect(after.get(`imagine_job_run_seconds_count{${labels}}`)).toBe(2);
    expect(after.get(`imagine_job_run_seconds_sum{${labels}}`)).toBe(5);
    expect(after.get(`imagine_jobs_total{outcome="cancelled",${labels}}`)).toBe(2);
    expect(after.get(`imagine_jobs_total{outcome="failed",${labels}}`)).toBe(1);
  });
});
