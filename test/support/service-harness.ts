/**
 * A generation service wired from real parts for tests and benchmarks: the real Images client
 * against the fake Images API over loopback HTTP, the real quota service on a real store, and a
 * reporter (by default one that records) for both platforms.
 */
import { composeCore, type BotRole, type Core, type CoreSettings } from '../../src/compose.js';
import type { Config } from '../../src/config.js';
import type { ImagesClientOptions } from '#core/images/client.js';
import type { ImageInputSources } from '#core/inputs.js';
import type { JobReporter, JobReporters } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { Metrics } from '#core/metrics.js';
import { ModelCatalogue } from '#core/models.js';
import type { Requester } from '#core/request.js';
import type { ResultArchive } from '#core/result-archive.js';
import type { GenerationServiceOptions } from '#core/service.js';
import {
  startFakeImagesApi,
  type FakeImagesApi,
  type FakeImagesApiOptions,
} from '../fakes/images-api.js';
import { RecordingReporter } from './recording-reporter.js';

export interface HarnessOptions {
  /** @default 'memory://' */
  storeUrl?: string;
  /** Keys' prefix, so that tests sharing one Redis (and its shared queue) stay apart. @default 'imagine-bot' */
  storeNamespace?: string;
  /** BOT_ROLE, on a Redis store. @default 'all' */
  role?: BotRole;
  /** Shared-queue timings (how soon a dead worker's jobs move on). @default the bot's */
  sharedQueue?: CoreSettings['sharedQueue'];
  /** @default the fake's own defaults: any key, b64_json, no latency */
  api?: FakeImagesApiOptions;
  /** Overrides of the queue settings; the rest are roomy defaults for tests. @default {@link testQueue} */
  queue?: Partial<Config['queue']>;
  /** Overrides of the quota defaults. @default unlimited, per day, no token budget */
  quota?: Partial<Config['quota']>;
  /** Overrides of the Images client options. @default no retries */
  client?: Partial<ImagesClientOptions>;
  /** Overrides of the service options. @default position reports every 20 ms */
  service?: Partial<GenerationServiceOptions>;
  /** @default a new {@link RecordingReporter} */
  reporter?: RecordingReporter;
  /** Real platform reporters instead of the recording one, given the archive. */
  reporters?: (archive: ResultArchive) => JobReporters;
  /** @default silent */
  logger?: Logger;
  /** Platform input image sources besides `url`. @default none */
  inputSources?: ImageInputSources;
  /** What the core counts jobs and upstream attempts in. @default none */
  metrics?: Metrics;
}

export interface Harness extends Core {
  api: FakeImagesApi;
  reporter: RecordingReporter;
  /** Shuts the service down and closes the store and the fake API; later calls wait for the first. */
  close(): Promise<void>;
}

export const testQueue: Config['queue'] = {
  concurrency: 4,
  imagesPerMinute: null,
  maxPendingPerGuild: 1_000,
  maxPendingPerUser: 1_000,
  jobDeadlineMs: 10_000,
  shutdownGraceMs: 2_000,
};

export type WiredService = Core;

/** The real service over the real client aimed at `baseUrl`, the real quotas on a real store. */
export const wireService = (
  baseUrl: string,
  reporters: JobReporter | ((archive: ResultArchive) => JobReporters),
  options: Omit<HarnessOptions, 'api' | 'reporter' | 'reporters'> = {},
): Promise<WiredService> =>
  composeCore({
    storeUrl: options.storeUrl ?? 'memory://',
    ...(options.storeNamespace !== undefined && { storeNamespace: options.storeNamespace }),
    ...(options.role && { role: options.role }),
    ...(options.sharedQueue && { sharedQueue: options.sharedQueue }),
    images: { baseUrl, apiKey: 'test-images-key', maxRetries: 0, ...options.client },
    catalogue: new ModelCatalogue(),
    defaultModel: 'gpt-image-1.5',
    userSalt: 'test-salt',
    queue: { ...testQueue, ...options.queue },
    quota: {
      guildLimit: null,
      userLimit: null,
      period: 'day',
      guildTokenBudget: null,
      ...options.quota,
    },
    reporters:
      typeof reporters === 'function'
        ? reporters
        : () =>
            new Map([
              ['discord', reporters],
              ['slack', reporters],
            ]),
    ...(options.logger && { logger: options.logger }),
    ...(options.inputSources && { inputSources: options.inputSources }),
    ...(options.metrics && { metrics: options.metrics }),
    service: { positionIntervalMs: 20, progressIntervalMs: 0, ...options.service },
  });

export const startHarness = async (options: HarnessOptions = {}): Promise<Harness> => {
  const api = await startFakeImagesApi(options.api);
  const reporter = options.reporter ?? new RecordingReporter();
  const wired = await wireService(api.baseUrl, options.reporters ?? reporter, options);
  let closing: Promise<void> | undefined;
  const closeAll = async () => {
    await wired.close();
    await api.close();
  };
  return {
    ...wired,
    api,
    reporter,
    close: () => (closing ??= closeAll()),
  };
};

/** A Discord requester in `guildId`; the channel and locale do not matter to the core. */
export const requester = (guildId: string, userId: string, isAdmin = false): Requester => ({
  platform: 'discord',
  guildId,
  userId,
  channelId: `${guildId}-channel`,
  locale: 'en',
  isAdmin,
});

/** A small, fast request for a non-streaming model, named so upstream requests can be told apart. */
export const smallRequest = (prompt: string, count = 1) => ({
  prompt,
  model: 'dall-e-2',
  size: '256x256',
  count,
});

/** Where results go, as an adapter would describe it. */
export const delivery = { channelId: 'channel', interactionToken: 'token' };
