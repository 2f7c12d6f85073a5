/**
 * Quotas per guild and per user, on any {@link QuotaLedger}: limits and periods resolved from
 * settings and config defaults, windows from the clock, and every count through the ledger's
 * atomic operations. See docs/quotas.md for the design.
 */
import { z } from 'zod';
import { actualMicros, microsPerDollar, tableMicros, toMicros } from '../cost/estimate.js';
import { shippedPrices, type PriceTable } from '../cost/price-table.js';
import { UserError } from '../errors.js';
import { BoundedCache } from './bounded-cache.js';
import { allowanceOf, usedOf, type CounterRecord } from './counter.js';
import type { QuotaLedger, TallyEntry } from './ledger.js';
import { periodWindow, previousWindow, type PeriodWindow } from './periods.js';
import type { ImageUsage } from '../images/types.js';
import { quotaKeys } from './quota-keys.js';
import {
  quotaPeriods,
  type Allowance,
  type DailyUsage,
  type GuildQuotaReport,
  type PeriodLimit,
  type QuotaAdmin,
  type QuotaDefaults,
  type QuotaHold,
  type QuotaKeeper,
  type QuotaStanding,
} from './types.js';

export interface QuotaServiceOptions {
  /** Where counts live; it makes each change atomic. */
  ledger: QuotaLedger;
  /** Limits for guilds and users without their own. */
  defaults: QuotaDefaults;
  /**
   * How long a guild's limits are reused before they are read again, sparing a read per call.
   * Changes made through this service apply at once; another process's, within this time.
   * @default 1000
   */
  settingsCacheMs?: number;
  /** Prices holds are estimated and jobs committed at. @default the shipped table */
  prices?: PriceTable;
}

export type Quotas = QuotaKeeper & QuotaAdmin;

const topUserCount = 10;
/** Guilds whose settings are cached at once. */
const settingsCacheCapacity = 10_000;

/** Reads a limit back from stored settings; anything malformed counts as unset. */
const periodLimitSchema = z.object({
  limit: z.number().int().min(0).nullable(),
  period: z.enum(quotaPeriods),
});

const dayMs = 86_400_000;

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
  roleLimits: Map<string, PeriodLimit>;
  tokenBudget: PeriodLimit | undefined;
  /** Micro-dollars over the guild's period; spend is counted with or without one. */
  spendBudget: PeriodLimit;
}

const userField = 'user:';
const roleField = 'role:';

/** Days in each period, to compare limits over different periods by images a day. */
const periodDays: Readonly<Record<PeriodLimit['period'], number>> = { day: 1, week: 7, month: 30 };
const perDay = (rule: PeriodLimit) =>
  rule.limit === null ? Number.POSITIVE_INFINITY : rule.limit / periodDays[rule.period];

/** The most generous of the limits of the member's roles, or undefined when none has one. */
const roleRule = (
  roleLimits: ReadonlyMap<string, PeriodLimit>,
  roleIds: readonly string[] | undefined,
): PeriodLimit | undefined =>
  (roleIds ?? [])
    .flatMap((roleId) => roleLimits.get(roleId) ?? [])
    .reduce<PeriodLimit | undefined>(
      (best, rule) => (best === undefined || perDay(rule) > perDay(best) ? rule : best),
      undefined,
    );

class QuotaService implements Quotas {
  readonly #ledger: QuotaLedger;
  readonly #defaults: QuotaDefaults;
  readonly #prices: PriceTable;
  readonly #settingsCacheMs: number;
  readonly #settingsCache: BoundedCache<Promise<Settings>>;

  constructor(options: QuotaServiceOptions) {
    this.#ledger = options.ledger;
    this.#defaults = options.defaults;
    this.#settingsCacheMs = options.settingsCacheMs ?? 1_000;
    this.#prices = options.prices ?? shippedPrices;
    this.#settingsCache = new BoundedCache(this.#settingsCacheMs > 0 ? settingsCacheCapacity : 0);
  }

  async reserve(hold: QuotaHold, now = Date.now()): Promise<void> {
    const settings = await this.#settings(hold.guildId);
    const guild = this.#guildCounter(hold.guildId, settings, now);
    const user = this.#userCounter(hold.guildId, hold.userId, settings, now, hold.roleIds);
    const tokens = this.#tokenCounter(hold.guildId, settings, now);
    const spend = this.#spendCounters(hold.guildId, hold.userId, settings, now);
    const estimate = hold.request ? tableMicros(this.#prices, hold.request, hold.images) : 0;
    const counters = [guild, user, spend.guild, spend.user];
    // The token budget takes no hold (a job's token cost is known only after it ran); it stops
    // new work once spent, checked in the same atomic step. The dollar budget holds the estimate.
    const budgets = tokens ? [tokens] : [];
    const outcome = await this.#ledger.reserve(
      [
        limitOf(guild),
        limitOf(user),
        ...[spend.guild, spend.user].map((counter) => ({ ...limitOf(counter), amount: estimate })),
      ],
      hold.jobId,
      { images: hold.images, expiresAt: hold.expiresAt },
      now,
      budgets.map(limitOf),
    );
    if (outcome.admitted) return;
    const refused = [...counters, ...budgets][outcome.refused]!;
    const state = allowance(outcome.record, refused);
    const common = {
      limit: state.limit ?? undefined,
      used: state.used,
      period: state.period,
      resetsAt: state.resetsAt,
    };
    if (refused === tokens) throw new UserError('tokenBudgetExceeded', common);
    if (refused === spend.guild)
      throw new UserError('budgetExceeded', {
        period: state.period,
        resetsAt: state.resetsAt,
        limitUsd: (state.limit ?? 0) / microsPerDollar,
        usedUsd: state.used / microsPerDollar,
        requestedUsd: estimate / microsPerDollar,
      });
    throw new UserError('quotaExceeded', {
      ...common,
      scope: refused === guild ? 'guild' : 'user',
      remaining: state.remaining ?? undefined,
      requested: hold.images,
    });
  }

  async commit(
    hold: QuotaHold,
    spent: { images: number; tokens?: number; usage?: ImageUsage },
    now = Date.now(),
  ): Promise<QuotaStanding> {
    const settings = await this.#settings(hold.guildId);
    const { guild, user, keys, spend, spendKeys } = this.#holdCounters(hold, settings, now);
    const tokens = this.#tokenCounter(hold.guildId, settings, now);
    const cost = hold.request
      ? actualMicros(this.#prices, hold.request, spent.images, spent.usage)
      : 0;
    const outcome = await this.#ledger.commit(
      {
        jobId: hold.jobId,
        counters: keys,
        images: spent.images,
        spend: { counters: spendKeys, amount: cost },
        tally: {
          key: quotaKeys.day(hold.guildId, utcDate(now)),
          member: hold.userId,
          images: spent.images,
          micros: cost,
        },
        // Metered even at 0 tokens when there is a budget, so the reply carries its standing.
        ...(tokens && { meter: { key: tokens.key, amount: spent.tokens ?? 0 } }),
        enrol: { key: quotaKeys.active(hold.guildId, user.window), member: hold.userId },
      },
      now,
    );
    const [guildAfter, userAfter] = outcome.counters;
    const [guildSpent, userSpent] = outcome.spend ?? [];
    return {
      guild: allowance(guildAfter!, guild),
      user: allowance(userAfter!, user),
      ...(tokens && outcome.meter && { tokens: allowance(outcome.meter, tokens) }),
      spend: {
        guild: allowance(guildSpent!, spend.guild),
        user: allowance(userSpent!, spend.user),
      },
    };
  }

  async refund(hold: QuotaHold, now = Date.now()): Promise<void> {
    const settings = await this.#settings(hold.guildId);
    const { keys, spendKeys } = this.#holdCounters(hold, settings, now);
    await this.#ledger.refund([...keys, ...spendKeys], hold.jobId, now);
  }

  async standing(
    guildId: string,
    userId: string,
    now = Date.now(),
    roleIds?: readonly string[],
  ): Promise<QuotaStanding> {
    return this.#standing(guildId, userId, await this.#settings(guildId), now, roleIds);
  }

  async report(guildId: string, now = Date.now()): Promise<GuildQuotaReport> {
    const settings = await this.#settings(guildId);
    const guild = this.#guildCounter(guildId, settings, now);
    const tokens = this.#tokenCounter(guildId, settings, now);
    const spend = this.#spendCounters(guildId, undefined, settings, now);
    const userCounters = (await this.#activeUsers(guildId, now)).map((userId) => ({
      userId,
      counter: this.#userCounter(guildId, userId, settings, now),
      spend: this.#spendCounters(guildId, userId, settings, now).user,
    }));
    const users = userCounters.length;
    const records = await this.#ledger.read(
      [
        guild,
        ...userCounters.map((entry) => entry.counter),
        ...userCounters.map((entry) => entry.spend),
        spend.guild,
        ...(tokens ? [tokens] : []),
      ].map((counter) => counter.key),
      now,
    );
    const [guildRecord, ...rest] = records;
    const topUsers = userCounters
      .map((entry, index) => ({
        userId: entry.userId,
        used: usedOf(rest[index]!),
        spentMicros: usedOf(rest[users + index]!),
      }))
      .filter((entry) => entry.used > 0)
      .sort((a, b) => b.used - a.used || a.userId.localeCompare(b.userId))
      .slice(0, topUserCount);
    return {
      guild: allowance(guildRecord!, guild),
      ...(tokens && { tokens: allowance(records.at(-1)!, tokens) }),
      spend: allowance(records[1 + 2 * users]!, spend.guild),
      userDefault: settings.userDefault,
      userOverrides: [...settings.userOverrides].map(([userId, rule]) => ({ userId, ...rule })),
      roleLimits: [...settings.roleLimits].map(([roleId, rule]) => ({ roleId, ...rule })),
      topUsers,
    };
  }

  async setGuildLimit(guildId: string, limit: PeriodLimit): Promise<void> {
    await this.#setSetting(guildId, 'guild', limit);
  }

  async setUserLimit(
    guildId: string,
    userId: string | undefined,
    limit: PeriodLimit,
  ): Promise<void> {
    const field = userId === undefined ? 'userDefault' : userField + userId;
    await this.#setSetting(guildId, field, limit);
  }

  async setRoleLimit(guildId: string, roleId: string, limit: PeriodLimit): Promise<void> {
    await this.#setSetting(guildId, roleField + roleId, limit);
  }

  async grant(guildId: string, userId: string, images: number, now = Date.now()): Promise<void> {
    const user = this.#userCounter(guildId, userId, await this.#settings(guildId), now);
    await this.#ledger.grant(user.key, images, now);
  }

  async reset(guildId: string, userId?: string, now = Date.now()): Promise<void> {
    const settings = await this.#settings(guildId);
    const userKeys = (user: string) => [
      this.#userCounter(guildId, user, settings, now).key,
      this.#spendCounters(guildId, user, settings, now).user.key,
    ];
    if (userId !== undefined) {
      await this.#ledger.reset(userKeys(userId), now);
      return;
    }
    const users = await this.#activeUsers(guildId, now);
    const tokens = this.#tokenCounter(guildId, settings, now);
    await this.#ledger.reset(
      [
        this.#guildCounter(guildId, settings, now).key,
        this.#spendCounters(guildId, undefined, settings, now).guild.key,
        ...(tokens ? [tokens.key] : []),
        ...users.flatMap(userKeys),
      ],
      now,
    );
  }

  async history(guildId: string, days: number, now = Date.now()): Promise<DailyUsage[]> {
    const today = Math.floor(now / dayMs) * dayMs;
    const dates = Array.from({ length: days }, (_, index) =>
      utcDate(today - (days - 1 - index) * dayMs),
    );
    const maps = await this.#ledger.readMaps(dates.map((date) => quotaKeys.day(guildId, date)));
    return dates.map((date, index) => ({
      date,
      users: maps[index] as Record<string, TallyEntry>,
    }));
  }

  async #standing(
    guildId: string,
    userId: string,
    settings: Settings,
    now: number,
    roleIds?: readonly string[],
  ): Promise<QuotaStanding> {
    const counters = [
      this.#guildCounter(guildId, settings, now),
      this.#userCounter(guildId, userId, settings, now, roleIds),
    ];
    const spend = this.#spendCounters(guildId, userId, settings, now);
    counters.push(spend.guild, spend.user);
    const tokens = this.#tokenCounter(guildId, settings, now);
    if (tokens) counters.push(tokens);
    const records = await this.#ledger.read(
      counters.map((counter) => counter.key),
      now,
    );
    return {
      guild: allowance(records[0]!, counters[0]!),
      user: allowance(records[1]!, counters[1]!),
      ...(tokens && { tokens: allowance(records[4]!, tokens) }),
      spend: {
        guild: allowance(records[2]!, spend.guild),
        user: allowance(records[3]!, spend.user),
      },
    };
  }

  async #setSetting(guildId: string, field: string, rule: PeriodLimit): Promise<void> {
    await this.#ledger.setField(quotaKeys.settings(guildId), field, rule);
    this.#settingsCache.delete(guildId);
  }

  #settings(guildId: string): Promise<Settings> {
    const cached = this.#settingsCache.get(guildId);
    if (cached) return cached.value;
    // The promise is cached, so concurrent calls for one guild share a single read.
    const loading = this.#loadSettings(guildId);
    this.#settingsCache.set(guildId, loading, Date.now() + this.#settingsCacheMs);
    loading.catch(() => this.#settingsCache.delete(guildId));
    return loading;
  }

  async #loadSettings(guildId: string): Promise<Settings> {
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
    const roleLimits = new Map<string, PeriodLimit>();
    for (const [field, value] of Object.entries(stored!)) {
      const override = field.startsWith(userField) ? rule(value) : undefined;
      if (override) userOverrides.set(field.slice(userField.length), override);
      const byRole = field.startsWith(roleField) ? rule(value) : undefined;
      if (byRole) roleLimits.set(field.slice(roleField.length), byRole);
    }
    const budget = this.#defaults.guildTokenBudget;
    return {
      guild,
      userDefault: rule(stored!.userDefault) ?? {
        limit: this.#defaults.userLimit,
        period: this.#defaults.period,
      },
      userOverrides,
      roleLimits,
      // The budgets count over the guild's own period.
      tokenBudget: budget === null ? undefined : { limit: budget, period: guild.period },
      spendBudget: {
        limit:
          this.#defaults.guildBudgetUsd == null ? null : toMicros(this.#defaults.guildBudgetUsd),
        period: guild.period,
      },
    };
  }

  #guildCounter(guildId: string, settings: Settings, now: number): Counter {
    const window = periodWindow(settings.guild.period, now);
    return { key: quotaKeys.guild(guildId, window), window, rule: settings.guild };
  }

  /**
   * The user's counter under the limit that applies to them: their own, else the most generous of
   * their roles', else the guild's default. Resolved here, before the ledger is asked, so the
   * ledger's atomic steps stay as they are.
   */
  #userCounter(
    guildId: string,
    userId: string,
    settings: Settings,
    now: number,
    roleIds?: readonly string[],
  ): Counter {
    const rule =
      settings.userOverrides.get(userId) ??
      roleRule(settings.roleLimits, roleIds) ??
      settings.userDefault;
    const window = periodWindow(rule.period, now);
    return { key: quotaKeys.user(guildId, userId, window), window, rule };
  }

  #tokenCounter(guildId: string, settings: Settings, now: number): Counter | undefined {
    const rule = settings.tokenBudget;
    if (!rule) return undefined;
    const window = periodWindow(rule.period, now);
    return { key: quotaKeys.tokens(guildId, window), window, rule };
  }

  /** The guild's spend (against its dollar budget) and the user's, both over the guild's period. */
  #spendCounters(
    guildId: string,
    userId: string | undefined,
    settings: Settings,
    now: number,
  ): { guild: Counter; user: Counter } {
    const rule = settings.spendBudget;
    const window = periodWindow(rule.period, now);
    return {
      guild: { key: quotaKeys.guildSpend(guildId, window), window, rule },
      user: {
        key: quotaKeys.userSpend(guildId, userId ?? '', window),
        window,
        rule: { limit: null, period: rule.period },
      },
    };
  }

  /**
   * Where a hold can be: `keys` lists the guild's and the user's counter in the current window,
   * then in the one before, since a job reserved just before a period boundary is committed after it
   * (jobs last minutes, far less than any period).
   */
  #holdCounters(
    hold: QuotaHold,
    settings: Settings,
    now: number,
  ): {
    guild: Counter;
    user: Counter;
    keys: string[];
    spend: { guild: Counter; user: Counter };
    spendKeys: string[];
  } {
    const guild = this.#guildCounter(hold.guildId, settings, now);
    const user = this.#userCounter(hold.guildId, hold.userId, settings, now, hold.roleIds);
    const spend = this.#spendCounters(hold.guildId, hold.userId, settings, now);
    const before = (counter: Counter) => previousWindow(counter.rule.period, counter.window);
    return {
      guild,
      user,
      keys: [
        guild.key,
        user.key,
        quotaKeys.guild(hold.guildId, before(guild)),
        quotaKeys.user(hold.guildId, hold.userId, before(user)),
      ],
      spend,
      spendKeys: [
        spend.guild.key,
        spend.user.key,
        quotaKeys.guildSpend(hold.guildId, before(spend.guild)),
        quotaKeys.userSpend(hold.guildId, hold.userId, before(spend.user)),
      ],
    };
  }

  /** Users who spent images in the current window of any period, from the usage sets (no scan). */
  async #activeUsers(guildId: string, now: number): Promise<string[]> {
    const sets = await this.#ledger.readMaps(
      quotaPeriods.map((period) => quotaKeys.active(guildId, periodWindow(period, now))),
    );
    return [...new Set(sets.flatMap((set) => Object.keys(set)))];
  }
}

/** YYYY-MM-DD of an instant, UTC. */
const utcDate = (at: number) => new Date(at).toISOString().slice(0, 10);

const limitOf = (counter: Counter) => ({ key: counter.key, limit: counter.rule.limit });

const allowance = (record: CounterRecord, counter: Counter): Allowance =>
  allowanceOf(record, counter.rule.limit, counter.rule.period, counter.window);

/** Quotas over `options.ledger`. */
export const createQuotas = (options: QuotaServiceOptions): Quotas => new QuotaService(options);
