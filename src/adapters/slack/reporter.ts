/**
 * Delivers a job's progress and result to Slack through the Web API alone (the job's address holds
 * the channel), so it works from any process with the bot token. One status message per job shows
 * the queue position and progress; the images are uploaded to the channel with `files.uploadV2`;
 * the status message then becomes the result message that carries the `:repeat:` affordance.
 */
import { webApi } from '@slack/bolt';
import { CodedError, newIncidentId } from '#core/errors.js';
import type { DecodedImage } from '#core/images/types.js';
import type { Job, JobEvent, JobReporter } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { GenerationService } from '#core/service-api.js';
import { messagesFor, type Messages } from '#adapters/shared/messages.js';
import { boltLogger } from './bolt-logger.js';
import {
  resolveRetryOptions,
  slackClientOptions,
  type SlackRetryOptions,
} from './client-options.js';
import { readSlackDelivery, regenerateReaction, resultMessageId } from './delivery.js';
import { createSlackMarkup, quotePrompt, type SlackMarkup } from './markup.js';

/** What the reporter needs of the service: remembering results, and cancelling undeliverable jobs. */
export type ResultMemory = Pick<GenerationService, 'rememberResult' | 'cancel'>;

export interface SlackReporterOptions {
  /** SLACK_BOT_TOKEN. */
  botToken: string;
  /** SLACK_API_URL. @default 'https://slack.com/api/' */
  apiUrl?: string;
  logger: Logger;
  /**
   * Where delivered results are remembered for `:repeat:`. A function, because the service is
   * built with this reporter and so exists only after it.
   */
  results: () => ResultMemory;
  /** @default see {@link SlackRetryOptions} */
  retry?: SlackRetryOptions;
}

/**
 * What the reporter knows of a job's status message. The service delivers one job's events one at
 * a time and in order, so this needs no locking.
 */
interface JobState {
  statusTs?: string;
  statusText?: string;
  /** Set once the requester has been told why delivery failed, so they are told once. */
  explained?: boolean;
}

/** Slack's answers for a channel the bot may not post in. */
const channelAccessErrors: ReadonlySet<string> = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
]);

/** Whether a Web API error means the bot may not post in the channel. Pure. */
export const isChannelAccessError = (error: unknown): boolean => {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' && channelAccessErrors.has(code);
};

const extensions: Record<DecodedImage['contentType'], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

export const imageFileName = (image: DecodedImage, index: number): string =>
  `imagine-${index + 1}.${extensions[image.contentType]}`;

/**
 * The `ts` of the message Slack made to share uploaded files in `channelId`, when its answer says
 * (Slack may share asynchronously and leave `shares` empty). Pure.
 */
export const sharedMessageTs = (upload: unknown, channelId: string): string | undefined => {
  const completions = (upload as { files?: Array<{ files?: unknown[] }> }).files ?? [];
  for (const completion of completions) {
    for (const file of completion.files ?? []) {
      const shares = (file as { shares?: Record<string, Record<string, Array<{ ts?: string }>>> })
        .shares;
      const ts = shares?.public?.[channelId]?.[0]?.ts ?? shares?.private?.[channelId]?.[0]?.ts;
      if (ts !== undefined) return ts;
    }
  }
  return undefined;
};

/** The status line for every event but `completed`, which becomes the result itself. Pure. */
const statusLine = (
  event: Exclude<JobEvent, { type: 'completed' }>,
  messages: Messages,
): string => {
  switch (event.type) {
    case 'queued':
      return messages.queued(event.position);
    case 'started':
      return messages.started();
    case 'partial':
      return messages.preview();
    case 'failed':
      return messages.failure(event.failure);
    case 'cancelled':
      return messages.cancelled();
  }
};

const isFinal = (event: JobEvent): boolean =>
  event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled';

export class SlackReporter implements JobReporter {
  readonly #client: webApi.WebClient;
  readonly #logger: Logger;
  readonly #results: () => ResultMemory;
  readonly #jobs = new Map<string, JobState>();

  constructor(options: SlackReporterOptions) {
    if (typeof options.botToken !== 'string' || options.botToken.trim() === '') {
      throw new CodedError('slack.invalidOption', 'botToken is required (SLACK_BOT_TOKEN)');
    }
    if (typeof options.results !== 'function') {
      throw new CodedError(
        'slack.invalidOption',
        'results must be a function returning the service',
      );
    }
    this.#logger = options.logger.child({ component: 'slack-reporter' });
    this.#results = options.results;
    this.#client = new webApi.WebClient(
      options.botToken,
      slackClientOptions(
        options.apiUrl ?? 'https://slack.com/api/',
        resolveRetryOptions(options.retry),
        boltLogger(options.logger),
      ),
    );
  }

  async report(job: Job, event: JobEvent): Promise<void> {
    const state = this.#jobs.get(job.id) ?? {};
    this.#jobs.set(job.id, state);
    try {
      await this.#handle(job, event, state);
    } catch (error) {
      // A progress edit that fails is cosmetic and a later one may work: the service logs it. A
      // result, a job's ending, or a channel closed to the bot must reach the requester somehow.
      if (event.type === 'completed' || isChannelAccessError(error)) {
        await this.#explain(job, state, error, event.type === 'completed');
      } else if (event.type === 'failed' || event.type === 'cancelled') {
        this.#logger.warn(
          { err: error, jobId: job.id },
          'could not show how a job ended in its status message; telling the requester privately',
        );
        await this.#tellRequester(job, statusLine(event, messagesFor(job.requester.locale)));
      } else {
        throw error;
      }
    } finally {
      if (isFinal(event)) this.#jobs.delete(job.id);
    }
  }

  async #handle(job: Job, event: JobEvent, state: JobState): Promise<void> {
    const messages = messagesFor(job.requester.locale);
    const markup = createSlackMarkup();
    if (event.type === 'completed') return this.#deliver(job, event, state, markup, messages);
    return this.#setStatus(job, state, markup, statusLine(event, messages));
  }

  /**
   * Tells the requester, once and privately, why their job cannot be shown. A job not yet completed
   * in a channel closed to the bot is cancelled, so nobody pays for unseen images; a completed one
   * was counted, and the user gets an incident id instead.
   */
  async #explain(job: Job, state: JobState, error: unknown, completed: boolean): Promise<void> {
    if (state.explained) return;
    state.explained = true;
    const messages = messagesFor(job.requester.locale);
    let text: string;
    if (!completed && isChannelAccessError(error)) {
      this.#logger.warn({ err: error, jobId: job.id }, 'the bot may not post in this channel');
      text = messages.cannotPostHere();
      // Not awaited: the cancellation's own event is delivered after this one.
      this.#results()
        .cancel(job.id, { userId: job.requester.userId, isAdmin: true })
        .catch((cancelError: unknown) =>
          this.#logger.info(
            { err: cancelError, jobId: job.id },
            'job ended before it could be cancelled',
          ),
        );
    } else {
      const incidentId = newIncidentId();
      this.#logger.error({ err: error, jobId: job.id, incidentId }, 'could not post a result');
      text = messages.deliveryFailed(incidentId);
    }
    await this.#tellRequester(job, text);
  }

  /**
   * Tells the requester privately: through the command's `response_url`, which works even where
   * the bot may not post, else as an ephemeral message. A failure here is only logged: there is
   * no other way left to reach them.
   */
  async #tellRequester(job: Job, text: string): Promise<void> {
    const delivery = readSlackDelivery(job.delivery);
    const rendered = createSlackMarkup().render(text);
    try {
      if (delivery.responseUrl === undefined) {
        await this.#client.chat.postEphemeral({
          channel: delivery.channelId,
          user: job.requester.userId,
          text: rendered,
        });
      } else {
        const answer = await fetch(delivery.responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', text: rendered }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!answer.ok)
          throw new CodedError('slack.responseUrl', `response_url answered ${answer.status}`);
      }
    } catch (tellError) {
      this.#logger.error(
        { err: tellError, jobId: job.id },
        'could not tell the requester privately',
      );
    }
  }

  /** Posts the status message the first time, then edits it; identical text is not sent again. */
  async #setStatus(job: Job, state: JobState, markup: SlackMarkup, line: string): Promise<void> {
    const { channelId } = readSlackDelivery(job.delivery);
    const text = `${markup.render(`${markup.mention(job.requester.userId)} · ${line}`)}\n${quotePrompt(job.request.prompt, 300)}`;
    if (text === state.statusText) return;
    if (state.statusTs === undefined) {
      const posted = await this.#client.chat.postMessage({ channel: channelId, text });
      state.statusTs = posted.ts;
    } else {
      await this.#client.chat.update({ channel: channelId, ts: state.statusTs, text });
    }
    state.statusText = text;
  }

  async #deliver(
    job: Job,
    event: Extract<JobEvent, { type: 'completed' }>,
    state: JobState,
    markup: SlackMarkup,
    messages: Messages,
  ): Promise<void> {
    const { channelId } = readSlackDelivery(job.delivery);
    const details = messages.resultDetails({
      prompt: job.request.prompt,
      model: job.request.model,
      size: job.request.size,
      quality: job.request.quality,
      requester: markup.mention(job.requester.userId),
      elapsedMs: event.elapsedMs,
    });
    const upload = await this.#client.files.uploadV2({
      channel_id: channelId,
      initial_comment: `${quotePrompt(job.request.prompt)}\n${markup.render(details)}`,
      file_uploads: event.images.map((image, index) => ({
        file: image.bytes,
        filename: imageFileName(image, index),
      })),
    });
    // The images are in the channel now: a status message that can no longer be edited (the
    // requester deleted it, say) must not turn this into a "could not be posted" for them.
    await this.#setStatus(
      job,
      state,
      markup,
      `${details}\n${messages.remaining(event.quota)}`,
    ).catch((error: unknown) =>
      this.#logger.warn({ err: error, jobId: job.id }, 'could not update the status of a result'),
    );

    const resultTs = [state.statusTs, sharedMessageTs(upload, channelId)].filter(
      (ts): ts is string => ts !== undefined,
    );
    await Promise.all(resultTs.map((ts) => this.#offerRegenerate(job, channelId, ts)));
  }

  /** Remembers the settings under a result message and adds the `:repeat:` affordance to it. */
  async #offerRegenerate(job: Job, channelId: string, ts: string): Promise<void> {
    try {
      await this.#results().rememberResult('slack', resultMessageId(channelId, ts), job);
      await this.#client.reactions.add({
        channel: channelId,
        timestamp: ts,
        name: regenerateReaction,
      });
    } catch (error) {
      // The images are delivered; only the regenerate shortcut is lost, which is not worth a user error.
      this.#logger.warn({ err: error, jobId: job.id, ts }, 'could not offer :repeat: on a result');
    }
  }
}

export const createSlackReporter = (options: SlackReporterOptions): SlackReporter =>
  new SlackReporter(options);
