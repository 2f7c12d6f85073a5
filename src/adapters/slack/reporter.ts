/**
 * Delivers a job's progress and result to Slack through the Web API alone (the job's address holds
 * the channel), so it works from any process with the bot token. One status message per job shows
 * the queue position and progress; the images are uploaded to the channel with `files.uploadV2`;
 * the status message then becomes the result message that carries the `:repeat:` affordance.
 */
import { webApi } from '@slack/bolt';
import { CodedError } from '#core/errors.js';
import { isProgress, UndeliverableError } from '#core/jobs.js';
import type { CompletedEvent, FinalEvent, Job, JobEvent, JobReporter } from '#core/jobs.js';
import type { Logger } from '#core/log.js';
import type { ResultArchive } from '#core/result-archive.js';
import { AuditTrail, auditText } from '#adapters/shared/audit.js';
import {
  imageFileName,
  notPosted,
  resultDetails,
  statusLine,
  statusPromptLength,
} from '#adapters/shared/job-text.js';
import { messagesFor, type Messages } from '#adapters/shared/messages.js';
import { offerReuse } from '#adapters/shared/offer-reuse.js';
import { boltLogger } from './bolt-logger.js';
import {
  resolveRetryOptions,
  slackClientOptions,
  type SlackRetryOptions,
} from './client-options.js';
import { auditBlocks, resultLink, type PostedResult } from './audit.js';
import { readSlackDelivery, regenerateReaction, resultMessageId } from './delivery.js';
import { createSlackMarkup, quotePrompt, slackFormat, type SlackMarkup } from './markup.js';

export interface SlackReporterOptions {
  /** SLACK_BOT_TOKEN. */
  botToken: string;
  /** SLACK_API_URL. @default 'https://slack.com/api/' */
  apiUrl?: string;
  /** Where delivered results are remembered for `:repeat:`. */
  archive: ResultArchive;
  logger: Logger;
  /** @default see {@link SlackRetryOptions} */
  retry?: SlackRetryOptions;
}

/** What the reporter knows of a job's status message; the service hands over one event at a time. */
interface JobState {
  statusTs?: string;
  statusText?: string;
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

export class SlackReporter implements JobReporter {
  readonly #client: webApi.WebClient;
  readonly #archive: ResultArchive;
  readonly #logger: Logger;
  readonly #jobs = new Map<string, JobState>();
  readonly #audited = new AuditTrail<PostedResult>();

  constructor(options: SlackReporterOptions) {
    this.#archive = options.archive;
    this.#logger = options.logger.child({ component: 'slack-reporter' });
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
    const messages = messagesFor(job.requester.locale, slackFormat);
    const markup = createSlackMarkup();
    try {
      switch (event.type) {
        case 'queued':
        case 'started':
        case 'partial':
          try {
            await this.#setStatus(job, state, markup, statusLine(event, messages));
          } catch (error) {
            if (isChannelAccessError(error))
              throw new UndeliverableError('Slack refuses the bot in this channel', {
                cause: error,
              });
            // A progress edit that fails is cosmetic, and a later one may work.
            throw error;
          }
          return;
        case 'completed':
          await this.#deliver(job, event, state, markup, messages).catch((error: unknown) =>
            // Privately: the channel may be what refused.
            this.#tellRequester(job, notPosted(error, job, messages, this.#logger)),
          );
          return;
        case 'failed':
        case 'cancelled':
        case 'suspended':
          await this.#setStatus(job, state, markup, statusLine(event, messages)).catch(
            async (error: unknown) => {
              // How a job ended must reach the requester somehow, even where the bot may not post.
              this.#logger.warn(
                { err: error, jobId: job.id },
                'could not show how a job ended in its status message; telling the requester privately',
              );
              await this.#tellRequester(job, statusLine(event, messages));
            },
          );
          return;
      }
    } finally {
      if (!isProgress(event)) this.#jobs.delete(job.id);
    }
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
    const text = `${markup.render(`${markup.mention(job.requester.userId)} · ${line}`)}\n${quotePrompt(job.request.prompt, statusPromptLength)}`;
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
    event: CompletedEvent,
    state: JobState,
    markup: SlackMarkup,
    messages: Messages,
  ): Promise<void> {
    const { channelId } = readSlackDelivery(job.delivery);
    const details = resultDetails(
      job,
      event.elapsedMs,
      messages,
      markup.mention(job.requester.userId),
    );
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
    await offerReuse(
      this.#archive,
      job,
      resultTs.map((ts) => ({
        messageId: resultMessageId(channelId, ts),
        addAffordance: () =>
          this.#client.reactions.add({
            channel: channelId,
            timestamp: ts,
            name: regenerateReaction,
          }),
      })),
      this.#logger,
    );
    this.#audited.remember(job, { channelId, ts: resultTs });
  }

  /** The job's line in its guild's audit channel, with `Delete` when a result was posted. */
  async audit(job: Job, ending: FinalEvent): Promise<void> {
    const entry = this.#audited.take(job);
    if (entry === undefined) return;
    const markup = createSlackMarkup();
    const link = entry.posted && resultLink(entry.posted);
    const text = markup.render(auditText(job, ending, slackFormat, markup.mention, link));
    await this.#client.chat.postMessage({
      channel: entry.channelId,
      text,
      ...(entry.posted && { blocks: auditBlocks(text, entry.posted) }),
    });
  }
}
