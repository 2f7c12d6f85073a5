/**
 * Wires the bot together: store, quotas, Images client, generation service, and each configured
 * chat platform. The only module that knows every layer; each layer knows only its own ports.
 */
import type { Config } from './config.js';
import { secretValues } from './config.js';
import { createImagesClient } from '#core/images/client.js';
import type { JobReporters } from '#core/jobs.js';
import { createLogger } from '#core/log.js';
import { JobMeter, meteredReporters, meteredService } from '#core/metered.js';
import { noMetrics } from '#core/metrics.js';
import { ModelCatalogue } from '#core/models.js';
import { createQuotas } from '#core/quota/quota-service.js';
import { createGenerationService } from '#core/service.js';
import { installShutdownHandlers } from '#core/shutdown.js';
import { openStore } from '#store/open-store.js';
import { createResultArchive } from '#store/results.js';
import { createDiscordAdapter } from '#adapters/discord/adapter.js';
import { createSlackReporter } from '#adapters/slack/reporter.js';
import { startSlackAdapter } from '#adapters/slack/app.js';
import { createPrometheusMetrics } from './ops/prometheus.js';
import { countPlatformRestErrors } from './ops/rest-errors.js';
import { startOpsServer, type ReadinessChecks } from './ops/server.js';

export const startBot = async (config: Config): Promise<void> => {
  const logger = createLogger({ level: config.logLevel, secrets: secretValues(config) });
  const store = await openStore(config.storeUrl, {
    onError: (error) => logger.error({ err: error }, 'store connection error'),
  });
  const prometheus = config.metricsPort === undefined ? undefined : createPrometheusMetrics();
  const metrics = prometheus?.metrics ?? noMetrics;
  const catalogue = new ModelCatalogue(config.images.extraModels);
  const images = createImagesClient({
    baseUrl: config.images.baseUrl,
    apiKey: config.images.apiKey,
    timeoutMs: config.images.timeoutMs,
    maxRetries: config.images.maxRetries,
    catalogue,
    logger: logger.child({ component: 'images' }),
    onAttempt: (status, retry) => metrics.upstreamAttempt(status, retry),
  });

  // The service needs each platform's reporter, and the reporters record results through the
  // service: they reach it through a function, called only once a job is delivered.
  const discord = config.discord && createDiscordAdapter({ config: config.discord, logger });
  const reporters: JobReporters = {
    ...(discord && { discord: discord.reporter }),
    ...(config.slack && {
      slack: createSlackReporter({
        botToken: config.slack.botToken,
        apiUrl: config.slack.apiUrl,
        logger,
        results: () => service,
      }),
    }),
  };
  const service = meteredService(
    createGenerationService({
      images,
      quotas: createQuotas({
        ledger: store.ledger,
        defaults: config.quota,
        prices: config.images.prices,
      }),
      catalogue,
      defaultModel: config.images.defaultModel,
      queue: config.queue,
      reporters: meteredReporters(reporters, new JobMeter(metrics, config.images.prices)),
      results: createResultArchive(store.kv),
      userSalt: config.images.userSalt,
      logger: logger.child({ component: 'service' }),
    }),
    metrics,
  );

  const stopCounting =
    prometheus &&
    countPlatformRestErrors(
      { discord: config.discord?.apiBaseUrl, slack: config.slack?.apiUrl },
      metrics,
    );
  const discordRunning = discord && (await discord.start(service));
  const slackRunning =
    config.slack && (await startSlackAdapter({ config: config.slack, service, logger }));
  const running = [discordRunning, slackRunning].filter((adapter) => adapter !== undefined);
  const checks: ReadinessChecks = {
    store: () => store.ping().then(() => true),
    ...(discordRunning && { discord: () => discordRunning.client.isReady() }),
    ...(slackRunning && { slack: () => slackRunning.connected() }),
  };
  const ops =
    prometheus &&
    (await startOpsServer({ port: config.metricsPort!, registry: prometheus.registry, checks }));
  // The service shuts down first (refusing new work and reporting refunds through REST), then the
  // platforms disconnect, and the store closes last so no refund writes to a closed store.
  installShutdownHandlers(
    service,
    [
      ...running.map((adapter) => ({ close: () => adapter.stop() })),
      ...(ops ? [{ close: () => (stopCounting?.(), ops.close()) }] : []),
      store,
    ],
    logger,
  );
  logger.info(
    {
      platforms: Object.keys(reporters),
      store: config.storeUrl.split(':')[0],
      model: config.images.defaultModel,
      ...(ops && { metricsPort: ops.port }),
    },
    'imagine-bot is running',
  );
};
