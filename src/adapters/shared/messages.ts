/**
 * Every sentence the bot says to users, in English and Korean. Both adapters word replies here, so
 * a refusal reads the same on Discord and Slack and a translation is fixed in one place. Sentences
 * are plain text; each platform adds its own markup around them.
 */
import type { UserError } from '#core/errors.js';
import type { FinalEvent, JobFailure } from '#core/jobs.js';
import {
  policySettings,
  type PolicySetting,
  type SettingOrigin,
  type StoredPolicy,
} from '#core/policy/types.js';
import type {
  Allowance,
  GuildQuotaReport,
  Limit,
  QuotaPeriod,
  QuotaStanding,
} from '#core/quota/types.js';
import type { Locale } from '#core/request.js';
import { InvalidOptionsError } from '#core/service-api.js';
import { alphaFormats, type Problem } from '#core/validate.js';
import type { UsageChartData } from './usage-chart.js';
import { MalformedCommandError, type CommandProblem } from './command-problems.js';

/** One job as the audit channel shows it. */
export interface AuditEntry {
  /** Already in platform markup. */
  requester: string;
  prompt: string;
  /** The request's settings, already joined. */
  settings: string;
  ending: FinalEvent;
  link?: string;
  tokens?: number;
  /** What a delivered job cost, in micro-dollars, when prices are known. */
  costMicros?: number;
}

export interface ResultCaption {
  prompt: string;
  model: string;
  size: string;
  quality?: string;
  /** Already in platform markup (a mention). */
  requester: string;
  elapsedMs: number;
}

export interface Messages {
  locale: Locale;
  problem(problem: Problem): string;
  /** What is wrong with a command as typed or sent, naming the option and what it allows. */
  commandProblem(problem: CommandProblem): string;
  refusal(error: UserError): string;
  failure(failure: JobFailure): string;
  unexpected(incidentId: string): string;
  queued(position: number): string;
  started(): string;
  preview(): string;
  cancelled(): string;
  /** The bot stops for a restart before the job ended; the job resumes when it is back. */
  suspended(): string;
  /** The settings line under a result, without the prompt (platforms quote the prompt their own way). */
  resultDetails(caption: ResultCaption): string;
  remaining(standing: QuotaStanding): string;
  quotaStanding(standing: QuotaStanding): string;
  quotaReport(report: GuildQuotaReport, mention: (userId: string) => string): string;
  guildLimitSet(limit: Limit, period: QuotaPeriod): string;
  userLimitSet(who: string | undefined, limit: Limit, period: QuotaPeriod): string;
  granted(who: string, images: number): string;
  resetDone(who: string | undefined): string;
  usage(usageLines: readonly string[]): string;
  resultExpired(): string;
  /** Images were made (and counted) but the platform refused them. */
  deliveryFailed(incidentId: string): string;
  /** A reply with files went to the user's direct messages (Slack). */
  sentPrivately(): string;
  /** The axis titles of the usage chart. */
  chartLabels(): { images: string; spend: string; day: string };
  /** The text with the usage chart: the range, its totals, and who `#1`… are. */
  usageReport(days: number, data: UsageChartData, mention: (userId: string) => string): string;
  /** Every policy setting, and who set it when (or that it is the default). */
  policyReport(stored: StoredPolicy, mention: (userId: string) => string): string;
  /** One setting after a change: what it is now. */
  policySaved(setting: PolicySetting, stored: StoredPolicy): string;
  blockedList(terms: readonly string[]): string;
  roleLimitSet(roleId: string, limit: Limit, period: QuotaPeriod): string;
  auditLine(entry: AuditEntry): string;
  /** The note a moderator's Delete leaves on the audit line; `by` in platform markup. */
  auditDeleted(by: string): string;
  resultDeleted(): string;
  /** The prompt the model says it drew from (dall-e-3 rewrites prompts). */
  revisedPrompt(prompt: string): string;
  /** `Edit image` was used on a message without an image. */
  noImageOnMessage(): string;
  /** A prompt form was submitted after the bot stopped keeping it. */
  formExpired(): string;
  /** The title of a prompt form (at most 24 characters: Slack's limit). */
  formTitle(kind: 'edit' | 'remix'): string;
  promptLabel(): string;
  /** The submit button of a prompt form, where the platform shows one. */
  formSubmit(): string;
  /** The buttons on a result and on a waiting job's status. */
  actionLabel(action: 'reroll' | 'vary' | 'remix' | 'delete' | 'cancel'): string;
  /** Asks which image to vary, and how much. */
  varyPrompt(): string;
  /** One choice of the vary picker: the image's number, and the change where there is a choice. */
  varyChoice(image: number, strength?: 'subtle' | 'strong'): string;
  /** Someone other than the owner or a moderator tried to delete a result. */
  notYourResult(): string;
  /** Someone other than the owner or an admin tried to cancel a job. */
  notYourJob(): string;
}

/** Every setting on its own line, each followed by where it came from. */
const policyReportOf = (
  stored: StoredPolicy,
  line: (setting: PolicySetting, stored: StoredPolicy) => string,
  source: (origin: SettingOrigin | undefined) => string,
): string =>
  policySettings
    .map((setting) => `${line(setting, stored)} (${source(stored.origins[setting])})`)
    .join('\n');

/** The words an audit line is made of, in one language. */
interface AuditWords {
  completed(images: number): string;
  failed: string;
  cancelled: string;
  tokens(count: number | undefined): string;
  /** An estimate from the price table, marked as one. */
  cost(micros: number): string;
  /** Said plainly when the job has no estimate (not delivered, or a model without prices). */
  noCost: string;
}

/** One job's audit line: who, how it ended, the settings, tokens, cost, link; the prompt below. */
const auditLineIn =
  (words: AuditWords) =>
  (entry: AuditEntry): string => {
    const { ending } = entry;
    const outcome =
      ending.type === 'completed'
        ? words.completed(ending.images.length)
        : ending.type === 'cancelled'
          ? words.cancelled
          : `${words.failed} (${ending.failure.reason})`;
    const facts = [
      entry.requester,
      outcome,
      entry.settings,
      words.tokens(entry.tokens),
      entry.costMicros === undefined ? words.noCost : words.cost(entry.costMicros),
      entry.link,
    ];
    return `${facts.filter(Boolean).join(' · ')}\n${auditPrompt(entry.prompt)}`;
  };

/** The prompt on the audit line: one quoted line, cut so the line stays readable. */
const auditPrompt = (prompt: string): string => {
  const flat = [...prompt.replace(/\s+/g, ' ').trim()];
  return `> ${flat.length > 500 ? `${flat.slice(0, 499).join('')}…` : flat.join('')}`;
};

export interface MessageFormat {
  /** Formats an ISO instant for this platform (Discord and Slack render dates in the reader's zone). */
  time(iso: string): string;
  /** A channel reference in this platform's markup. @default `#id` */
  channel?(channelId: string): string;
  /** A role reference in this platform's markup. @default `@id` */
  role?(roleId: string): string;
  /** Who may change the bot's settings here, by locale. @default server managers */
  managers?: Readonly<Record<Locale, string>>;
}

const channelOf = (format: MessageFormat) => format.channel ?? ((id: string) => `#${id}`);
const roleOf = (format: MessageFormat) => format.role ?? ((id: string) => `@${id}`);

const utcTime = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

const seconds = (elapsedMs: number): string => (elapsedMs / 1000).toFixed(1);

/** The usage under a refusal, on its own lines; nothing where the platform shows the form itself. */
const usageOf = (error: MalformedCommandError, messages: Messages): string =>
  error.usage.length > 0 ? `\n${messages.usage(error.usage)}` : '';

/** `a, b, c or d`: the list in the order given. */
export const orList = (items: readonly string[], or = 'or'): string =>
  items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} ${or} ${items[items.length - 1]}`;

/** A validation problem in English; also what the command-line tool prints. */
export const englishProblem = (problem: Problem): string => {
  switch (problem.kind) {
    case 'missing':
      return 'prompt is required: describe the image you want';
    case 'tooLong':
      return `prompt is ${problem.length} characters; ${problem.model} accepts at most ${problem.max}`;
    case 'unknown':
      return `model ${problem.value} is not available: choose ${orList(problem.allowed)}`;
    case 'notAllowed':
      return `${problem.option} ${problem.value} is not available for ${problem.model}: choose ${orList(problem.allowed)}`;
    case 'unsupported':
      return `${problem.option} is not supported by ${problem.model}: leave it out`;
    case 'outOfRange':
      return problem.min === problem.max
        ? `count ${problem.value} is not available for ${problem.model}: it makes exactly ${problem.min} image per request`
        : `count ${problem.value} is not available for ${problem.model}: choose a whole number from ${problem.min} to ${problem.max}`;
    case 'needsAlpha':
      return `background transparent needs a format with alpha: choose output format ${orList(alphaFormats)}, not ${problem.outputFormat}`;
    case 'outsideLimits': {
      const { multipleOf, maxAspect, maxLongEdge, maxPixels } = problem.limits;
      return `size ${problem.value} is not available for ${problem.model}: give WIDTHxHEIGHT (or auto) with both sides multiples of ${multipleOf}, the long side at most ${maxLongEdge}, at most ${maxPixels} pixels, and an aspect ratio between 1:${maxAspect} and ${maxAspect}:1`;
    }
    case 'tooMany':
      return `${problem.count} images given; ${problem.model} takes at most ${problem.max}`;
  }
};

const megabytes = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;
const typeNames = (types: readonly string[]): string[] =>
  types.map((type) => type.slice('image/'.length).toUpperCase());

/** Why an input image was refused: the file and the rule it broke. */
const englishInputRefusal = (input: JobFailure['input']): string => {
  const file = input?.file ?? 'an image';
  switch (input?.rule) {
    case 'tooLarge':
      return `The image ${file} is larger than ${megabytes(input.maxBytes)}, the most this model takes.`;
    case 'wrongType':
      return `The image ${file} is not a ${orList(typeNames(input.types))} file, which is all this model takes.`;
    case 'notSquare':
      return `The image ${file} must be a square PNG for this model.`;
    case 'unreachable':
    case undefined:
      return `The image ${file} could not be fetched (it may have been deleted).`;
  }
};

const koreanInputRefusal = (input: JobFailure['input']): string => {
  const file = input?.file ?? '이미지';
  switch (input?.rule) {
    case 'tooLarge':
      return `이미지 ${file}이(가) 이 모델이 받는 최대 크기 ${megabytes(input.maxBytes)}보다 큽니다.`;
    case 'wrongType':
      return `이미지 ${file}은(는) ${orList(typeNames(input.types), '또는')} 파일이 아닙니다. 이 모델은 이 형식만 받습니다.`;
    case 'notSquare':
      return `이 모델에는 이미지 ${file}이(가) 정사각형 PNG여야 합니다.`;
    case 'unreachable':
    case undefined:
      return `이미지 ${file}을(를) 가져오지 못했습니다 (삭제되었을 수 있습니다).`;
  }
};
/** Micro-dollars (or dollars, from an error's context) as `$1.25`; a cent is as fine as spend is shown. */
const dollars = (micros: number): string => `$${(micros / 1_000_000).toFixed(2)}`;
const usd = (amount: unknown): string => dollars(Number(amount) * 1_000_000);

/** A top user's spend after their image count, when it is known. */
const spentBy = (user: GuildQuotaReport['topUsers'][number]): string =>
  user.spentMicros === undefined ? '' : ` (${dollars(user.spentMicros)})`;

const english = (format: MessageFormat): Messages => {
  const channel = channelOf(format);
  const role = roleOf(format);
  const changeBy = `${format.managers?.en ?? 'Server managers'} can change this with /imagine-settings`;
  const period = (value: QuotaPeriod) =>
    ({ day: 'today', week: 'this week', month: 'this month' })[value];
  const per = (value: QuotaPeriod) => ({ day: 'a day', week: 'a week', month: 'a month' })[value];
  const limitText = (limit: Limit, value: QuotaPeriod) =>
    limit === null ? 'unlimited' : `${limit} ${limit === 1 ? 'image' : 'images'} ${per(value)}`;
  const allowance = (allowance: Allowance) =>
    allowance.remaining === null
      ? `unlimited (${allowance.used} used ${period(allowance.period)})`
      : `${allowance.remaining} of ${allowance.limit} left ${period(allowance.period)}, resets ${format.time(allowance.resetsAt)}`;
  const spendText = (spend: Allowance) =>
    spend.limit === null
      ? dollars(spend.used)
      : `${dollars(spend.used)} of its ${dollars(spend.limit)} budget`;
  const range = (min: number | undefined, max: number | undefined) =>
    min !== undefined && max !== undefined
      ? `from ${min} to ${max}`
      : min !== undefined
        ? `at least ${min}`
        : `at most ${max ?? Number.MAX_SAFE_INTEGER}`;
  const typeName = {
    string: 'text',
    integer: 'a whole number',
    user: 'a user',
    channel: 'a channel',
    role: 'a role',
    attachment: 'a file',
  } as const;
  const commandProblem = (p: CommandProblem): string => {
    switch (p.kind) {
      case 'missingSubcommand':
        return `a subcommand is required: choose ${orList(p.allowed)}`;
      case 'unknownSubcommand':
        return `unknown subcommand "${p.value}": choose ${orList(p.allowed)}`;
      case 'unknownFlag':
        return p.allowed.length > 0
          ? `unknown option ${p.flag}: use ${orList(p.allowed)}`
          : `unknown option ${p.flag}: this command takes no options after a --`;
      case 'repeatedFlag':
        return `${p.flag} is given more than once: give it once`;
      case 'missingValue':
        return `${p.flag} needs a value`;
      case 'notWholeNumber':
        return `${p.option} must be a whole number in plain digits, not "${p.value}"`;
      case 'outOfRange':
        return `${p.option} must be ${range(p.min, p.max)}, not ${p.value}`;
      case 'notAChoice':
        return `${p.option} "${p.value}" is not available: choose ${orList(p.allowed)}`;
      case 'notAMention':
        return `${p.option} must be a user mention such as @name, not "${p.value}"`;
      case 'notAChannel':
        return `${p.option} must be a channel such as #general, not "${p.value}"`;
      case 'discordOnly':
        return `${p.option}: roles exist only on Discord`;
      case 'tooLong':
        return `${p.option} is longer than ${p.max} characters`;
      case 'wrongType':
        return `${p.option} must be ${typeName[p.expected]}`;
      case 'missing':
        return `missing ${orList(p.options, 'and')}`;
      case 'unexpected':
        return `unexpected "${p.text}"`;
    }
  };
  const messages: Messages = {
    locale: 'en',
    problem: englishProblem,
    commandProblem,
    refusal(error) {
      const c = error.context;
      switch (error.identifier) {
        case 'invalidOptions':
          return error instanceof InvalidOptionsError
            ? `That request can't be made:\n${error.problems.map((p) => `• ${messages.problem(p)}`).join('\n')}`
            : 'That request has invalid options.';
        case 'malformedCommand':
          return error instanceof MalformedCommandError
            ? [`${commandProblem(error.problem)}.`, usageOf(error, messages)].join('')
            : 'That command is not valid.';
        case 'quotaExceeded':
          return `${c.scope === 'guild' ? 'This server has' : 'You have'} ${c.remaining ?? 0} of ${c.limit} images left ${period(c.period as QuotaPeriod)} and this request needs ${c.requested}. It resets ${format.time(String(c.resetsAt))}. Nothing was charged.`;
        case 'tokenBudgetExceeded':
          return `This server has used its token budget ${period(c.period as QuotaPeriod)}. It resets ${format.time(String(c.resetsAt))}. Nothing was charged.`;
        case 'budgetExceeded':
          return `This server has spent ${usd(c.usedUsd)} of its ${usd(c.limitUsd)} budget ${period(c.period as QuotaPeriod)} and this request may cost up to ${usd(c.requestedUsd)}. It resets ${format.time(String(c.resetsAt))}. Nothing was charged.`;
        case 'tooManyPendingInGuild':
          return `This server already has ${c.pending} requests waiting (the most is ${c.limit}). Try again when some finish.`;
        case 'tooManyPendingForUser':
          return `You already have ${c.pending} requests waiting (the most is ${c.limit}). Try again when one finishes.`;
        case 'shuttingDown':
          return 'The bot is restarting. Try again in a minute; nothing was charged.';
        case 'storeUnavailable':
          return "The bot can't take requests right now: its storage is not answering. Try again in a minute; nothing was charged.";
        case 'notAllowed':
          return c.moderators === true
            ? `Only moderators can use ${c.command}.`
            : `Only server managers can use ${c.command ?? 'this command'}.`;
        case 'guildOnly':
          return 'Use this command in a server: quotas and results belong to a server, not to direct messages.';
        case 'unknownJob':
          return 'That request is no longer in the queue.';
        case 'channelNotAllowed':
          return `I can't be used in this channel. Use ${orList((c.channels as readonly string[]).map(channel))}. ${changeBy} (channels). Nothing was charged.`;
        case 'blockedTerm':
          return `That prompt contains a term this server blocks. ${changeBy} (blocked). Nothing was charged.`;
        case 'limitExceeded':
          return `${c.option} ${c.value} is over this server's limit: choose ${typeof c.allowed === 'string' ? `at most ${c.allowed}` : orList(c.allowed as readonly string[])}. ${changeBy} (limits). Nothing was charged.`;
        case 'moderationNotAllowed':
          return `${c.reason === 'notAgeRestricted' ? 'moderation low is only allowed in an age-restricted channel' : 'moderation low is not allowed here'}. ${changeBy} (moderation). Nothing was charged.`;
        case 'cooldown':
          return `Please wait ${c.waitSeconds} s: this server allows one request every ${c.seconds} s per member. ${changeBy} (cooldown). Nothing was charged.`;
        case 'invalidSetting':
          return `That setting can't be saved: ${c.problem}.`;
      }
    },
    failure(failure) {
      switch (failure.reason) {
        case 'contentPolicy':
          return 'The provider refused this prompt under its content policy. Nothing was charged.';
        case 'invalidRequest':
          return `The image service rejected the request${failure.param ? ` (option ${failure.param})` : ''}. Nothing was charged.`;
        case 'rateLimited':
          return 'The image service is rate limiting the bot right now. Nothing was charged; try again in a minute.';
        case 'misconfigured':
          return 'The bot is misconfigured: the image service rejected its key. The operator has been alerted in the logs. Nothing was charged.';
        case 'timeout':
          return 'The image service took too long to answer. Nothing was charged; try again.';
        case 'upstream':
          return 'The image service failed to produce the image. Nothing was charged; try again.';
        case 'tooLarge':
          return 'The image service sent more image data than the bot may hold for one request. Nothing was charged; ask for fewer images or a smaller size.';
        case 'deadline':
          return 'This request waited too long and was dropped. Nothing was charged; try again.';
        case 'undeliverable':
          return "I can't post in this channel. Add the bot to it, then try again. This request was cancelled. Nothing was charged.";
        case 'badInput':
          return `${englishInputRefusal(failure.input)} Nothing was charged.`;
        case 'internal':
          return messages.unexpected(failure.incidentId ?? 'unknown');
      }
    },
    unexpected: (incidentId) =>
      `Something went wrong on our side (error id ${incidentId}). Nothing was charged.`,
    queued: (position) => (position <= 0 ? 'Starting…' : `Queued: #${position} in line.`),
    started: () => 'Generating…',
    preview: () => 'Generating… (preview)',
    cancelled: () => 'Cancelled. Nothing was charged.',
    suspended: () =>
      'The bot is restarting. This request keeps its place and continues when the bot is back; nothing has been charged yet.',
    resultDetails: (caption) =>
      [
        caption.model,
        caption.size,
        caption.quality && `quality ${caption.quality}`,
        `by ${caption.requester}`,
        `${seconds(caption.elapsedMs)} s`,
      ]
        .filter(Boolean)
        .join(' · '),
    remaining: (standing) => `Your quota: ${allowance(standing.user)}.`,
    quotaStanding: (standing) =>
      [
        `You: ${allowance(standing.user)}.`,
        `This server: ${allowance(standing.guild)}.`,
        standing.tokens && `Tokens: ${allowance(standing.tokens)}.`,
        standing.spend &&
          `Spent ${period(standing.spend.guild.period)}: you ${dollars(standing.spend.user.used)}, this server ${spendText(standing.spend.guild)}.`,
      ]
        .filter(Boolean)
        .join('\n'),
    quotaReport: (report, mention) =>
      [
        `Server: ${allowance(report.guild)}.`,
        report.tokens && `Tokens: ${allowance(report.tokens)}.`,
        report.spend && `Spent ${period(report.spend.period)}: ${spendText(report.spend)}.`,
        `Default per user: ${limitText(report.userDefault.limit, report.userDefault.period)}.`,
        ...report.userOverrides.map(
          (o) => `${mention(o.userId)}: ${limitText(o.limit, o.period)}.`,
        ),
        ...report.roleLimits.map(
          (r) => `Members of ${role(r.roleId)}: ${limitText(r.limit, r.period)} each.`,
        ),
        report.topUsers.length > 0
          ? `Top users ${period(report.guild.period)}: ${report.topUsers.map((u) => `${mention(u.userId)} ${u.used}${spentBy(u)}`).join(', ')}.`
          : `No images yet ${period(report.guild.period)}.`,
      ]
        .filter(Boolean)
        .join('\n'),
    guildLimitSet: (limit, value) => `Server limit set to ${limitText(limit, value)}.`,
    userLimitSet: (who, limit, value) =>
      who === undefined
        ? `Default user limit set to ${limitText(limit, value)}.`
        : `Limit for ${who} set to ${limitText(limit, value)}.`,
    granted: (who, images) =>
      `Granted ${who} ${images} extra ${images === 1 ? 'image' : 'images'} for this period.`,
    resetDone: (who) =>
      who === undefined
        ? "Reset this server's usage for this period."
        : `Reset ${who}'s usage for this period.`,
    usage: (lines) => `Usage:\n${lines.join('\n')}`,
    resultExpired: () =>
      "That image's settings are no longer kept (results are remembered for 30 days).",
    deliveryFailed: (incidentId) =>
      `The images were made but could not be posted here (error id ${incidentId}).`,
    revisedPrompt: (prompt) => `Revised prompt: ${prompt}`,
    noImageOnMessage: () =>
      'That message has no image to work from: use it on a message with a PNG, JPEG or WebP image.',
    formExpired: () =>
      'That form is no longer kept (forms are kept for an hour): open it again. Nothing was charged.',
    formTitle: (kind) => (kind === 'edit' ? 'Edit image' : 'Remix'),
    promptLabel: () => 'Prompt',
    formSubmit: () => 'Make it',
    actionLabel: (action) =>
      ({ reroll: 'Reroll', vary: 'Vary', remix: 'Remix', delete: 'Delete', cancel: 'Cancel' })[
        action
      ],
    varyPrompt: () => 'Which image should vary, and how much?',
    varyChoice: (image, strength) =>
      strength === undefined ? `Image ${image}` : `Image ${image} · ${strength}`,
    notYourResult: () => 'Only the person who asked for this image, or a moderator, can delete it.',
    notYourJob: () => 'Only the person who asked, or an admin, can cancel this request.',
    sentPrivately: () => 'Sent to your direct messages with the bot.',
    chartLabels: () => ({ images: 'Images', spend: 'Spend (USD)', day: 'Day (UTC)' }),
    usageReport: (days, data, mention) =>
      [
        `Last ${days} ${days === 1 ? 'day' : 'days'} (UTC): ${data.totals.images} ${data.totals.images === 1 ? 'image' : 'images'}, ${dollars(data.totals.micros)}.`,
        ...data.topUsers.map(
          (user, rank) =>
            `#${rank + 1} ${mention(user.userId)}: ${user.images} ${user.images === 1 ? 'image' : 'images'}, ${dollars(user.micros)}`,
        ),
      ].join('\n'),
    policyReport: (stored, mention) =>
      policyReportOf(stored, policyLine, (origin) =>
        origin ? `set by ${mention(origin.byUserId)}, ${format.time(origin.at)}` : 'default',
      ),
    policySaved: (setting, stored) => `Saved. ${policyLine(setting, stored)}.`,
    roleLimitSet: (roleId, limit, value) =>
      `Limit for members of ${role(roleId)} set to ${limitText(limit, value)} each.`,
    auditLine: auditLineIn({
      completed: (images) => `made ${images} ${images === 1 ? 'image' : 'images'}`,
      failed: 'failed',
      cancelled: 'cancelled',
      tokens: (count) => (count === undefined ? 'tokens not reported' : `${count} tokens`),
      cost: (micros) => `about ${dollars(micros)}`,
      noCost: 'cost not estimated',
    }),
    auditDeleted: (by) => `Result deleted by ${by}.`,
    resultDeleted: () => 'The result was deleted.',
    blockedList: (terms) =>
      terms.length === 0
        ? 'No blocked terms.'
        : `Blocked terms:\n${terms.map((term) => `• ${term}`).join('\n')}`,
  };
  const policyLine = (setting: PolicySetting, { policy }: StoredPolicy): string => {
    switch (setting) {
      case 'channels':
        return policy.channels.length === 0
          ? 'Channels: everywhere'
          : `Channels: ${policy.channels.map(channel).join(', ')}`;
      case 'blocked':
        return `Blocked terms: ${policy.blocked.length}`;
      case 'limits': {
        const { models, maxCount, maxQuality, maxSize } = policy.limits;
        const parts = [
          models && `models ${models.join(', ')}`,
          maxCount !== undefined && `at most ${maxCount} per request`,
          maxQuality && `quality up to ${maxQuality}`,
          maxSize && `size up to ${maxSize}`,
        ].filter(Boolean);
        return `Limits: ${parts.length === 0 ? 'none' : parts.join(', ')}`;
      }
      case 'moderation':
        return policy.moderation === 'auto'
          ? 'Moderation: auto only'
          : 'Moderation: low allowed in age-restricted channels';
      case 'cooldown':
        return `Cooldown: ${policy.cooldownSeconds === 0 ? 'none' : `${policy.cooldownSeconds} s`}`;
      case 'audit':
        return `Audit channel: ${policy.auditChannel === null ? 'none' : channel(policy.auditChannel)}`;
    }
  };
  return messages;
};

const korean = (format: MessageFormat): Messages => {
  const channel = channelOf(format);
  const role = roleOf(format);
  const changeBy = `${format.managers?.ko ?? '서버 관리자'}가 /imagine-settings로 바꿀 수 있습니다`;
  const period = (value: QuotaPeriod) =>
    ({ day: '오늘', week: '이번 주', month: '이번 달' })[value];
  const per = (value: QuotaPeriod) => ({ day: '하루', week: '한 주', month: '한 달' })[value];
  const limitText = (limit: Limit, value: QuotaPeriod) =>
    limit === null ? '무제한' : `${per(value)} ${limit}장`;
  const allowance = (allowance: Allowance) =>
    allowance.remaining === null
      ? `무제한 (${period(allowance.period)} ${allowance.used}장 사용)`
      : `${period(allowance.period)} ${allowance.limit}장 중 ${allowance.remaining}장 남음, ${format.time(allowance.resetsAt)}에 초기화`;
  const spendText = (spend: Allowance) =>
    spend.limit === null
      ? dollars(spend.used)
      : `${dollars(spend.limit)} 예산 중 ${dollars(spend.used)}`;
  const optionList = (values: readonly string[]) => orList(values, '또는');
  const problem = (p: Problem): string => {
    switch (p.kind) {
      case 'missing':
        return 'prompt(프롬프트)를 입력해 주세요: 원하는 이미지를 설명해 주세요';
      case 'tooLong':
        return `prompt가 ${p.length}자입니다. ${p.model}은(는) 최대 ${p.max}자까지 받습니다`;
      case 'unknown':
        return `model ${p.value}은(는) 사용할 수 없습니다. ${optionList(p.allowed)} 중에서 고르세요`;
      case 'notAllowed':
        return `${p.option} ${p.value}은(는) ${p.model}에서 사용할 수 없습니다. ${optionList(p.allowed)} 중에서 고르세요`;
      case 'unsupported':
        return `${p.model}은(는) ${p.option} 옵션을 지원하지 않습니다. 빼고 다시 요청하세요`;
      case 'outOfRange':
        return p.min === p.max
          ? `count ${p.value}은(는) ${p.model}에서 사용할 수 없습니다. 요청당 ${p.min}장만 만듭니다`
          : `count ${p.value}은(는) ${p.model}에서 사용할 수 없습니다. ${p.min}부터 ${p.max}까지의 정수를 고르세요`;
      case 'needsAlpha':
        return `투명 배경에는 알파 채널이 있는 형식이 필요합니다. ${p.outputFormat} 대신 png 또는 webp를 고르세요`;
      case 'outsideLimits': {
        const { multipleOf, maxAspect, maxLongEdge, maxPixels } = p.limits;
        return `size ${p.value}은(는) ${p.model}에서 사용할 수 없습니다. 가로x세로(또는 auto)로 입력하세요: 두 변 모두 ${multipleOf}의 배수, 긴 변 최대 ${maxLongEdge}, 최대 ${maxPixels}픽셀, 가로세로 비율 1:${maxAspect}~${maxAspect}:1`;
      }
      case 'tooMany':
        return `이미지를 ${p.count}장 주었습니다. ${p.model}은(는) 최대 ${p.max}장까지 받습니다`;
    }
  };
  const range = (min: number | undefined, max: number | undefined) =>
    min !== undefined && max !== undefined
      ? `${min}부터 ${max}까지`
      : min !== undefined
        ? `${min} 이상`
        : `${max ?? Number.MAX_SAFE_INTEGER} 이하`;
  const typeName = {
    string: '텍스트',
    integer: '정수',
    user: '사용자',
    channel: '채널',
    role: '역할',
    attachment: '파일',
  } as const;
  const commandProblem = (p: CommandProblem): string => {
    switch (p.kind) {
      case 'missingSubcommand':
        return `하위 명령이 필요합니다. ${optionList(p.allowed)} 중에서 고르세요`;
      case 'unknownSubcommand':
        return `"${p.value}"은(는) 없는 하위 명령입니다. ${optionList(p.allowed)} 중에서 고르세요`;
      case 'unknownFlag':
        return p.allowed.length > 0
          ? `${p.flag}은(는) 없는 옵션입니다. ${optionList(p.allowed)}을(를) 쓰세요`
          : `${p.flag}은(는) 없는 옵션입니다. 이 명령에는 -- 옵션이 없습니다`;
      case 'repeatedFlag':
        return `${p.flag}을(를) 두 번 이상 썼습니다. 한 번만 쓰세요`;
      case 'missingValue':
        return `${p.flag}에 값이 필요합니다`;
      case 'notWholeNumber':
        return `${p.option}은(는) 숫자로만 쓴 정수여야 합니다 ("${p.value}"은(는) 안 됩니다)`;
      case 'outOfRange':
        return `${p.option}은(는) ${range(p.min, p.max)}의 정수여야 합니다 (${p.value}은(는) 안 됩니다)`;
      case 'notAChoice':
        return `${p.option} "${p.value}"은(는) 사용할 수 없습니다. ${optionList(p.allowed)} 중에서 고르세요`;
      case 'notAMention':
        return `${p.option}에는 @이름 같은 사용자 멘션을 쓰세요 ("${p.value}"은(는) 안 됩니다)`;
      case 'notAChannel':
        return `${p.option}에는 #general 같은 채널을 쓰세요 ("${p.value}"은(는) 안 됩니다)`;
      case 'discordOnly':
        return `${p.option}: 역할은 Discord에만 있습니다`;
      case 'tooLong':
        return `${p.option}이(가) ${p.max}자보다 깁니다`;
      case 'wrongType':
        return `${p.option}은(는) ${typeName[p.expected]}여야 합니다`;
      case 'missing':
        return `${orList(p.options, '및')}이(가) 빠졌습니다`;
      case 'unexpected':
        return `"${p.text}"은(는) 알 수 없는 입력입니다`;
    }
  };
  const messages: Messages = {
    locale: 'ko',
    problem,
    commandProblem,
    refusal(error) {
      const c = error.context;
      switch (error.identifier) {
        case 'invalidOptions':
          return error instanceof InvalidOptionsError
            ? `요청을 처리할 수 없습니다:\n${error.problems.map((p) => `• ${problem(p)}`).join('\n')}`
            : '요청 옵션이 올바르지 않습니다.';
        case 'malformedCommand':
          return error instanceof MalformedCommandError
            ? [
                `명령 형식이 올바르지 않습니다: ${commandProblem(error.problem)}.`,
                usageOf(error, messages),
              ].join('')
            : '명령 형식이 올바르지 않습니다.';
        case 'quotaExceeded':
          return `${c.scope === 'guild' ? '이 서버는' : '회원님은'} ${period(c.period as QuotaPeriod)} ${c.limit}장 중 ${c.remaining ?? 0}장이 남았고, 이 요청에는 ${c.requested}장이 필요합니다. ${format.time(String(c.resetsAt))}에 초기화됩니다. 차감된 것은 없습니다.`;
        case 'tokenBudgetExceeded':
          return `이 서버는 ${period(c.period as QuotaPeriod)} 토큰 예산을 모두 사용했습니다. ${format.time(String(c.resetsAt))}에 초기화됩니다. 차감된 것은 없습니다.`;
        case 'budgetExceeded':
          return `이 서버는 ${period(c.period as QuotaPeriod)} 예산 ${usd(c.limitUsd)} 중 ${usd(c.usedUsd)}를 썼고, 이 요청은 최대 ${usd(c.requestedUsd)}가 들 수 있습니다. ${format.time(String(c.resetsAt))}에 초기화됩니다. 차감된 것은 없습니다.`;
        case 'tooManyPendingInGuild':
          return `이 서버에 이미 대기 중인 요청이 ${c.pending}개 있습니다(최대 ${c.limit}개). 일부가 끝난 뒤 다시 시도하세요.`;
        case 'tooManyPendingForUser':
          return `이미 대기 중인 요청이 ${c.pending}개 있습니다(최대 ${c.limit}개). 하나가 끝난 뒤 다시 시도하세요.`;
        case 'shuttingDown':
          return '봇이 다시 시작하는 중입니다. 잠시 후 다시 시도하세요. 차감된 것은 없습니다.';
        case 'storeUnavailable':
          return '지금은 요청을 받을 수 없습니다: 저장소가 응답하지 않습니다. 잠시 후 다시 시도하세요. 차감된 것은 없습니다.';
        case 'notAllowed':
          return c.moderators === true
            ? `${c.command}은(는) 관리자만 사용할 수 있습니다.`
            : `${c.command ?? '이 명령'}은(는) 서버 관리자만 사용할 수 있습니다.`;
        case 'guildOnly':
          return '이 명령은 서버에서 사용해 주세요. 사용량과 결과는 개인 메시지가 아니라 서버에 속합니다.';
        case 'unknownJob':
          return '그 요청은 더 이상 대기열에 없습니다.';
        case 'channelNotAllowed':
          return `이 채널에서는 사용할 수 없습니다. ${optionList((c.channels as readonly string[]).map(channel))}에서 사용하세요. ${changeBy} (channels). 차감된 것은 없습니다.`;
        case 'blockedTerm':
          return `프롬프트에 이 서버가 차단한 단어가 있습니다. ${changeBy} (blocked). 차감된 것은 없습니다.`;
        case 'limitExceeded':
          return `${c.option} ${c.value}은(는) 이 서버의 한도를 넘습니다: ${typeof c.allowed === 'string' ? `최대 ${c.allowed}` : optionList(c.allowed as readonly string[])} 중에서 고르세요. ${changeBy} (limits). 차감된 것은 없습니다.`;
        case 'moderationNotAllowed':
          return `${c.reason === 'notAgeRestricted' ? 'moderation low는 연령 제한 채널에서만 쓸 수 있습니다' : '여기서는 moderation low를 쓸 수 없습니다'}. ${changeBy} (moderation). 차감된 것은 없습니다.`;
        case 'cooldown':
          return `${c.waitSeconds}초 뒤에 다시 시도하세요: 이 서버는 한 사람당 ${c.seconds}초에 한 번만 요청할 수 있습니다. ${changeBy} (cooldown). 차감된 것은 없습니다.`;
        case 'invalidSetting':
          return `그 설정은 저장할 수 없습니다: ${c.problem}.`;
      }
    },
    failure(failure) {
      switch (failure.reason) {
        case 'contentPolicy':
          return '제공자가 콘텐츠 정책에 따라 이 프롬프트를 거부했습니다. 차감된 것은 없습니다.';
        case 'invalidRequest':
          return `이미지 서비스가 요청을 거부했습니다${failure.param ? ` (옵션 ${failure.param})` : ''}. 차감된 것은 없습니다.`;
        case 'rateLimited':
          return '이미지 서비스의 요청 한도에 걸렸습니다. 차감된 것은 없습니다. 잠시 후 다시 시도하세요.';
        case 'misconfigured':
          return '봇 설정에 문제가 있습니다: 이미지 서비스가 API 키를 거부했습니다. 운영자에게 로그로 알렸습니다. 차감된 것은 없습니다.';
        case 'timeout':
          return '이미지 서비스의 응답이 너무 늦었습니다. 차감된 것은 없습니다. 다시 시도하세요.';
        case 'upstream':
          return '이미지 서비스가 이미지를 만들지 못했습니다. 차감된 것은 없습니다. 다시 시도하세요.';
        case 'tooLarge':
          return '이미지 서비스가 한 요청에 허용되는 것보다 많은 이미지 데이터를 보냈습니다. 차감된 것은 없습니다. 개수를 줄이거나 더 작은 크기로 요청하세요.';
        case 'deadline':
          return '요청이 너무 오래 기다려 취소되었습니다. 차감된 것은 없습니다. 다시 시도하세요.';
        case 'undeliverable':
          return '이 채널에는 글을 올릴 수 없습니다. 봇을 채널에 추가한 뒤 다시 시도하세요. 이 요청은 취소되었고 차감된 것은 없습니다.';
        case 'badInput':
          return `${koreanInputRefusal(failure.input)} 차감된 것은 없습니다.`;
        case 'internal':
          return messages.unexpected(failure.incidentId ?? 'unknown');
      }
    },
    unexpected: (incidentId) =>
      `내부 오류가 발생했습니다 (오류 ID ${incidentId}). 차감된 것은 없습니다.`,
    queued: (position) => (position <= 0 ? '시작하는 중…' : `대기 중: ${position}번째 순서입니다.`),
    started: () => '생성하는 중…',
    preview: () => '생성하는 중… (미리보기)',
    cancelled: () => '취소했습니다. 차감된 것은 없습니다.',
    suspended: () =>
      '봇이 다시 시작하는 중입니다. 이 요청은 순서를 유지하며 봇이 돌아오면 이어서 진행합니다. 아직 차감된 것은 없습니다.',
    resultDetails: (caption) =>
      [
        caption.model,
        caption.size,
        caption.quality && `품질 ${caption.quality}`,
        `요청: ${caption.requester}`,
        `${seconds(caption.elapsedMs)}초`,
      ]
        .filter(Boolean)
        .join(' · '),
    remaining: (standing) => `남은 사용량: ${allowance(standing.user)}.`,
    quotaStanding: (standing) =>
      [
        `회원님: ${allowance(standing.user)}.`,
        `이 서버: ${allowance(standing.guild)}.`,
        standing.tokens && `토큰: ${allowance(standing.tokens)}.`,
        standing.spend &&
          `${period(standing.spend.guild.period)} 사용 금액: 회원님 ${dollars(standing.spend.user.used)}, 이 서버 ${spendText(standing.spend.guild)}.`,
      ]
        .filter(Boolean)
        .join('\n'),
    quotaReport: (report, mention) =>
      [
        `서버: ${allowance(report.guild)}.`,
        report.tokens && `토큰: ${allowance(report.tokens)}.`,
        report.spend && `${period(report.spend.period)} 사용 금액: ${spendText(report.spend)}.`,
        `사용자 기본 한도: ${limitText(report.userDefault.limit, report.userDefault.period)}.`,
        ...report.userOverrides.map(
          (o) => `${mention(o.userId)}: ${limitText(o.limit, o.period)}.`,
        ),
        ...report.roleLimits.map(
          (r) => `${role(r.roleId)} 역할 회원: 각각 ${limitText(r.limit, r.period)}.`,
        ),
        report.topUsers.length > 0
          ? `${period(report.guild.period)} 많이 사용한 사람: ${report.topUsers.map((u) => `${mention(u.userId)} ${u.used}장${spentBy(u)}`).join(', ')}.`
          : `${period(report.guild.period)} 아직 생성한 이미지가 없습니다.`,
      ]
        .filter(Boolean)
        .join('\n'),
    guildLimitSet: (limit, value) => `서버 한도를 ${limitText(limit, value)}(으)로 정했습니다.`,
    userLimitSet: (who, limit, value) =>
      who === undefined
        ? `사용자 기본 한도를 ${limitText(limit, value)}(으)로 정했습니다.`
        : `${who}의 한도를 ${limitText(limit, value)}(으)로 정했습니다.`,
    granted: (who, images) => `${who}에게 이번 기간 ${images}장을 추가로 주었습니다.`,
    resetDone: (who) =>
      who === undefined
        ? '이 서버의 이번 기간 사용량을 초기화했습니다.'
        : `${who}의 이번 기간 사용량을 초기화했습니다.`,
    usage: (lines) => `사용법:\n${lines.join('\n')}`,
    resultExpired: () =>
      '이 이미지의 설정은 더 이상 보관되지 않습니다 (결과는 30일 동안 기억합니다).',
    deliveryFailed: (incidentId) =>
      `이미지는 만들었지만 이곳에 올리지 못했습니다 (오류 ID ${incidentId}).`,
    revisedPrompt: (prompt) => `수정된 프롬프트: ${prompt}`,
    noImageOnMessage: () =>
      '그 메시지에는 작업할 이미지가 없습니다. PNG, JPEG 또는 WebP 이미지가 있는 메시지에서 사용하세요.',
    formExpired: () =>
      '그 입력 창은 더 이상 보관되지 않습니다 (한 시간 동안 보관합니다). 다시 열어 주세요. 차감된 것은 없습니다.',
    formTitle: (kind) => (kind === 'edit' ? '이미지 편집' : '리믹스'),
    promptLabel: () => '프롬프트',
    formSubmit: () => '만들기',
    actionLabel: (action) =>
      ({ reroll: '다시 만들기', vary: '변형', remix: '리믹스', delete: '삭제', cancel: '취소' })[
        action
      ],
    varyPrompt: () => '어느 이미지를 얼마나 바꿀까요?',
    varyChoice: (image, strength) =>
      strength === undefined
        ? `${image}번 이미지`
        : `${image}번 이미지 · ${strength === 'subtle' ? '조금' : '많이'}`,
    notYourResult: () => '이 이미지를 요청한 사람이나 관리자만 삭제할 수 있습니다.',
    notYourJob: () => '요청한 사람이나 관리자만 이 요청을 취소할 수 있습니다.',
    sentPrivately: () => '봇과의 개인 메시지로 보냈습니다.',
    chartLabels: () => ({ images: '이미지', spend: '사용 금액 (USD)', day: '날짜 (UTC)' }),
    usageReport: (days, data, mention) =>
      [
        `최근 ${days}일 (UTC): 이미지 ${data.totals.images}장, ${dollars(data.totals.micros)}.`,
        ...data.topUsers.map(
          (user, rank) =>
            `#${rank + 1} ${mention(user.userId)}: ${user.images}장, ${dollars(user.micros)}`,
        ),
      ].join('\n'),
    policyReport: (stored, mention) =>
      policyReportOf(stored, policyLine, (origin) =>
        origin ? `${mention(origin.byUserId)}, ${format.time(origin.at)}에 설정` : '기본값',
      ),
    policySaved: (setting, stored) => `저장했습니다. ${policyLine(setting, stored)}.`,
    roleLimitSet: (roleId, limit, value) =>
      `${role(roleId)} 역할 회원의 한도를 각각 ${limitText(limit, value)}(으)로 정했습니다.`,
    auditLine: auditLineIn({
      completed: (images) => `이미지 ${images}장 생성`,
      failed: '실패',
      cancelled: '취소',
      tokens: (count) => (count === undefined ? '토큰 정보 없음' : `토큰 ${count}개`),
      cost: (micros) => `약 ${dollars(micros)}`,
      noCost: '비용 추정 없음',
    }),
    auditDeleted: (by) => `${by}님이 결과를 삭제했습니다.`,
    resultDeleted: () => '결과를 삭제했습니다.',
    blockedList: (terms) =>
      terms.length === 0
        ? '차단한 단어가 없습니다.'
        : `차단한 단어:\n${terms.map((term) => `• ${term}`).join('\n')}`,
  };
  const policyLine = (setting: PolicySetting, { policy }: StoredPolicy): string => {
    switch (setting) {
      case 'channels':
        return policy.channels.length === 0
          ? '채널: 모든 곳'
          : `채널: ${policy.channels.map(channel).join(', ')}`;
      case 'blocked':
        return `차단한 단어: ${policy.blocked.length}개`;
      case 'limits': {
        const { models, maxCount, maxQuality, maxSize } = policy.limits;
        const parts = [
          models && `모델 ${models.join(', ')}`,
          maxCount !== undefined && `요청당 최대 ${maxCount}장`,
          maxQuality && `품질 최대 ${maxQuality}`,
          maxSize && `크기 최대 ${maxSize}`,
        ].filter(Boolean);
        return `한도: ${parts.length === 0 ? '없음' : parts.join(', ')}`;
      }
      case 'moderation':
        return policy.moderation === 'auto' ? '검열: auto만' : '검열: 연령 제한 채널에서 low 허용';
      case 'cooldown':
        return `대기 시간: ${policy.cooldownSeconds === 0 ? '없음' : `${policy.cooldownSeconds}초`}`;
      case 'audit':
        return `기록 채널: ${policy.auditChannel === null ? '없음' : channel(policy.auditChannel)}`;
    }
  };
  return messages;
};

/** Picks the bot's language from a platform locale such as `ko`, `ko-KR` or `en-US`. */
export const localeFrom = (platformLocale: string | undefined | null): Locale =>
  platformLocale?.toLowerCase().startsWith('ko') ? 'ko' : 'en';

/** Times in UTC, for platforms whose text cannot show each reader their own time zone. */
export const utcFormat: MessageFormat = { time: utcTime };
/** The sentences depend only on the locale and the format: build each pair once, not per event. */
const built = new WeakMap<MessageFormat, Record<Locale, Messages>>();

export const messagesFor = (locale: Locale, format: MessageFormat = utcFormat): Messages => {
  let byLocale = built.get(format);
  if (byLocale === undefined) {
    byLocale = { en: english(format), ko: korean(format) };
    built.set(format, byLocale);
  }
  return byLocale[locale];
};
