/**
 * The whole bot for end-to-end tests: the real Discord adapter (discord.js client and REST
 * reporter) logged in to the fake Discord, on the real generation service with the fake Images
 * API and a real store, wired by the same `composeCore` as `npm start`.
 */
import {
  startDiscordAdapter,
  type DiscordAdapterOptions,
  type DiscordConfig,
} from '#adapters/discord/adapter.js';
import { DiscordReporter } from '#adapters/discord/reporter.js';
import { createLogger, type Logger } from '#core/log.js';
import { loadCommands } from '#commands/registry.js';
import { startHarness, type Harness, type HarnessOptions } from '#test/support/service-harness.js';
import type { GenerationService } from '#core/service-api.js';
import type { FakeDiscord } from './index.js';

export interface TestBotOptions {
  harness?: Omit<HarnessOptions, 'reporters' | 'logger'>;
  adapter?: Partial<
    Omit<DiscordAdapterOptions, 'config' | 'logger' | 'service' | 'archive' | 'intake' | 'commands'>
  >;
  logger?: Logger;
  /** DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS as parsed. @default every shard Discord recommends */
  shards?: Pick<DiscordConfig, 'shardCount' | 'shardIds'>;
}

export interface TestBot {
  harness: Harness;
  service: GenerationService;
  stop(): Promise<void>;
}

/** Short waits, so tests stay fast; production defaults are longer. */
const fastAdapter = { regenerateDedupeMs: 2_000 };

export const startTestBot = async (
  discord: Pick<FakeDiscord, 'token' | 'restApi'>,
  options: TestBotOptions = {},
): Promise<TestBot> => {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  // Only the shard settings are taken from the caller: the addresses are always the fake's.
  const config = {
    token: discord.token,
    apiBaseUrl: discord.restApi,
    shardCount: options.shards?.shardCount,
    shardIds: options.shards?.shardIds,
  };
  const harness = await startHarness({
    ...options.harness,
    service: { progressIntervalMs: 20, ...options.harness?.service },
    logger,
    reporters: (archive) =>
      new Map([['discord', new DiscordReporter({ ...config, archive, logger })]]),
  });
  const running = await startDiscordAdapter({
    config,
    service: harness.service,
    archive: harness.archive,
    intake: harness.intake,
    commands: await loadCommands(),
    logger,
    ...fastAdapter,
    ...options.adapter,
  });
  return {
    harness,
    service: harness.service,
    stop: async () => {
      await running.stop();
      await harness.close();
    },
  };
};
