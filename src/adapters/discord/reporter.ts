/**
 * Delivers a Discord job's progress and results through REST alone, from the address inside the
 * job. One status message per job (the interaction's reply, or a channel reply for 🔁) shows the
 * queue position, previews while the model streams, then becomes the first result message; more
 * images than one message may carry go in follow-ups. When the interaction's token has expired or
 * Discord no longer knows its webhook, everything goes to the channel instead of being lost.
 */
import { DiscordAPIError, RESTJSONErrorCodes, type APIMessage } from 'discord.js';
import { CodedError } from '#core/errors.js';
import type { PartialImage } from '#core/images/types.js';
import { isProgress, UndeliverableError } from '#core/jobs.js';
import type { CompletedEvent, FinalEvent, Job, JobEvent, JobReporter } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { ResultArchive } from '#core/result-archive.js';
import { AuditTrail, auditText } from '#adapters/shared/audit.js';
import { notPosted, previewFileName, statusLine } from '#adapters/shared/job-text.js';
import { messagesFor, type Messages } from '#adapters/shared/messages.js';
import { offerReuse } from '#adapters/shared/offer-reuse.js';
import { fitWithin, prepareUploads } from './attachments.js';
import { deleteButton, resultLink, type PostedResult } from './audit.js';
import { readDiscordDelivery, type DiscordDelivery } from './delivery.js';
import { discordLogger } from './log.js';
import { DiscordMessenger, isGone, type MessageBody, type RestOptions } from './messenger.js';
import { resultBody, statusBody } from './render.js';
import { cut, discordFormat, discordLimits, mention, regenerateEmoji } from './text.js';

export interface DiscordReporterOptions extends RestOptions {
  /** Where delivered results are remembered for 🔁. */
  archive: ResultArchive;
  logger: Logger;
  /** @default Date */
  clock?: { now(): number };
}

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
}

/** Discord's answers for a channel the bot may not see or post in. */
const noAccessCodes = new Set<number | string>([
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.UnknownChannel,
]);

const refusesTheBot = (error: unknown): boolean =>
  error instanceof DiscordAPIError && noAccessCodes.has(error.code);

export class DiscordReporter implements JobReporter {
  readonly #messenger: DiscordMessenger;
  readonly #archive: ResultArchive;
  readonly #logger: Logger;
  readonly #clock: { now(): number };
  readonly #jobs = new Map<string, JobState>();
  readonly #audited = new AuditTrail<PostedResult>();

  constructor(options: DiscordReporterOptions) {
    this.#messenger = new DiscordMessenger(options);
    this.#archive = options.archive;
    this.#logger = discordLogger(options.logger, 'discord-reporter');
    this.#clock = options.clock ?? Date;
  }

  async report(job: Job, event: JobEvent): Promise<void> {
    const state = this.#stateOf(job);
    const messages = messagesFor(job.requester.locale, discordFormat);
    try {
      if (event.type === 'completed') await this.#complete(job, state, event, messages);
      else if (event.type === 'partial') await this.#preview(job, state, event.image, messages);
      else await this.#status(state, statusBody(job, statusLine(event, messages)));
    } catch (error) {
      if (refusesTheBot(error))
        throw new UndeliverableError('Discord refuses the bot in this channel', { cause: error });
      throw error;
    } finally {
      if (!isProgress(event)) this.#jobs.delete(job.id);
    }
  }

  async audit(job: Job, ending: FinalEvent): Promise<void> {
    const entry = this.#audited.take(job);
    if (entry === undefined) return;
    const link = entry.posted && resultLink(entry.posted);
    await this.#messenger.send(entry.channelId, {
      content: cut(auditText(job, ending, discordFormat, mention, link), discordLimits.content),
      ...(entry.posted && { components: deleteButton(entry.posted) }),
    });
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
    };
    this.#jobs.set(job.id, state);
    return state;
  }

  async #preview(job: Job, state: JobState, image: PartialImage, messages: Messages) {
    const preview = await fitWithin(image, state.delivery.uploadLimit);
    const file = {
      name: previewFileName(preview),
      data: preview.bytes,
      contentType: preview.contentType,
    };
    await this.#status(state, statusBody(job, messages.preview(), [file]));
  }

  async #complete(
    job: Job,
    state: JobState,
    event: CompletedEvent,
    messages: Messages,
  ): Promise<void> {
    try {
      await this.#postResult(job, state, event, messages);
    } catch (error) {
      const notice = statusBody(job, notPosted(error, job, messages, this.#logger));
      // When part of the result is already on the status message, editing it would remove those
      // images: the notice goes below them instead.
      await (state.showsResult ? this.#postMore(state, notice) : this.#status(state, notice));
    }
  }

  /** The images, split over as many messages as Discord needs, each offering 🔁. */
  async #postResult(job: Job, state: JobState, result: CompletedEvent, messages: Messages) {
    const batches = await prepareUploads(result.images, state.delivery.uploadLimit);
    const bodies = batches.map((files, index) =>
      resultBody(job, result, messages, files, { index, of: batches.length }),
    );
    const [first, ...rest] = bodies;
    if (first === undefined)
      throw new CodedError('discord.noImages', 'a completed job had no images');
    const resultIds = [await this.#status(state, first)];
    state.showsResult = true;
    for (const body of rest) resultIds.push(await this.#postMore(state, body));
    await offerReuse(
      this.#archive,
      job,
      resultIds.map((messageId) => ({
        messageId,
        addAffordance: () =>
          this.#messenger.react(state.delivery.channelId, messageId, regenerateEmoji),
      })),
      this.#logger,
    );
    this.#audited.remember(job, {
      guildId: job.requester.guildId,
      channelId: state.delivery.channelId,
      messageIds: resultIds,
    });
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
}
