/**
 * The operator's endpoints on the real bot process (`npm start` with METRICS_PORT), scraped over
 * loopback HTTP: /metrics moves by exactly a delivered, a refused and a failed job, and /readyz
 * follows the store as a private Redis stops answering and comes back, and Discord's gateway as
 * it drops; the Slack adapter's readiness follows its Socket Mode connection.
 */
import { describe, expect, it } from 'vitest';
import { smallImageOptions, startFakeDiscord } from './fakes/discord/index.js';
import { startFakeImagesApi } from './fakes/images-api.js';
import { startFakeSlack } from './fakes/slack/server.js';
import { startSlackBot } from './fakes/slack/slack-bot.js';
import { closeAfterEach } from './support/close-after-each.js';
import { startPrivateRedis } from './support/private-redis.js';
import { startBotProcess } from './support/process-bot.js';
import { get, movedSeries, scrape, waitUntil } from './support/scrape.js';
import { makeTempDir } from './support/tmp.js';

const tempDir = await makeTempDir('imagine-ops-');
const closeLater = closeAfterEach();

const key = 'sk-ops-test-key-51e0c9';
const discordToken = 'discord-ops-token.Zk2.a81c';

const runningLine = (line: { msg?: string }) => line.msg === 'imagine-bot is running';

const series = (name: string, labels: Record<string, string> = {}) => {
  const inner = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',');
  return inner === '' ? name : `${name}{${inner}}`;
};

describe.sequential('operator endpoints', { timeout: 60_000 }, () => {
  it('/metrics moves by exactly a delivered, a refused and a failed job, and counts a Discord REST error', async () => {
    const api = closeLater(await startFakeImagesApi({ apiKey: key }), (fake) => fake.close());
    const discord = closeLater(await startFakeDiscord({ token: discordToken }), (fake) =>
      fake.close(),
    );
    const owner = discord.addUser('mina');
    const guild = discord.addGuild('Garden', owner);
    const bot = startBotProcess({
      IMAGES_API_KEY: key,
      IMAGES_API_BASE_URL: api.baseUrl,
      IMAGES_MAX_RETRIES: '0',
      STORE_URL: `sqlite://${tempDir}/metrics.sqlite`,
      QUOTA_USER_LIMIT: '1',
      DISCORD_TOKEN: discordToken,
      DISCORD_API_BASE_URL: discord.restApi,
      METRICS_PORT: '0',
    });
    const port = Number((await bot.waitForLog('the bot to be running', runningLine)).metricsPort);

    const first = await scrape(port);
    const dalle = { model: 'dall-e-2', platform: 'discord' };
    expect(first.get(series('imagine_jobs_waiting'))).toBe(0);
    expect(first.get(series('imagine_jobs_running'))).toBe(0);
    // The default process metrics, under the same prefix.
    expect(first.has(series('imagine_process_cpu_seconds_total'))).toBe(true);

    // Delivered: one job, one upstream 200, and its price.
    const deliveredPrompt = 'a lantern in the fog';
    const interaction = discord.runCommand({
      guild,
      user: owner,
      name: 'imagine',
      options: smallImageOptions(deliveredPrompt),
    });
    await discord.world.until(
      () => discord.world.messages.get(interaction.originalMessageId ?? '')?.attachments.length,
      'the delivered image',
      15_000,
    );
    await waitUntil('the delivered job in /metrics', async () =>
      (await scrape(port)).has(series('imagine_jobs_total', { outcome: 'delivered', ...dalle })),
    );
    const afterDelivered = await scrape(port);
    expect(movedSeries(first, afterDelivered)).toEqual({
      [series('imagine_jobs_total', { outcome: 'delivered', ...dalle })]: 1,
      [series('imagine_job_wait_seconds_count', dalle)]: 1,
      [series('imagine_job_run_seconds_count', dalle)]: 1,
      [series('imagine_upstream_requests_total', { status: '200' })]: 1,
      // dall-e answers carry no token usage (so no tokens move), and the table prices the image:
      // dall-e-2 at 256x256 is $0.016.
      [series('imagine_cost_usd_total', { model: 'dall-e-2' })]: 0.016,
    });

    // Refused: the same user is over the limit of one image; nothing runs, nothing goes upstream.
    discord.runCommand({
      guild,
      user: owner,
      name: 'imagine',
      options: smallImageOptions('again'),
    });
    await waitUntil('the refusal in /metrics', async () =>
      (await scrape(port)).has(series('imagine_jobs_total', { outcome: 'refused', ...dalle })),
    );
    const afterRefused = await scrape(port);
    expect(movedSeries(afterDelivered, afterRefused)).toEqual({
      [series('imagine_jobs_total', { outcome: 'refused', ...dalle })]: 1,
      [series('imagine_refusals_total', { kind: 'quotaExceeded' })]: 1,
    });

    // Failed: the API answers 500 and retries are off.
    api.failNext(1, { type: 'serverError', status: 500 });
    discord.runCommand({
      guild,
      user: discord.addUser('jun'),
      name: 'imagine',
      options: smallImageOptions('a storm'),
    });
    await waitUntil('the failure in /metrics', async () =>
      (await scrape(port)).has(series('imagine_jobs_total', { outcome: 'failed', ...dalle })),
    );
    const afterFailed = await scrape(port);
    expect(movedSeries(afterRefused, afterFailed)).toEqual({
      [series('imagine_jobs_total', { outcome: 'failed', ...dalle })]: 1,
      [series('imagine_job_failures_total', { reason: 'upstream' })]: 1,
      [series('imagine_job_wait_seconds_count', dalle)]: 1,
      [series('imagine_job_run_seconds_count', dalle)]: 1,
      [series('imagine_upstream_requests_total', { status: '500' })]: 1,
    });
    expect(afterFailed.get(series('imagine_jobs_waiting'))).toBe(0);
    expect(afterFailed.get(series('imagine_jobs_running'))).toBe(0);

    // Discord answers one edit of a result with 503; discord.js retries it and the job is delivered.
    discord.injectFault({
      method: 'PATCH',
      path: /\/messages\/@original$/,
      fault: { kind: 'serverError', status: 503 },
      times: 1,
    });
    const retried = discord.runCommand({
      guild,
      user: discord.addUser('sora'),
      name: 'imagine',
      options: smallImageOptions('a tide'),
    });
    await discord.world.until(
      () => discord.world.messages.get(retried.originalMessageId ?? '')?.attachments.length,
      'the image delivered after the retry',
      15_000,
    );
    const afterRestError = await scrape(port);
    expect(discord.faults).toHaveLength(1);
    expect(movedSeries(afterFailed, afterRestError)).toMatchObject({
      [series('imagine_platform_rest_errors_total', { platform: 'discord', status: '503' })]: 1,
      [series('imagine_jobs_total', { outcome: 'delivered', ...dalle })]: 1,
    });

    const text = await get(port, '/metrics');
    expect(text.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text.body).toContain('# TYPE imagine_job_run_seconds histogram');
    expect(text.body).not.toContain(key);
    expect(text.body).not.toContain(discordToken);
  });

  it('/readyz is 503 naming the store while Redis does not answer, or Discord while its gateway is gone, and 200 again after each', async () => {
    let redis = await startPrivateRedis();
    closeLater(null, () => redis.stop());
    const discord = closeLater(await startFakeDiscord({ token: discordToken }), (fake) =>
      fake.close(),
    );
    const bot = startBotProcess({
      IMAGES_API_KEY: key,
      STORE_URL: redis.url,
      DISCORD_TOKEN: discordToken,
      DISCORD_API_BASE_URL: discord.restApi,
      METRICS_PORT: '0',
    });
    const port = Number((await bot.waitForLog('the bot to be running', runningLine)).metricsPort);

    expect(await get(port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });

    // Frozen: the connection stays open but nothing answers.
    redis.hang();
    expect(await get(port, '/readyz')).toMatchObject({ status: 503, body: 'not ready: store\n' });
    expect((await get(port, '/healthz')).status).toBe(200);
    redis.resume();
    await waitUntil(
      '/readyz to recover once Redis resumes',
      async () => (await get(port, '/readyz')).status === 200,
    );

    // Gone: the server exits, and a new one takes its port.
    await redis.stop();
    await waitUntil(
      '/readyz to notice Redis is gone',
      async () => (await get(port, '/readyz')).status === 503,
    );
    expect((await get(port, '/readyz')).body).toBe('not ready: store\n');
    redis = await startPrivateRedis(Number(new URL(redis.url).port));
    await waitUntil(
      '/readyz to recover with a new Redis',
      async () => (await get(port, '/readyz')).status === 200,
    );

    // The gateway connection drops; discord.js logs in again by itself.
    discord.gateway.dropConnections();
    await waitUntil('/readyz to name Discord', async () => {
      const answer = await get(port, '/readyz');
      return answer.status === 503 && answer.body === 'not ready: discord\n';
    });
    await waitUntil(
      '/readyz to recover with Discord back',
      async () => (await get(port, '/readyz')).status === 200,
    );
    expect((await get(port, '/healthz')).status).toBe(200);
  });
});

describe('Slack readiness', () => {
  it('is lost while the Socket Mode connection is down and back once Slack reconnects', async () => {
    const slack = closeLater(await startFakeSlack(), (fake) => fake.close());
    const bot = closeLater(await startSlackBot({ mode: 'socket', slack }), (running) =>
      running.stop(),
    );
    expect(bot.adapter.connected()).toBe(true);
    const before = slack.socket.connections;

    slack.socket.dropConnections();

    await waitUntil('the adapter to notice', async () => !bot.adapter.connected());
    await waitUntil(
      'Slack to be reconnected',
      async () => bot.adapter.connected() && slack.socket.connections > before,
    );
  });
});
