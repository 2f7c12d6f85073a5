/**
 * Starts the bot from its configuration: the core (see `compose.ts`), then each configured chat
 * platform, then the shutdown handlers. The only module that knows every layer.
 */
import type { Config } from './config.js';
import { secretValues } from './config.js';
import { composeCore } from './compose.js';
import { jobShare } from '#core/images/inflight-budget.js';
import type { JobReporter } from '#core/jobs.js';
import { createLogger } from '#core/log.js';
import { ModelCatalogue } from '#core/models.js';
import { installShutdownHandlers } from '#core/shutdown.js';
import { displayUrl } from '#store/open-store.js';
import { startDiscordAdapter } from '#adapters/discord/adapter.js';
import {
  discordAttachmentSource,
  discordAttachmentSourceName,
} from '#adapters/discord/attachment-input.js';
import { discordRedactions } from '#adapters/discord/log.js';
import { DiscordReporter } from '#adapters/discord/reporter.js';
import { slackRedactions } from '#adapters/slack/bolt-logger.js';
import { startSlackAdapter } from '#adapters/slack/app.js';
import { slackFileSource, slackFileSourceName } from '#adapters/slack/file-input.js';
import { SlackReporter } from '#adapters/slack/reporter.js';
import { loadCommands, loadMessageActions } from '#commands/registry.js';
import { createPrometheusMetrics } from './ops/prometheus.js';
import { countPlatformRestErrors } from './ops/rest-errors.js';
import { startOpsServer, type ReadinessChecks } from './ops/server.js';

export const startBot = async (config: Config): Promise<void> => {
  const logger = createLogger({
    level: config.logLevel,
    secrets: secretValues(config),
    redactions: [...discordRedactions, ...slackRedactions],
  });
  const commands = await loadCommands();
  const messageActions = await loadMessageActions();
  const { discord, slack } = config;
  const catalogue = new ModelCatalogue(config.images.extraModels);
  const prometheus = config.metricsPort === undefined ? undefined : createPrometheusMetrics();
  const core = await composeCore({
    storeUrl: config.storeUrl,
    storeNamespace: config.storeNamespace,
    instanceId: config.instanceId,
    role: config.role,
    images: {
      baseUrl: config.images.baseUrl,
      apiKey: config.images.apiKey,
      timeoutMs: config.images.timeoutMs,
      maxRetries: config.images.maxRetries,
      downloadHosts: config.images.downloadHosts,
      maxInflightBytes: config.images.maxInflightBytes,
      maxJobBytes: jobShare(config.images.maxInflightBytes, config.queue.concurrency),
    },
    // Quotas and results would silently start again from nothing: better down than wrong.
    onStoreLost: (error) => {
      logger.error({ err: error, store: displayUrl(config.storeUrl) }, `${error.message}: exiting`);
      process.exit(1);
    },
    catalogue,
    defaultModel: config.images.defaultModel,
    userSalt: config.images.userSalt,
    queue: config.queue,
    quota: config.quota,
    logger,
    inputSources: new Map([
      ...(discord
        ? [
            [
              discordAttachmentSourceName,
              discordAttachmentSource({ token: discord.token, apiBaseUrl: discord.apiBaseUrl }),
            ] as const,
          ]
        : []),
      ...(slack
        ? [
            [
              slackFileSourceName,
              slackFileSource({ botToken: slack.botToken, apiUrl: slack.apiUrl, logger }),
            ] as const,
          ]
        : []),
    ]),
    ...(prometheus && { metrics: prometheus.metrics }),
    prices: config.images.prices,
    reporters: (archive) => {
      const reporters = new Map<string, JobReporter>();
      if (discord)
        reporters.set(
          'discord',
          new DiscordReporter({
            token: discord.token,
            apiBaseUrl: discord.apiBaseUrl,
            archive,
            catalogue,
            logger,
          }),
        );
      if (slack)
        reporters.set(
          'slack',
          new SlackReporter({
            botToken: slack.botToken,
            apiUrl: slack.apiUrl,
            archive,
            catalogue,
            logger,
          }),
        );
      return reporters;
    },
  });
  const { service, archive, intake } = core;
  const parts = { service, archive, intake, commands, messageActions, logger };
  const stopCounting =
    prometheus &&
    countPlatformRestErrors(
      { discord: discord?.apiBaseUrl, slack: slack?.apiUrl },
      prometheus.metrics,
    );
  // A worker runs jobs and delivers over REST alone: it opens no gateway and no socket.
  const takesCommands = config.role !== 'worker';
  const discordRunning =
    takesCommands && discord ? await startDiscordAdapter({ config: discord, ...parts }) : undefined;
  const slackRunning =
    takesCommands && slack ? await startSlackAdapter({ config: slack, ...parts }) : undefined;
  const running = [discordRunning, slackRunning].filter((adapter) => adapter !== undefined);
  const checks: ReadinessChecks = {
    store: () => core.store.ping().then(() => true),
    ...(discordRunning && { discord: () => discordRunning.connected() }),
    ...(slackRunning && { slack: () => slackRunning.connected() }),
  };
  const ops =
    prometheus &&
    (await startOpsServer({ port: config.metricsPort!, registry: prometheus.registry, checks }));
  // The service shuts down first (refusing new work and suspending what cannot finish), then the
  // platforms disconnect, and the store closes last so no refund writes to a closed store.
  installShutdownHandlers(
    service,
    [
      ...running.map((adapter) => ({ close: () => adapter.stop() })),
      ...(ops ? [{ close: () => (stopCounting?.(), ops.close()) }] : []),
      core.store,
    ],
    logger,
  );
  logger.info(
    {
      platforms: [discord && 'discord', slack && 'slack'].filter(Boolean),
      role: config.role,
      store: config.storeUrl.split(':')[0],
      model: config.images.defaultModel,
      ...(ops && { metricsPort: ops.port }),
    },
    'imagine-bot is running',
  );
};
