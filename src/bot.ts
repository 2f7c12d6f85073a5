/**
 * Wires the bot together: store, quotas, Images client, generation service, and each configured
 * chat platform. The only module that knows every layer; each layer knows only its own ports.
 */
import type { Config } from './config.js';
import { secretValues } from './config.js';
import { createImagesClient } from '#core/images/client.js';
import { jobShare } from '#core/images/inflight-budget.js';
import type { JobReporters } from '#core/jobs.js';
import { createLogger } from '#core/log.js';
import { ModelCatalogue } from '#core/models.js';
import { createQuotas } from '#core/quota/quota-service.js';
import { createGenerationService } from '#core/service.js';
import { installShutdownHandlers } from '#core/shutdown.js';
import { displayUrl, openStore } from '#store/open-store.js';
import { createResultArchive } from '#store/results.js';
import { createDiscordAdapter } from '#adapters/discord/adapter.js';
import { createSlackReporter } from '#adapters/slack/reporter.js';
import { startSlackAdapter } from '#adapters/slack/app.js';

export const startBot = async (config: Config): Promise<void> => {
  const logger = createLogger({ level: config.logLevel, secrets: secretValues(config) });
  const store = await openStore(config.storeUrl, {
    onError: (error) => logger.error({ err: error }, 'store connection error'),
    // Quotas and results would silently start again from nothing: better down than wrong.
    onLost: (error) => {
      logger.error({ err: error, store: displayUrl(config.storeUrl) }, `${error.message}: exiting`);
      process.exit(1);
    },
  });
  const catalogue = new ModelCatalogue(config.images.extraModels);
  const images = createImagesClient({
    baseUrl: config.images.baseUrl,
    apiKey: config.images.apiKey,
    timeoutMs: config.images.timeoutMs,
    maxRetries: config.images.maxRetries,
    downloadHosts: config.images.downloadHosts,
    maxInflightBytes: config.images.maxInflightBytes,
    maxJobBytes: jobShare(config.images.maxInflightBytes, config.queue.concurrency),
    catalogue,
    logger: logger.child({ component: 'images' }),
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
  const service = createGenerationService({
    images,
    quotas: createQuotas({ ledger: store.ledger, defaults: config.quota }),
    catalogue,
    defaultModel: config.images.defaultModel,
    queue: config.queue,
    reporters,
    results: createResultArchive(store.kv),
    userSalt: config.images.userSalt,
    logger: logger.child({ component: 'service' }),
  });

  const running = [
    ...(discord ? [await discord.start(service)] : []),
    ...(config.slack ? [await startSlackAdapter({ config: config.slack, service, logger })] : []),
  ];
  // The service shuts down first (refusing new work and reporting refunds through REST), then the
  // platforms disconnect, and the store closes last so no refund writes to a closed store.
  installShutdownHandlers(
    service,
    [...running.map((adapter) => ({ close: () => adapter.stop() })), store],
    logger,
  );
  logger.info(
    {
      platforms: Object.keys(reporters),
      store: config.storeUrl.split(':')[0],
      model: config.images.defaultModel,
    },
    'imagine-bot is running',
  );
};
