/**
 * The whole bot for end-to-end tests: the real Discord adapter (discord.js client and REST
 * reporter) logged in to the fake Discord, on the real generation service with the fake Images
 * API and a real store. `restart()` stops the bot process's parts and starts them again on the
 * same store, as a redeploy would.
 */
import { createDiscordAdapter, type DiscordAdapterOptions } from '#adapters/discord/adapter.js';
import { createLogger, type Logger } from '#core/log.js';
import { startHarness, type Harness, type HarnessOptions } from '#test/support/service-harness.js';
import type { GenerationService } from '#core/service-api.js';
import type { FakeDiscord } from './index.js';

export interface TestBotOptions {
  harness?: Omit<HarnessOptions, 'service'>;
  adapter?: Partial<Omit<DiscordAdapterOptions, 'config' | 'logger'>>;
  logger?: Logger;
}

export interface TestBot {
  harness: Harness;
  service: GenerationService;
  stop(): Promise<void>;
}

/** Short waits, so tests stay fast; production defaults are longer. */
const fastAdapter = { minEditIntervalMs: 20, regenerateDedupeMs: 2_000 };

export const startTestBot = async (
  discord: Pick<FakeDiscord, 'token' | 'restApi'>,
  options: TestBotOptions = {},
): Promise<TestBot> => {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const adapter = createDiscordAdapter({
    config: { token: discord.token, apiBaseUrl: discord.restApi },
    logger,
    ...fastAdapter,
    ...options.adapter,
  });
  const harness = await startHarness({
    ...options.harness,
    service: { reporters: { discord: adapter.reporter }, logger },
  });
  const running = await adapter.start(harness.service);
  return {
    harness,
    service: harness.service,
    stop: async () => {
      await running.stop();
      await harness.close();
    },
  };
};
