/**
 * Delivers a Discord job's progress and results through REST alone, from the address inside the
 * job. One status message per job (the interaction's reply, or a channel reply for 🔁) shows the
 * queue position, previews while the model streams, then becomes the first result message; more
 * images than one message may carry go in follow-ups. When the interaction's token has expired or
 * Discord no longer knows its webhook, everything goes to the channel instead of being lost.
 */
import type { APIMessage } from 'discord.js';
import { CodedError, newIncidentId } from '#core/errors.js';
import { extensionOf } from '#core/images/decode.js';
import type { Job, JobEvent, JobReporter } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import { messagesFor, type Messages } from '#adapters/shared/messages.js';
import { fitWithin, prepareUploads } from './attachments.js';
import { readDiscordDelivery, type DiscordDelivery } from './delivery.js';
import { discordLogger } from './log.js';
import { DiscordMessenger, isGone, type MessageBody, type RestOptions } from './messenger.js';
import { resultBody, statusBody } from './render.js';
import { discordFormat, regenerateEmoji } from './text.js';

export type ResultMemory = Pick<GenerationService, 'rememberResult'>;

export interface DiscordReporterOptions extends RestOptions {
  logger: Logger;
  /**
   * Where delivered results are remembered for 🔁. A function, because the service is built with
   * this reporter and so exists only after it.
   */
  results: () => ResultMemory;
  /** The least time between two progress edits of one job's message (Discord limits edits). @default 1000 */
  minEditIntervalMs?: number;
  /** @default Date */
  clock?: { now(): number };
}

type ProgressEvent = Extract<JobEvent, { type: 'queued' | 'started' | 'partial' }>;
type FinalEvent = Exclude<JobEvent, ProgressEvent>;

interface JobState {
  delivery: DiscordDelivery;
  /** False once the token expired or Discord forgot the webhook: the channel is used from then on. */
  webhookUsable: boolean;
  /** The message that shows this job, once it exists, and whether the bot posted it to the channel. */
  statusMessageId?: string;
  statusInChannel: boolean;
  lastStatus?: string;
  /** Set once the status message carries result images, which a later edit must not wipe. */
  showsResult: boolean;
  lastEditAt: number;
  /** The newest progress not yet shown; older ones are dropped, not queued. */
  pending?: ProgressEvent;
  flushScheduled: boolean;
  /** One job's deliveries run one after another, so a late position never overwrites the result. */
  tail: Promise<void>;
}

const isProgress = (event: JobEvent): event is ProgressEvent =>
  event.type === 'queued' || event.type === 'started' || event.type === 'partial';

export class DiscordReporter implements JobReporter {
  readonly #messenger: DiscordMessenger;
  readonly #logger: Logger;
  readonly #results: () => ResultMemory;
  readonly #minEditIntervalMs: number;
  readonly #clock: { now(): number };
  readonly #jobs = new Map<string, JobState>();

  constructor(options: DiscordReporterOptions) {
    if (typeof options.token !== 'string' || options.token.trim() === '')
      throw new CodedError('discord.invalidOption', 'token is required (DISCORD_TOKEN)');
    if (typeof options.results !== 'function')
      throw new CodedError(
        'discord.invalidOption',
        'results must be a function returning the service',
      );
    const interval = options.minEditIntervalMs ?? 1000;
    if (!Number.isFinite(interval) || interval < 0)
      throw new CodedError(
        'discord.invalidOption',
        `minEditIntervalMs must be a number of at least 0, got ${interval}`,
      );
    this.#messenger = new DiscordMessenger(options);
    this.#logger = discordLogger(options.logger, 'discord-reporter');
    this.#results = options.results;
    this.#minEditIntervalMs = interval;
    this.#clock = options.clock ?? Date;
  }

  /**
   * Progress returns at once and is shown in the background, newest first, at most one edit per
   * interval: the service hands events over one at a time, so waiting here would only queue stale
   * positions. A final event waits for any edit in flight, then replaces whatever was pending.
   */
  report(job: Job, event: JobEvent): Promise<void> {
    const state = this.#stateOf(job);
    if (isProgress(event)) {
      state.pending = event;
      this.#scheduleFlush(job, state);
      return Promise.resolve();
    }
    state.pending = undefined;
    const done = this.#enqueue(state, () => this.#finish(job, state, event));
    const forget = () => this.#jobs.delete(job.id);
    done.then(forget, forget);
    return done;
  }

  #stateOf(job: Job): JobState {
    const known = this.#jobs.get(job.id);
    if (known) return known;
    const delivery = readDiscordDelivery(job.delivery);
    const state: JobState = {
      delivery,
      webhookUsable: delivery.interactionToken !== null,
      statusInChannel: false,
      showsResult: false,
      lastEditAt: Number.NEGATIVE_INFINITY,
      flushScheduled: false,
      tail: Promise.resolve(),
    };
    this.#jobs.set(job.id, state);
    return state;
  }

  #enqueue(state: JobState, work: () => Promise<void>): Promise<void> {
    const run = state.tail.then(work);
    state.tail = run.catch(() => undefined);
    return run;
  }

  /** Shows the newest progress once the edit interval has passed since the last edit. */
  #scheduleFlush(job: Job, state: JobState): void {
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    const wait = Math.max(0, state.lastEditAt + this.#minEditIntervalMs - this.#clock.now());
    setTimeout(() => {
      state.flushScheduled = false;
      const event = state.pending;
      state.pending = undefined;
      if (event === undefined) return;
      this.#enqueue(state, () => this.#progress(job, state, event)).catch((error: unknown) =>
        this.#logger.warn({ err: error, jobId: job.id }, "could not show a job's progress"),
      );
    }, wait);
  }

  async #progress(job: Job, state: JobState, event: ProgressEvent): Promise<void> {
    const messages = this.#messagesFor(job);
    if (event.type !== 'partial') {
      const line = event.type === 'queued' ? messages.queued(event.position) : messages.started();
      await this.#status(state, statusBody(job, line));
      return;
    }
    const preview = await fitWithin(event.image, state.delivery.uploadLimit);
    await this.#status(
      state,
      statusBody(job, messages.preview(), [
        {
          name: `preview.${extensionOf(preview.contentType)}`,
          data: preview.bytes,
          contentType: preview.contentType,
        },
      ]),
    );
  }

  async #finish(job: Job, state: JobState, event: FinalEvent): Promise<void> {
    const messages = this.#messagesFor(job);
    if (event.type !== 'completed') {
      const line = event.type === 'failed' ? messages.failure(event.failure) : messages.cancelled();
      await this.#status(state, statusBody(job, line));
      return;
    }
    try {
      await this.#deliver(job, state, event, messages);
    } catch (error) {
      // The images were made and counted, so the generic "nothing was charged" would be false: say
      // they could not be posted, with an id that finds this line.
      const incidentId = newIncidentId();
      this.#logger.error({ err: error, jobId: job.id, incidentId }, 'could not post a result');
      const notice = statusBody(job, messages.deliveryFailed(incidentId));
      // When part of the result is already on the status message, editing it would remove those
      // images: the notice goes below them instead.
      await (state.showsResult ? this.#postMore(state, notice) : this.#status(state, notice));
    }
  }

  async #deliver(
    job: Job,
    state: JobState,
    event: Extract<JobEvent, { type: 'completed' }>,
    messages: Messages,
  ): Promise<void> {
    const batches = await prepareUploads(event.images, state.delivery.uploadLimit);
    const bodies = batches.map((files, index) =>
      resultBody(job, event, messages, files, { index, of: batches.length }),
    );
    const [first, ...rest] = bodies;
    if (first === undefined)
      throw new CodedError('discord.noImages', 'a completed job had no images');
    const resultIds = [await this.#status(state, first)];
    state.showsResult = true;
    for (const body of rest) resultIds.push(await this.#postMore(state, body));
    await Promise.all(resultIds.map((id) => this.#offerRegenerate(job, state, id)));
  }

  /** Shows `body` on the job's status message (made on first use); returns its id. */
  async #status(state: JobState, body: MessageBody): Promise<string> {
    const signature = JSON.stringify([body.content, body.embeds, body.files?.length]);
    if (
      state.statusMessageId !== undefined &&
      signature === state.lastStatus &&
      !body.files?.length
    )
      return state.statusMessageId;
    const edited = await this.#throughWebhook(state, (applicationId, token) =>
      this.#messenger.editInteractionReply(applicationId, token, body),
    );
    if (edited !== undefined) return this.#shown(state, edited.id, signature);
    // An interaction's reply is only edited through its webhook; once that is gone the job gets a
    // message of its own in the channel, replying to the interaction's reply when there was one.
    if (state.statusInChannel && state.statusMessageId !== undefined) {
      try {
        const message = await this.#messenger.edit(
          state.delivery.channelId,
          state.statusMessageId,
          body,
        );
        return this.#shown(state, message.id, signature);
      } catch (error) {
        // Deleted by someone: post a new one below.
        if (!isGone(error)) throw error;
      }
    }
    const posted = await this.#sendToChannel(state, body);
    state.statusInChannel = true;
    return this.#shown(state, posted.id, signature);
  }

  /** Posts a further message of the job (more images than one message carries); returns its id. */
  async #postMore(state: JobState, body: MessageBody): Promise<string> {
    const followUp = await this.#throughWebhook(state, (applicationId, token) =>
      this.#messenger.followUp(applicationId, token, body),
    );
    return (followUp ?? (await this.#sendToChannel(state, body))).id;
  }

  /**
   * Makes `call` with the interaction's token while its webhook is usable; undefined when it is
   * not (or stops being so now), so the caller falls back to the channel.
   */
  async #throughWebhook(
    state: JobState,
    call: (applicationId: string, token: string) => Promise<APIMessage>,
  ): Promise<APIMessage | undefined> {
    const { applicationId, interactionToken } = state.delivery;
    if (interactionToken === null || !this.#webhookUsable(state)) return undefined;
    try {
      return await call(applicationId, interactionToken);
    } catch (error) {
      this.#giveUpWebhookOn(error, state);
      return undefined;
    }
  }

  /** A reply to the message the job answers (a 🔁's result, or the interaction's reply). */
  #sendToChannel(state: JobState, body: MessageBody): Promise<APIMessage> {
    return this.#messenger.send(
      state.delivery.channelId,
      body,
      state.delivery.replyTo ?? state.statusMessageId,
    );
  }

  #shown(state: JobState, messageId: string, signature: string): string {
    state.statusMessageId = messageId;
    state.lastStatus = signature;
    state.lastEditAt = this.#clock.now();
    return messageId;
  }

  #webhookUsable(state: JobState): boolean {
    const expiresAt = state.delivery.tokenExpiresAt;
    if (state.webhookUsable && expiresAt !== null && this.#clock.now() >= expiresAt) {
      state.webhookUsable = false;
      this.#logger.info('interaction token expired; delivering to the channel');
    }
    return state.webhookUsable;
  }

  /** Rethrows anything but "this webhook is gone", which switches the job to the channel. */
  #giveUpWebhookOn(error: unknown, state: JobState): void {
    if (!isGone(error)) throw error;
    state.webhookUsable = false;
    this.#logger.info(
      { channelId: state.delivery.channelId, err: error },
      'interaction webhook no longer usable; delivering to the channel',
    );
  }

  /** Remembers the settings under a result message and adds the 🔁 affordance to it. */
  async #offerRegenerate(job: Job, state: JobState, messageId: string): Promise<void> {
    try {
      await this.#results().rememberResult('discord', messageId, job);
      await this.#messenger.react(state.delivery.channelId, messageId, regenerateEmoji);
    } catch (error) {
      // The images are delivered; only the regenerate shortcut is lost, which is not worth a user error.
      this.#logger.warn({ err: error, jobId: job.id, messageId }, 'could not offer 🔁 on a result');
    }
  }

  #messagesFor(job: Job): Messages {
    return messagesFor(job.requester.locale, discordFormat);
  }
}
