import type { ImagesClient, ImageUsage } from '../images/types.js';
import type { JobJournal } from '../journal.js';
import type { ImageInputSources } from '../inputs.js';
import type { Job, JobEvent, JobReporters } from '../jobs.js';
import type { Logger } from '../log.js';
import type { ImageRequest } from '../request.js';
import type { ModelCatalogue } from '../models.js';
import type { PolicyStore } from '../policy/types.js';
import type { Clock, JobQueue, QueueHandlers, QueueSettings } from '../queue/types.js';
import type { QuotaAdmin, QuotaKeeper } from '../quota/types.js';

export interface GenerationServiceOptions {
  /** The Images API client (`createImagesClient`). */
  images: ImagesClient;
  /** Reserves, commits and refunds images; also what `/quota-admin` reaches. */
  quotas: QuotaKeeper & QuotaAdmin;
  /** Each guild's policy (channels, blocked terms, limits, cooldown, audit channel). */
  policies: PolicyStore;
  /** The models users may choose and their rules. */
  catalogue: ModelCatalogue;
  /** The model used when a request names none (IMAGES_DEFAULT_MODEL); in the catalogue. */
  defaultModel: string;
  /** Concurrency, images per minute, pending caps, deadline and grace (the QUEUE_* settings). */
  queue: QueueSettings;
  /**
   * Builds the queue over the service's handlers: a queue shared by several processes, say.
   * @default the in-process fair queue, from `queue`
   */
  createQueue?: (handlers: QueueHandlers) => JobQueue;
  /** Keeps every acknowledged job until its ending is delivered, so a restart resumes it. */
  journal: JobJournal;
  /** Where each platform's job events go; a submit from a platform without one is refused. */
  reporters: JobReporters;
  /** Salt for the hashed `user` sent upstream (IMAGES_USER_SALT). */
  userSalt: string;
  /** Where input images are fetched from, by the source their references name. @default none */
  inputs?: ImageInputSources;
  /** Per input image fetched. @default 30000 */
  inputTimeoutMs?: number;
  /** Previews asked of streaming models, 0 to 3; 0 turns streaming off. @default 2 */
  partialImages?: number;
  /** The window the images-per-minute cap counts over; shorter only in tests. @default 60000 */
  rateWindowMs?: number;
  /** The least time between two position computations for waiting jobs. @default 1500 */
  positionIntervalMs?: number;
  /**
   * The least time between two progress events delivered for one job (each is an edit of a chat
   * message, which platforms rate-limit); newer progress replaces older meanwhile. @default 1000
   */
  progressIntervalMs?: number;
  /**
   * The longest a submission waits on the store (quota and journal together) before its owner is
   * told the bot cannot take it now. @default 5000
   */
  storeWaitMs?: number;
  /** @default Date */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** @default crypto.randomUUID */
  newJobId?: () => string;
  /**
   * Sees each job's queueing, start and ending as they happen, before progress is coalesced for
   * the reporter (metrics: `JobMeter.observe`). It must not throw. @default none
   */
  observe?: (job: Job, event: JobEvent) => void;
  /**
   * Told when a job this process queued on a shared queue was taken or ended by another process,
   * which reports it from then on (metrics: `JobMeter.released`). @default none
   */
  released?: (job: Job) => void;
  /** A delivered job's cost in micro-dollars, from its usage or the price table. @default not reported */
  costOf?: (request: ImageRequest, images: number, usage: ImageUsage | undefined) => number;
}
