/**
 * The whole Slack side of the bot wired from real parts for end-to-end tests: the real Bolt app and
 * job reporter against the fake Slack, the real generation service on a real store, the real
 * Images client against the fake Images API.
 */
import type { Config } from '../../../src/config.js';
import { createLogger } from '#core/log.js';
import { ModelCatalogue } from '#core/models.js';
import { startSlackAdapter, type SlackAdapter, type SlackConfig } from '#adapters/slack/app.js';
import type { SlackRetryOptions } from '#adapters/slack/client-options.js';
import { slackRedactions } from '#adapters/slack/bolt-logger.js';
import { SlackReporter } from '#adapters/slack/reporter.js';
import { slackFileSource, slackFileSourceName } from '#adapters/slack/file-input.js';
import { loadCommands, loadMessageActions } from '#commands/registry.js';
import type { ImagesClientOptions } from '#core/images/client.js';
import type { FakeImagesApiOptions } from '../images-api.js';
import { startHarness, type Harness } from '../../support/service-harness.js';
import type { FakeSlack, SlackSender } from './server.js';

export const signingSecret = 'e2e-signing-secret';

/** Short waits so a test that meets a 429 still finishes in seconds. */
export const testRetry: SlackRetryOptions = {
  retries: 3,
  minTimeoutMs: 10,
  maxTimeoutMs: 50,
  maxRetryTimeMs: 10_000,
  maxRetryAfterSeconds: 2,
};

export interface SlackBotOptions {
  mode: 'socket' | 'http';
  slack: FakeSlack;
  /** A `sqlite://` file survives a restart; @default 'memory://' */
  storeUrl?: string;
  /** Keys' prefix on a shared Redis, so that test runs keep their queues apart. @default 'imagine-bot' */
  storeNamespace?: string;
  quota?: Partial<Config['quota']>;
  queue?: Partial<Config['queue']>;
  api?: FakeImagesApiOptions;
  /** Overrides of the Images client options (download rules, byte caps). @default none */
  client?: Partial<ImagesClientOptions>;
  /** SLACK_ADMIN_USER_IDS. @default [] */
  adminUserIds?: string[];
  /** Repeated `:repeat:` within this window count once, before the store is asked. @default 5000 */
  regenerateDedupeMs?: number;
}

export interface SlackBot {
  core: Harness;
  adapter: SlackAdapter;
  /** Sends commands and reactions the way this bot's mode receives them. */
  send: SlackSender;
  /** Every log line written, to check that no secret leaks. */
  logLines: string[];
  /** Stops the app, then the service, the store and the fake Images API. */
  stop(): Promise<void>;
}

export const startSlackBot = async (options: SlackBotOptions): Promise<SlackBot> => {
  const { slack, mode } = options;
  const logLines: string[] = [];
  const config: SlackConfig = {
    botToken: slack.botToken,
    ...(mode === 'socket' ? { appToken: slack.appToken } : { signingSecret }),
    port: 0,
    apiUrl: slack.apiUrl,
    adminUserIds: options.adminUserIds ?? [],
  };
  const logger = createLogger({
    level: 'debug',
    secrets: [slack.botToken, slack.appToken, signingSecret],
    redactions: slackRedactions,
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const core: Harness = await startHarness({
    storeUrl: options.storeUrl,
    ...(options.storeNamespace !== undefined && { storeNamespace: options.storeNamespace }),
    quota: options.quota,
    queue: options.queue,
    api: options.api,
    client: options.client,
    logger,
    inputSources: new Map([
      [
        slackFileSourceName,
        slackFileSource({
          botToken: config.botToken,
          apiUrl: config.apiUrl,
          logger,
          retry: testRetry,
        }),
      ],
    ]),
    reporters: (archive) =>
      new Map([
        [
          'slack',
          new SlackReporter({
            botToken: config.botToken,
            apiUrl: config.apiUrl,
            archive,
            catalogue: new ModelCatalogue(),
            logger,
            retry: testRetry,
          }),
        ],
      ]),
  });
  const adapter = await startSlackAdapter({
    config,
    service: core.service,
    archive: core.archive,
    intake: core.intake,
    commands: await loadCommands(),
    messageActions: await loadMessageActions(),
    logger,
    retry: testRetry,
    ...(options.regenerateDedupeMs !== undefined && {
      regenerateDedupeMs: options.regenerateDedupeMs,
    }),
  });
  const send =
    mode === 'socket'
      ? slack.viaSocket()
      : slack.viaHttp(`http://127.0.0.1:${adapter.port}/slack/events`, { signingSecret });
  return {
    core,
    adapter,
    send,
    logLines,
    stop: async () => {
      await adapter.stop();
      await core.close();
    },
  };
};
