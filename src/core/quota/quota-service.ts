/**
 * Quotas per guild and per user, on any {@link QuotaLedger}: limits and periods resolved from
 * settings and config defaults, windows from the clock, and every count through the ledger's
 * atomic operations. See docs/quotas.md for the design.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { BoundedCache } from './bounded-cache.js';
import { allowanceOf, usedOf, type CounterRecord } from './counter.js';
import type { QuotaLedger } from './ledger.js';
import { periodWindow, previousWindow, type PeriodWindow } from './periods.js';
import { quotaKeys } from './quota-keys.js';
import {
  quotaPeriods,
  type Allowance,
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
  readonly #settingsCacheMs: number;
  readonly #settingsCache: BoundedCache<Promise<Settings>>;

  constructor(options: QuotaServiceOptions) {
    this.#ledger = options.ledger;
    this.#defaults = options.defaults;
    this.#settingsCacheMs = options.settingsCacheMs ?? 1_000;
    this.#settingsCache = new BoundedCache(this.#settingsCacheMs > 0 ? settingsCacheCapacity : 0);
  }

  async reserve(hold: QuotaHold, now = Date.now()): Promise<void> {
    const settings = await this.#settings(hold.guildId);
    const guild = this.#guildCounter(hold.guildId, settings, now);
    const user = this.#userCounter(hold.guildId, hold.userId, settings, now, hold.roleIds);
    const tokens = this.#tokenCounter(hold.guildId, settings, now);
    const counters = [guild, user];
    // The token budget takes no hold (a job's token cost is known only after it ran); it stops
    // new work once spent, checked in the same atomic step.
    const budgets = tokens ? [tokens] : [];
    const outcome = await this.#ledger.reserve(
      counters.map(limitOf),
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
    throw new UserError('quotaExceeded', {
      ...common,
      scope: refused === guild ? 'guild' : 'user',
      remaining: state.remaining ?? undefined,
      requested: hold.images,
    });
  }

  async commit(
    hold: QuotaHold,
    spent: { images: number; tokens?: number },
    now = Date.now(),
  ): Promise<QuotaStanding> {
    const settings = await this.#settings(hold.guildId);
    const { guild, user, keys } = this.#holdCounters(hold, settings, now);
    const tokens = this.#tokenCounter(hold.guildId, settings, now);
    const outcome = await this.#ledger.commit(
      {
        jobId: hold.jobId,
        counters: keys,
        images: spent.images,
        // Metered even at 0 tokens when there is a budget, so the reply carries its standing.
        ...(tokens && { meter: { key: tokens.key, amount: spent.tokens ?? 0 } }),
        enrol: { key: quotaKeys.active(hold.guildId, user.window), member: hold.userId },
      },
      now,
    );
    const [guildAfter, userAfter] = outcome.counters;
    return {
      guild: allowance(guildAfter!, guild),
      user: allowance(userAfter!, user),
      ...(tokens && outcome.meter && { tokens: allowance(outcome.meter, tokens) }),
    };
  }

  async refund(hold: QuotaHold, now = Date.now()): Promise<void> {
    const settings = await this.#settings(hold.guildId);
    await this.#ledger.refund(this.#holdCounters(hold, settings, now).keys, hold.jobId, now);
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
    roleIds?: readonly string[],
  ): Promise<QuotaStanding> {
    const counters = [
      this.#guildCounter(guildId, settings, now),
      this.#userCounter(guildId, userId, settings, now, roleIds),
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
      // The budget counts over the guild's own period.
      tokenBudget: budget === null ? undefined : { limit: budget, period: guild.period },
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

  /**
   * Where a hold can be: `keys` lists the guild's and the user's counter in the current window,
   * then in the one before, since a job reserved just before a period boundary is committed after it
   * (jobs last minutes, far less than any period).
   */
  #holdCounters(
    hold: QuotaHold,
    settings: Settings,
    now: number,
  ): { guild: Counter; user: Counter; keys: string[] } {
    const guild = this.#guildCounter(hold.guildId, settings, now);
    const user = this.#userCounter(hold.guildId, hold.userId, settings, now, hold.roleIds);
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

const limitOf = (counter: Counter) => ({ key: counter.key, limit: counter.rule.limit });

const allowance = (record: CounterRecord, counter: Counter): Allowance =>
  allowanceOf(record, counter.rule.limit, counter.rule.period, counter.window);

/** Quotas over `options.ledger`. */
export const createQuotas = (options: QuotaServiceOptions): Quotas => new QuotaService(options);
