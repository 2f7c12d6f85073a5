/**
 * The composition root's one wiring of the core: the store, the quotas, the result archive, the
 * job journal, the Images client and the generation service over each platform's reporter; then
 * the jobs a restart interrupted are resumed. `bot.ts` calls it with
 * the configuration, the test harnesses with their fakes' addresses, so both run the same wiring.
 */
import { actualMicros } from '#core/cost/estimate.js';
import { shippedPrices, type PriceTable } from '#core/cost/price-table.js';
import { createImagesClient, type ImagesClientOptions } from '#core/images/client.js';
import type { IntakeRegister } from '#core/intake.js';
import { urlInputSource } from '#core/images/url-input.js';
import type { ImageInputSources } from '#core/inputs.js';
import type { JobReporters } from '#core/jobs.js';
import { createLogger, type Logger } from '#core/log.js';
import { JobMeter, meteredService } from '#core/metered.js';
import { noMetrics, type Metrics } from '#core/metrics.js';
import type { ModelCatalogue } from '#core/models.js';
import type { QueueHandlers, QueueSettings } from '#core/queue/types.js';
import { CodedError } from '#core/errors.js';
import { createQuotas, type Quotas } from '#core/quota/quota-service.js';
import type { QuotaDefaults } from '#core/quota/types.js';
import type { ResultArchive } from '#core/result-archive.js';
import { createGenerationService, type GenerationServiceOptions } from '#core/service.js';
import type { GenerationService } from '#core/service-api.js';
import { openStore, type Store, type StoreError } from '#store/open-store.js';
import { createJobJournal } from '#store/job-journal.js';
import {
  queueIsTheJournal,
  type SharedQueue,
  type SharedQueueOptions,
} from '#store/shared-queue.js';
import { createPolicyStore } from '#store/policies.js';
import { createResultArchive } from '#store/results.js';

/** BOT_ROLE: what this process does with jobs when several share one Redis. */
export type BotRole = 'all' | 'gateway' | 'worker';

export interface CoreSettings {
  storeUrl: string;
  /** STORE_NAMESPACE: the prefix of every key. @default 'imagine-bot' */
  storeNamespace?: string;
  /** BOT_ROLE: a gateway queues jobs and runs none; a worker runs them. Not `all` only on Redis. @default 'all' */
  role?: BotRole;
  /** BOT_INSTANCE_ID: whose unfinished jobs this process resumes. @default 'default' */
  instanceId?: string;
  /** The Images client; its catalogue and logger come from here. */
  images: Omit<ImagesClientOptions, 'catalogue' | 'logger'>;
  catalogue: ModelCatalogue;
  defaultModel: string;
  userSalt: string;
  queue: QueueSettings;
  quota: QuotaDefaults;
  /** Each platform's reporter, given the archive it remembers results in. */
  reporters: (archive: ResultArchive) => JobReporters;
  /** @default a silent logger */
  logger?: Logger;
  /** What jobs, refusals and upstream attempts are counted in. @default none */
  metrics?: Metrics;
  /** Prices for spend, budgets and the cost metric (IMAGES_PRICES_FILE). @default the shipped table */
  prices?: PriceTable;
  /** Told when a SQLite store's file is lost or fails; see `StoreOptions.onLost`. @default ignored */
  onStoreLost?: (error: StoreError) => void;
  /** The platforms' input image sources, besides `url`, which every process has. @default none */
  inputSources?: ImageInputSources;
  /** Shared-queue timings a test shortens (how soon a dead worker's jobs move on). */
  sharedQueue?: Partial<
    Pick<
      SharedQueueOptions,
      'lockDurationMs' | 'lockRenewMs' | 'stalledIntervalMs' | 'sweepIntervalMs'
    >
  >;
  /** Service options a test or benchmark changes (shorter intervals, a clock). */
  service?: Partial<GenerationServiceOptions>;
}

export interface Core {
  store: Store;
  intake: IntakeRegister;
  quotas: Quotas;
  archive: ResultArchive;
  service: GenerationService;
  /** Shuts the service down (refunding what cannot finish), then closes the store. */
  close(): Promise<void>;
}

export const composeCore = async (settings: CoreSettings): Promise<Core> => {
  const logger = settings.logger ?? createLogger({ level: 'silent' });
  const store = await openStore(settings.storeUrl, {
    ...(settings.storeNamespace !== undefined && { namespace: settings.storeNamespace }),
    onError: (error) => logger.error({ err: error }, 'store connection error'),
    ...(settings.onStoreLost && { onLost: settings.onStoreLost }),
  });
  const metrics = settings.metrics ?? noMetrics;
  const prices = settings.prices ?? shippedPrices;
  const quotas = createQuotas({ ledger: store.ledger, defaults: settings.quota, prices });
  const archive = createResultArchive(store.kv);
  const meter = new JobMeter(metrics);
  const role = settings.role ?? 'all';
  const makeSharedQueue = store.sharedQueue;
  if (makeSharedQueue === undefined && role !== 'all') {
    await store.close();
    throw new CodedError(
      'config.roleNeedsRedis',
      `BOT_ROLE=${role} needs STORE_URL=redis://…: gateways and workers share their queue through Redis`,
    );
  }
  // On Redis every process shares one queue, which keeps each job until it ends: it is the journal.
  // Elsewhere the service builds its in-process queue itself.
  let sharedQueue: SharedQueue | undefined;
  const createSharedQueue =
    makeSharedQueue &&
    ((handlers: QueueHandlers) =>
      (sharedQueue = makeSharedQueue({
        ...settings.queue,
        rateWindowMs: settings.service?.rateWindowMs,
        positionIntervalMs: settings.service?.positionIntervalMs,
        ...settings.sharedQueue,
        runsJobs: role !== 'gateway',
        handlers,
      })));
  const generation = createGenerationService({
    images: createImagesClient({
      ...settings.images,
      catalogue: settings.catalogue,
      logger,
      onAttempt: (status, retry) => metrics.upstreamAttempt(status, retry),
    }),
    quotas,
    policies: createPolicyStore(store.kv),
    catalogue: settings.catalogue,
    defaultModel: settings.defaultModel,
    queue: settings.queue,
    journal:
      createSharedQueue === undefined
        ? createJobJournal(store.kv, settings.instanceId ?? 'default', (key, problem) =>
            logger.warn({ key, problem }, 'dropped a damaged job record from the journal'),
          )
        : queueIsTheJournal,
    reporters: settings.reporters(archive),
    userSalt: settings.userSalt,
    inputs: new Map([['url', urlInputSource], ...(settings.inputSources ?? [])]),
    logger: logger.child({ component: 'service' }),
    observe: (job, event) => meter.observe(job, event),
    released: (job) => meter.released(job),
    costOf: (request, images, usage) => actualMicros(prices, request, images, usage),
    ...(createSharedQueue && { createQueue: createSharedQueue }),
    ...settings.service,
  });
  // Jobs acknowledged before a restart continue before anything new arrives.
  await generation.resume();
  await sharedQueue?.start();
  const service = meteredService(generation, metrics);
  return {
    store,
    intake: store.intake,
    quotas,
    archive,
    service,
    close: async () => {
      await service.shutdown();
      await store.close();
    },
  };
};
