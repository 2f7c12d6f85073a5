/**
 * The one place the environment is read. Every variable the bot uses is declared here, validated
 * once at start, and reported all together when wrong: the operator sees each bad key, its value
 * (secrets masked) and what is allowed, instead of fixing them one crash at a time.
 */
import { createHash } from 'node:crypto';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import {
  PriceTableError,
  readPriceTable,
  shippedPrices,
  type PriceTable,
} from '#core/cost/price-table.js';
import { ModelCatalogue, parseExtraModels, type ExtraModel } from '#core/models.js';
import type { QueueSettings } from '#core/queue/types.js';
import { quotaPeriods, type Limit, type QuotaDefaults } from '#core/quota/types.js';

export interface Config {
  images: {
    /** @default 'https://api.openai.com/v1' */
    baseUrl: string;
    apiKey: string;
    /** @default 'gpt-image-1.5' */
    defaultModel: string;
    /** @default [] */
    extraModels: ExtraModel[];
    /** Per attempt. @default 180000 */
    timeoutMs: number;
    /** Retries after the first attempt, for 429, 5xx and unsent connections. @default 3 */
    maxRetries: number;
    /** Salt for the hashed `user` sent upstream. @default a hash of the API key */
    userSalt: string;
    /** USD prices per model. @default the shipped table (src/core/cost/prices.json) */
    prices: PriceTable;
    /** Hosts url items may be downloaded from whatever their address. @default [] */
    downloadHosts: string[];
    /** Image bytes all running requests may hold in memory at once. @default 268435456 */
    maxInflightBytes: number;
  };
  /** Port of /healthz, /readyz and /metrics; undefined (the default) serves none. */
  metricsPort?: number;
  /** @default 'sqlite://data/imagine-bot.sqlite' */
  storeUrl: string;
  /**
   * This process's name among those sharing one store: the jobs it resumes at start are its own.
   * @default 'default'
   */
  instanceId: string;
  /** Put before every key, so several bots can share one Redis. @default 'imagine-bot' */
  storeNamespace: string;
  /** BOT_ROLE: `gateway` takes commands, `worker` runs jobs, `all` both. */
  role: 'all' | 'gateway' | 'worker';
  /** @default 'info' */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  queue: QueueSettings;
  quota: QuotaDefaults;
  discord?: {
    token: string;
    applicationId?: string;
    devGuildId?: string;
    /** @default 'https://discord.com/api' */
    apiBaseUrl: string;
    /** Shards in all, across every process; `undefined` takes Discord's recommendation. */
    shardCount?: number;
    /** The shards this process runs; `undefined` runs all of them. */
    shardIds?: number[];
  };
  slack?: {
    botToken: string;
    appToken?: string;
    signingSecret?: string;
    /** @default 3000 */
    port: number;
    /** @default 'https://slack.com/api/' */
    apiUrl: string;
    /** @default [] */
    adminUserIds: string[];
  };
}

const blankAsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalString = z.preprocess(blankAsUnset, z.string().optional());
const url = (fallback: string) =>
  z.preprocess(
    blankAsUnset,
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(fallback),
  );
const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` })
      .default(fallback),
  );
/** Node's timers take at most 2^31 - 1 ms and fire at once for anything longer. */
const maxTimerMs = 2 ** 31 - 1;
/** A limit: a whole number, or `unlimited` (also `none`, `off`). */
const limit = (fallback: Limit) =>
  z.preprocess(
    (value) => {
      const unset = blankAsUnset(value);
      if (typeof unset === 'string' && ['unlimited', 'none', 'off'].includes(unset.toLowerCase()))
        return null;
      return unset;
    },
    z
      .union(
        [
          z.null(),
          z.coerce.number().int().min(0, { error: 'must be a whole number or "unlimited"' }),
        ],
        {
          error: 'must be a whole number or "unlimited"',
        },
      )
      .default(fallback),
  );

const portProblem = 'must be a port number from 0 to 65535 (0: any free one), or empty for none';

const schema = z.object({
  IMAGES_API_BASE_URL: url('https://api.openai.com/v1'),
  IMAGES_API_KEY: z.preprocess(
    blankAsUnset,
    z.string({ error: 'is required: the Images API key' }),
  ),
  IMAGES_DEFAULT_MODEL: z.preprocess(blankAsUnset, z.string().default('gpt-image-1.5')),
  IMAGES_EXTRA_MODELS: z.preprocess(blankAsUnset, z.string().default('')),
  IMAGES_TIMEOUT_MS: int(180_000, 1_000, maxTimerMs),
  IMAGES_MAX_RETRIES: int(3, 0, 10),
  IMAGES_USER_SALT: optionalString,
  IMAGES_PRICES_FILE: optionalString,
  IMAGES_DOWNLOAD_HOSTS: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[^/:@]*$/, {
        error: 'must be host names separated by commas, without scheme or port',
      })
      .default(''),
  ),
  // Below 1 MiB not even one small image fits.
  IMAGES_MAX_INFLIGHT_BYTES: int(256 * 1024 * 1024, 1024 * 1024),
  STORE_URL: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^(sqlite:\/\/.+|redis(s)?:\/\/.+|memory:\/\/)$/, {
        error: 'must be sqlite://<path>, redis://host:port or memory:// (tests only)',
      })
      .default('sqlite://data/imagine-bot.sqlite'),
  ),
  BOT_INSTANCE_ID: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[\w.-]{1,64}$/, { error: 'must be 1-64 letters, digits, _, . or -' })
      .default('default'),
  ),
  STORE_NAMESPACE: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[\w.-]{1,64}$/, { error: 'must be 1-64 letters, digits, _, . or -' })
      .default('imagine-bot'),
  ),
  BOT_ROLE: z.preprocess(
    (value) => (typeof blankAsUnset(value) === 'string' ? String(value).toLowerCase() : undefined),
    z
      .enum(['all', 'gateway', 'worker'], {
        error:
          'must be all (take commands and run jobs), gateway (take commands only) or worker (run jobs only)',
      })
      .default('all'),
  ),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof blankAsUnset(value) === 'string' ? String(value).toLowerCase() : undefined),
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be fatal, error, warn, info, debug, trace or silent',
      })
      .default('info'),
  ),
  QUEUE_CONCURRENCY: int(4, 1, 256),
  QUEUE_IMAGES_PER_MINUTE: limit(null),
  QUEUE_MAX_PENDING_PER_GUILD: int(50, 1),
  QUEUE_MAX_PENDING_PER_USER: int(5, 1),
  QUEUE_JOB_DEADLINE_MS: int(840_000, 1_000, maxTimerMs),
  QUEUE_SHUTDOWN_GRACE_MS: int(30_000, 0, maxTimerMs),
  QUOTA_GUILD_LIMIT: limit(500),
  QUOTA_USER_LIMIT: limit(25),
  QUOTA_PERIOD: z.preprocess(
    (value) => (typeof blankAsUnset(value) === 'string' ? String(value).toLowerCase() : undefined),
    z.enum(quotaPeriods, { error: 'must be day, week or month' }).default('day'),
  ),
  QUOTA_GUILD_TOKEN_BUDGET: limit(null),
  QUOTA_GUILD_BUDGET_USD: z.preprocess(
    (value) => {
      const unset = blankAsUnset(value);
      return typeof unset === 'string' && ['unlimited', 'none', 'off'].includes(unset.toLowerCase())
        ? undefined
        : unset;
    },
    z.coerce
      .number({ error: 'must be an amount of US dollars, such as 25 or 12.50, or "unlimited"' })
      .min(0, { error: 'must be an amount of US dollars >= 0, or "unlimited"' })
      .optional(),
  ),
  METRICS_PORT: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: portProblem })
      .int({ error: portProblem })
      .min(0, { error: portProblem })
      .max(65_535, { error: portProblem })
      .optional(),
  ),
  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^\d{15,22}$/, { error: 'must be a numeric snowflake' })
      .optional(),
  ),
  DISCORD_DEV_GUILD_ID: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^\d{15,22}$/, { error: 'must be a numeric snowflake' })
      .optional(),
  ),
  DISCORD_API_BASE_URL: url('https://discord.com/api'),
  DISCORD_SHARD_COUNT: z.preprocess(
    (value) => {
      const unset = blankAsUnset(value);
      return typeof unset === 'string' && unset.toLowerCase() === 'auto' ? undefined : unset;
    },
    z.coerce
      .number({ error: 'must be "auto" or a whole number from 1' })
      .int({ error: 'must be "auto" or a whole number from 1' })
      .min(1, { error: 'must be "auto" or a whole number from 1' })
      .optional(),
  ),
  DISCORD_SHARD_IDS: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, {
        error: 'must be shard ids separated by commas, such as 0,1',
      })
      .transform((ids) => [...new Set(ids.split(',').map((id) => Number(id.trim())))])
      .optional(),
  ),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_PORT: int(3000, 0, 65_535),
  SLACK_API_URL: url('https://slack.com/api/'),
  SLACK_ADMIN_USER_IDS: z.preprocess(blankAsUnset, z.string().default('')),
});

/** Every variable the bot reads, for the check that `.env.example` documents exactly these. */
export const configKeys: readonly string[] = Object.keys(schema.shape);

/** Variables whose values must never be printed. */
const secretKeys = [
  'IMAGES_API_KEY',
  'IMAGES_USER_SALT',
  'DISCORD_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Configuration is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const shown = (key: string, value: unknown): string => {
  if (value === undefined) return 'unset';
  if ((secretKeys as readonly string[]).includes(key)) return '(secret, not shown)';
  return JSON.stringify(value);
};

const defaultSalt = (apiKey: string): string =>
  // Stable per deployment without another variable to set; a one-way hash, so the key never shows.
  createHash('sha256').update(`imagine-bot user salt|${apiKey}`).digest('hex');

/** The operator's price table when IMAGES_PRICES_FILE is set, else the shipped one. */
const readPrices = (path: string | undefined, problems: string[]): PriceTable => {
  if (!path) return shippedPrices;
  try {
    return readPriceTable(path);
  } catch (error) {
    if (!(error instanceof PriceTableError)) throw error;
    problems.push(`IMAGES_PRICES_FILE ${error.message}`);
    return shippedPrices;
  }
};

/**
 * Validates an environment (a plain object, so tests pass their own) and returns the typed config,
 * or throws a {@link ConfigError} naming every wrong or missing variable.
 */
export const parseConfig = (env: Readonly<Record<string, string | undefined>>): Config => {
  const parsed = schema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      problems.push(`${key} ${issue.message} (got ${shown(key, env[key])})`);
    }
  }
  const extra = parseExtraModels(env.IMAGES_EXTRA_MODELS ?? '');
  for (const problem of extra.problems) problems.push(`IMAGES_EXTRA_MODELS ${problem}`);
  const prices = readPrices(env.IMAGES_PRICES_FILE?.trim(), problems);
  if (parsed.success) {
    const catalogue = new ModelCatalogue(extra.models);
    const model = parsed.data.IMAGES_DEFAULT_MODEL;
    if (catalogue.get(model) === undefined)
      problems.push(
        `IMAGES_DEFAULT_MODEL ${model} is not a known model: choose ${catalogue.ids().join(', ')}, or add it with IMAGES_EXTRA_MODELS`,
      );
  }
  if (
    env.SLACK_BOT_TOKEN?.trim() &&
    !env.SLACK_APP_TOKEN?.trim() &&
    !env.SLACK_SIGNING_SECRET?.trim()
  ) {
    problems.push(
      'SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN: set the app token for Socket Mode, or the signing secret for HTTP mode',
    );
  }
  if (parsed.success && parsed.data.DISCORD_SHARD_IDS !== undefined) {
    const count = parsed.data.DISCORD_SHARD_COUNT;
    if (count === undefined)
      problems.push(
        'DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT set to the number of shards in all, so that every process counts the same',
      );
    else if (parsed.data.DISCORD_SHARD_IDS.some((id) => id >= count))
      problems.push(
        `DISCORD_SHARD_IDS must each be below DISCORD_SHARD_COUNT (${count}): shards are numbered from 0 (got ${env.DISCORD_SHARD_IDS})`,
      );
  }
  if (parsed.success && parsed.data.BOT_ROLE !== 'all' && !/^rediss?:/.test(parsed.data.STORE_URL))
    problems.push(
      `BOT_ROLE ${parsed.data.BOT_ROLE} needs STORE_URL=redis://…: gateways and workers share one queue through Redis (got STORE_URL ${parsed.data.STORE_URL})`,
    );
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const v = parsed.data;
  return {
    images: {
      baseUrl: v.IMAGES_API_BASE_URL,
      apiKey: v.IMAGES_API_KEY,
      defaultModel: v.IMAGES_DEFAULT_MODEL,
      extraModels: extra.models,
      timeoutMs: v.IMAGES_TIMEOUT_MS,
      maxRetries: v.IMAGES_MAX_RETRIES,
      userSalt: v.IMAGES_USER_SALT ?? defaultSalt(v.IMAGES_API_KEY),
      prices,
      downloadHosts: v.IMAGES_DOWNLOAD_HOSTS.split(/[\s,]+/).filter(Boolean),
      maxInflightBytes: v.IMAGES_MAX_INFLIGHT_BYTES,
    },
    ...(v.METRICS_PORT !== undefined && { metricsPort: v.METRICS_PORT }),
    storeUrl: v.STORE_URL,
    storeNamespace: v.STORE_NAMESPACE,
    instanceId: v.BOT_INSTANCE_ID,
    role: v.BOT_ROLE,
    logLevel: v.LOG_LEVEL,
    queue: {
      concurrency: v.QUEUE_CONCURRENCY,
      imagesPerMinute: v.QUEUE_IMAGES_PER_MINUTE,
      maxPendingPerGuild: v.QUEUE_MAX_PENDING_PER_GUILD,
      maxPendingPerUser: v.QUEUE_MAX_PENDING_PER_USER,
      jobDeadlineMs: v.QUEUE_JOB_DEADLINE_MS,
      shutdownGraceMs: v.QUEUE_SHUTDOWN_GRACE_MS,
    },
    quota: {
      guildLimit: v.QUOTA_GUILD_LIMIT,
      userLimit: v.QUOTA_USER_LIMIT,
      period: v.QUOTA_PERIOD,
      guildTokenBudget: v.QUOTA_GUILD_TOKEN_BUDGET,
      guildBudgetUsd: v.QUOTA_GUILD_BUDGET_USD ?? null,
    },
    ...(v.DISCORD_TOKEN && {
      discord: {
        token: v.DISCORD_TOKEN,
        applicationId: v.DISCORD_APPLICATION_ID,
        devGuildId: v.DISCORD_DEV_GUILD_ID,
        apiBaseUrl: v.DISCORD_API_BASE_URL.replace(/\/+$/, ''),
        ...(v.DISCORD_SHARD_COUNT !== undefined && { shardCount: v.DISCORD_SHARD_COUNT }),
        ...(v.DISCORD_SHARD_IDS !== undefined && { shardIds: v.DISCORD_SHARD_IDS }),
      },
    }),
    ...(v.SLACK_BOT_TOKEN && {
      slack: {
        botToken: v.SLACK_BOT_TOKEN,
        appToken: v.SLACK_APP_TOKEN,
        signingSecret: v.SLACK_SIGNING_SECRET,
        port: v.SLACK_PORT,
        apiUrl: v.SLACK_API_URL.endsWith('/') ? v.SLACK_API_URL : `${v.SLACK_API_URL}/`,
        adminUserIds: v.SLACK_ADMIN_USER_IDS.split(/[\s,]+/).filter(Boolean),
      },
    }),
  };
};

/** Reads `.env` (when present) into the process environment, then validates it. */
export const loadConfig = (): Config => {
  loadDotenv({ quiet: true });
  return parseConfig(process.env);
};

/** Every secret value in a config, for the logger to scrub from whatever it writes. */
export const secretValues = (config: Config): string[] =>
  [
    config.images.apiKey,
    config.images.userSalt,
    config.discord?.token,
    config.slack?.botToken,
    config.slack?.appToken,
    config.slack?.signingSecret,
  ].filter((value): value is string => typeof value === 'string' && value.length >= 4);
