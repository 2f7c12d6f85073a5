/**
 * Quotas per guild and per user, on any {@link QuotaLedger}: limits and periods resolved from
 * settings and config defaults, windows from the clock, and every count through the ledger's
 * atomic operations. See docs/quotas.md for the design.
 */
import { z } from 'zod';
import { quotaPeriods, type Config } from '../../config.js';
import { CodedError, UserError } from '../errors.js';
import { parseOptions, withMethods } from '../queue/options.js';
import { allowanceOf, usedOf, type CounterRecord } from './counter.js';
import type { QuotaLedger } from './ledger.js';
import { periodWindow, previousWindow, type PeriodWindow } from './periods.js';
import { quotaKeys } from './quota-keys.js';
import type {
  Allowance,
  GuildQuotaReport,
  PeriodLimit,
  QuotaAdmin,
  QuotaHold,
  QuotaKeeper,
  QuotaStanding,
} from './types.js';

export interface QuotaServiceOptions {
  /** Where counts live; it makes each change atomic. */
  ledger: QuotaLedger;
  /** Limits for guilds and users without their own. */
  defaults: Config['quota'];
}

export type Quotas = QuotaKeeper & QuotaAdmin;

const topUserCount = 10;

const limitSchema = z
  .number({ error: 'must be a whole number >= 0 or null (unlimited)' })
  .int({ error: 'must be a whole number >= 0 or null (unlimited)' })
  .min(0, { error: 'must be a whole number >= 0 or null (unlimited)' })
  .nullable();
const periodLimitSchema = z.object({
  limit: limitSchema,
  period: z.enum(quotaPeriods, { error: `must be one of ${quotaPeriods.join(', ')}` }),
});

const optionsSchema = z.object({
  ledger: withMethods<QuotaLedger>(
    'reserve',
    'settle',
    'release',
    'read',
    'grant',
    'reset',
    'readMaps',
    'setField',
  ),
  defaults: z.object({
    guildLimit: limitSchema,
    userLimit: limitSchema,
    period: periodLimitSchema.shape.period,
    guildTokenBudget: limitSchema,
  }),
});

/** Rejects a malformed argument from calling code; users never reach here with one. */
const checked = <T>(schema: z.ZodType<T>, name: string, value: unknown): T => {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${[name, ...issue.path].join('.')} ${issue.message}`,
  );
  throw new CodedError('quota.invalidArgument', problems.join('; '));
};

const holdSchema = z.object({
  jobId: z.string().min(1, { error: 'must not be empty' }),
  guildId: z.string().min(1, { error: 'must not be empty' }),
  userId: z.string().min(1, { error: 'must not be empty' }),
  images: z.number().int().min(1, { error: 'must be a whole number >= 1' }),
  expiresAt: z.number().int(),
});
const spentSchema = z.object({
  images: z.number().int().min(0, { error: 'must be a whole number >= 0' }),
  tokens: z.number().int().min(0, { error: 'must be a whole number >= 0' }).optional(),
});
const grantSchema = z.number().int().min(1, { error: 'must be a whole number >= 1' });

/** A counter's place: its key in the current window, and the window's times. */
interface Counter {
  key: string;
  window: PeriodWindow;
  rule: PeriodLimit;
}

interface Settings {
  guild: PeriodLimit;
  userDefault: PeriodLimit;
  userOverrides: Map<string, PeriodLimit>;
  tokenBudget: PeriodLimit | undefined;
}

const userField = 'user:';

class QuotaService implements Quotas {
  readonly #ledger: QuotaLedger;
  readonly #defaults: Config['quota'];

  constructor(options: QuotaServiceOptions) {
    const parsed = parseOptions('createQuotas', optionsSchema, options);
    this.#ledger = parsed.ledger;
    this.#defaults = parsed.defaults;
  }

  async reserve(hold: QuotaHold, now = Date.now()): Promise<void> {
    checked(holdSchema, 'hold', hold);
    if (hold.expiresAt <= now) {
      throw new CodedError('quota.invalidArgument', 'hold.expiresAt must be in the future');
    }
    const settings = await this.#settings(hold.guildId);
    const guild = this.#guildCounter(hold.guildId, settings, now);
    const user = this.#userCounter(hold.guildId, hold.userId, settings, now);
    const tokens = this.#tokenCounter(hold.guildId, settings, now);
    if (tokens) {
      // A soft check: what a job costs in tokens is known only after it ran, so the budget stops
      // new work once spent rather than reserving tokens up front.
      const [spent] = await this.#ledger.read([tokens.key], now);
      const allowance = allowanceOf(spent!, tokens.rule.limit, tokens.rule.period, tokens.window);
      if (allowance.remaining === 0) {
        throw new UserError('tokenBudgetExceeded', {
          limit: allowance.limit ?? undefined,
          used: allowance.used,
          period: allowance.period,
          resetsAt: allowance.resetsAt,
        });
      }
    }
    const counters = [guild, user];
    const outcome = await this.#ledger.reserve(
      counters.map((counter) => ({ key: counter.key, limit: counter.rule.limit })),
      hold.jobId,
      { images: hold.images, expiresAt: hold.expiresAt },
      now,
    );
    if (outcome.admitted) return;
    const refused = counters[outcome.refused]!;
    const allowance = allowanceOf(
      outcome.record,
      refused.rule.limit,
      refused.rule.period,
      refused.window,
    );
    throw new UserError('quotaExceeded', {
      scope: refused === guild ? 'guild' : 'user',
      limit: allowance.limit ?? undefined,
      used: allowance.used,
      remaining: allowance.remaining ?? undefined,
      requested: hold.images,
      period: allowance.period,
      resetsAt: allowance.resetsAt,
    });
  }

  async commit(
    hold: QuotaHold,
    spent: { images: number; tokens?: number },
    now = Date.now(),
  ): Promise<QuotaStanding> {
    checked(holdSchema, 'hold', hold);
    checked(spentSchema, 'spent', spent);
    const settings = await this.#settings(hold.guildId);
    const user = this.#userCounter(hold.guildId, hold.userId, settings, now);
    const tokens = this.#tokenCounter(hold.guildId, settings, now);
    await this.#ledger.settle(
      {
        jobId: hold.jobId,
        counters: this.#holdCounters(hold, settings, now),
        images: spent.images,
        ...(tokens && spent.tokens && { meter: { key: tokens.key, amount: spent.tokens } }),
        enrol: { key: quotaKeys.active(hold.guildId, user.window), member: hold.userId },
      },
      now,
    );
    return this.#standing(hold.guildId, hold.userId, settings, now);
  }

  async refund(hold: QuotaHold, now = Date.now()): Promise<void> {
    checked(holdSchema, 'hold', hold);
    const settings = await this.#settings(hold.guildId);
    await this.#ledger.release(this.#holdCounters(hold, settings, now), hold.jobId, now);
  }

  async standing(guildId: string, userId: string, now = Date.now()): Promise<QuotaStanding> {
    return this.#standing(guildId, userId, await this.#settings(guildId), now);
  }

  async report(guildId: string, now = Date.now()): Promise<GuildQuotaReport> {
    const settings = await this.#settings(guildId);
    const guild = this.#guildCounter(guildId, settings, now);
    const tokens = this.#tokenCounter(guildId, settings, now);
    const userCounters = (await this.#activeUsers(guildId, now)).map((userId) => ({
      userId,
      counter: this.#userCounter(guildId, userId, settings, now),
    }));
    const records = await this.#ledger.read(
      [guild, ...userCounters.map((entry) => entry.counter), ...(tokens ? [tokens] : [])].map(
        (counter) => counter.key,
      ),
      now,
    );
    const [guildRecord, ...rest] = records;
    const topUsers = userCounters
      .map((entry, index) => ({ userId: entry.userId, used: usedOf(rest[index]!) }))
      .filter((entry) => entry.used > 0)
      .sort((a, b) => b.used - a.used || a.userId.localeCompare(b.userId))
      .slice(0, topUserCount);
    return {
      guild: allowance(guildRecord!, guild),
      ...(tokens && { tokens: allowance(records.at(-1)!, tokens) }),
      userDefault: settings.userDefault,
      userOverrides: [...settings.userOverrides].map(([userId, rule]) => ({ userId, ...rule })),
      topUsers,
    };
  }

  async setGuildLimit(guildId: string, limit: PeriodLimit): Promise<void> {
    const rule = checked(periodLimitSchema, 'limit', limit);
    await this.#ledger.setField(quotaKeys.settings(guildId), 'guild', rule);
  }

  async setUserLimit(
    guildId: string,
    userId: string | undefined,
    limit: PeriodLimit,
  ): Promise<void> {
    const rule = checked(periodLimitSchema, 'limit', limit);
    const field = userId === undefined ? 'userDefault' : userField + userId;
    await this.#ledger.setField(quotaKeys.settings(guildId), field, rule);
  }

  async grant(guildId: string, userId: string, images: number, now = Date.now()): Promise<void> {
    checked(grantSchema, 'images', images);
    const user = this.#userCounter(guildId, userId, await this.#settings(guildId), now);
    await this.#ledger.grant(user.key, images, now);
  }

  async reset(guildId: string, userId?: string, now = Date.now()): Promise<void> {
    const settings = await this.#settings(guildId);
    if (userId !== undefined) {
      await this.#ledger.reset([this.#userCounter(guildId, userId, settings, now).key], now);
      return;
    }
    const users = await this.#activeUsers(guildId, now);
    const tokens = this.#tokenCounter(guildId, settings, now);
    await this.#ledger.reset(
      [
        this.#guildCounter(guildId, settings, now).key,
        ...(tokens ? [tokens.key] : []),
        ...users.map((user) => this.#userCounter(guildId, user, settings, now).key),
      ],
      now,
    );
  }

  async #standing(
    guildId: string,
    userId: string,
    settings: Settings,
    now: number,
  ): Promise<QuotaStanding> {
    const counters = [
      this.#guildCounter(guildId, settings, now),
      this.#userCounter(guildId, userId, settings, now),
    ];
    const tokens = this.#tokenCounter(guildId, settings, now);
    if (tokens) counters.push(tokens);
    const records = await this.#ledger.read(
      counters.map((counter) => counter.key),
      now,
    );
    return {
      guild: allowance(records[0]!, counters[0]!),
      user: allowance(records[1]!, counters[1]!),
      ...(tokens && { tokens: allowance(records[2]!, tokens) }),
    };
  }

  async #settings(guildId: string): Promise<Settings> {
    const [stored] = await this.#ledger.readMaps([quotaKeys.settings(guildId)]);
    const rule = (value: unknown) => {
      const parsed = periodLimitSchema.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    };
    const guild = rule(stored!.guild) ?? {
      limit: this.#defaults.guildLimit,
      period: this.#defaults.period,
    };
    const userOverrides = new Map<string, PeriodLimit>();
    for (const [field, value] of Object.entries(stored!)) {
      const override = field.startsWith(userField) ? rule(value) : undefined;
      if (override) userOverrides.set(field.slice(userField.length), override);
    }
    const budget = this.#defaults.guildTokenBudget;
    return {
      guild,
      userDefault: rule(stored!.userDefault) ?? {
        limit: this.#defaults.userLimit,
        period: this.#defaults.period,
      },
      userOverrides,
      // The budget counts over the guild's own period.
      tokenBudget: budget === null ? undefined : { limit: budget, period: guild.period },
    };
  }

  #guildCounter(guildId: string, settings: Settings, now: number): Counter {
    const window = periodWindow(settings.guild.period, now);
    return { key: quotaKeys.guild(guildId, window), window, rule: settings.guild };
  }

  #userCounter(guildId: string, userId: string, settings: Settings, now: number): Counter {
    const rule = settings.userOverrides.get(userId) ?? settings.userDefault;
    const window = periodWindow(rule.period, now);
    return { key: quotaKeys.user(guildId, userId, window), window, rule };
  }

  #tokenCounter(guildId: string, settings: Settings, now: number): Counter | undefined {
    const rule = settings.tokenBudget;
    if (!rule) return undefined;
    const window = periodWindow(rule.period, now);
    return { key: quotaKeys.tokens(guildId, window), window, rule };
  }

  /**
   * The keys a hold can be in: a job reserved just before a period boundary settles after it, so
   * the previous window is searched too (jobs last minutes, far less than any period).
   */
  #holdCounters(hold: QuotaHold, settings: Settings, now: number): string[] {
    const guild = this.#guildCounter(hold.guildId, settings, now);
    const user = this.#userCounter(hold.guildId, hold.userId, settings, now);
    return [
      guild.key,
      quotaKeys.guild(hold.guildId, previousWindow(guild.rule.period, guild.window)),
      user.key,
      quotaKeys.user(hold.guildId, hold.userId, previousWindow(user.rule.period, user.window)),
    ];
  }

  /** Users who spent images in the current window of any period, from the usage sets (no scan). */
  async #activeUsers(guildId: string, now: number): Promise<string[]> {
    const sets = await this.#ledger.readMaps(
      quotaPeriods.map((period) => quotaKeys.active(guildId, periodWindow(period, now))),
    );
    return [...new Set(sets.flatMap((set) => Object.keys(set)))];
  }
}

const allowance = (record: CounterRecord, counter: Counter): Allowance =>
  allowanceOf(record, counter.rule.limit, counter.rule.period, counter.window);

/** Quotas over `options.ledger`; throws naming the option when the options are wrong. */
export const createQuotas = (options: QuotaServiceOptions): Quotas => new QuotaService(options);
