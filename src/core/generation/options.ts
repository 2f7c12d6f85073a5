import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ImagesClient } from '../images/types.js';
import type { JobReporters } from '../jobs.js';
import { createLogger, type Logger } from '../log.js';
import { ModelCatalogue } from '../models.js';
import { parseOptions, wholeNumber, withMethods } from '../queue/options.js';
import type { Clock, QueueSettings } from '../queue/types.js';
import type { QuotaAdmin, QuotaKeeper } from '../quota/types.js';
import type { ResultArchive } from '../result-archive.js';

export interface GenerationServiceOptions {
  /** The Images API client (`createImagesClient`). Required. */
  images: ImagesClient;
  /** Reserves, commits and refunds images; also what `/quota-admin` reaches. Required. */
  quotas: QuotaKeeper & QuotaAdmin;
  /** The models users may choose and their rules. Required. */
  catalogue: ModelCatalogue;
  /** The model used when a request names none (IMAGES_DEFAULT_MODEL). Required. */
  defaultModel: string;
  /** Concurrency, images per minute, pending caps, deadline and grace (the QUEUE_* settings). Required. */
  queue: QueueSettings;
  /** Where each platform's job events go. Required: a submit from a platform without one is refused. */
  reporters: JobReporters;
  /** Keeps delivered results' settings for 30 days (`createResultArchive(store.kv)`). Required. */
  results: ResultArchive;
  /** Salt for the hashed `user` sent upstream (IMAGES_USER_SALT). Required. */
  userSalt: string;
  /** Previews asked of streaming models; 0 turns streaming off. @default 2 */
  partialImages?: number;
  /** The window the images-per-minute cap counts over; shorter only in tests. @default 60000 */
  rateWindowMs?: number;
  /** The least time between two position reports to one job. @default 1500 */
  positionIntervalMs?: number;
  /** @default Date */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** @default crypto.randomUUID */
  newJobId?: () => string;
}

/** Node's timers take at most 2^31 - 1 ms; a longer delay fires at once instead. */
const timerMs = (min: number) =>
  wholeNumber(min).max(2 ** 31 - 1, { error: 'must be at most 2147483647 ms (about 24 days)' });

const queueSchema = z.object({
  concurrency: wholeNumber(1),
  imagesPerMinute: wholeNumber(1).nullable(),
  maxPendingPerGuild: wholeNumber(1),
  maxPendingPerUser: wholeNumber(1),
  jobDeadlineMs: timerMs(1),
  shutdownGraceMs: timerMs(0),
});

const schema = z
  .object({
    images: withMethods<ImagesClient>('generate'),
    quotas: withMethods<QuotaKeeper & QuotaAdmin>(
      'reserve',
      'commit',
      'refund',
      'standing',
      'report',
      'setGuildLimit',
      'setUserLimit',
      'grant',
      'reset',
    ),
    catalogue: z.instanceof(ModelCatalogue, { error: 'must be a ModelCatalogue' }),
    defaultModel: z.string().min(1, { error: 'must name a model' }),
    queue: queueSchema,
    reporters: z.record(
      z.enum(['discord', 'slack'], { error: 'must be discord or slack' }),
      withMethods<NonNullable<JobReporters['discord']>>('report').optional(),
    ),
    results: withMethods<ResultArchive>('save', 'load'),
    userSalt: z.string().min(1, { error: 'must not be empty' }),
    partialImages: wholeNumber(0)
      .max(3, { error: 'must be a whole number from 0 to 3' })
      .default(2),
    rateWindowMs: wholeNumber(1).default(60_000),
    positionIntervalMs: wholeNumber(0).default(1_500),
    clock: withMethods<Clock>('now').default(() => Date),
    logger: withMethods<Logger>('info', 'warn', 'error').default(() =>
      createLogger({ level: 'silent' }),
    ),
    newJobId: z
      .custom<() => string>((value) => typeof value === 'function', { error: 'must be a function' })
      .default(() => randomUUID),
  })
  .superRefine((options, context) => {
    if (options.catalogue.get(options.defaultModel) === undefined)
      context.addIssue({
        code: 'custom',
        path: ['defaultModel'],
        message: `${options.defaultModel} is not in the catalogue: choose ${options.catalogue.ids().join(', ')}`,
      });
  });

export type CheckedOptions = z.output<typeof schema>;

/** Checks the options, naming each bad field; the service refuses to start on any. */
export const checkServiceOptions = (options: GenerationServiceOptions): CheckedOptions =>
  parseOptions('generation service', schema, options);
