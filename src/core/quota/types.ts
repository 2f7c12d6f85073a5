export type QuotaPeriod = 'day' | 'week' | 'month';
export const quotaPeriods: readonly QuotaPeriod[] = ['day', 'week', 'month'];

/** `null` is "unlimited". */
export type Limit = number | null;

/** The limits that apply where a guild or user has none of its own (the QUOTA_* settings). */
export interface QuotaDefaults {
  /** @default 500 */
  guildLimit: Limit;
  /** @default 25 */
  userLimit: Limit;
  /** @default 'day' */
  period: QuotaPeriod;
  /** Total tokens per guild per period, metered from `usage.total_tokens`. @default null */
  guildTokenBudget: Limit;
  /** US dollars per guild per period: reserved by estimate, settled at the actual cost. @default null */
  guildBudgetUsd?: number | null;
}

/** A limit with the period it counts over. */
export interface PeriodLimit {
  limit: Limit;
  period: QuotaPeriod;
}

export interface Allowance {
  used: number;
  /** Includes extra grants. `null` is unlimited. */
  limit: Limit;
  remaining: Limit;
  period: QuotaPeriod;
  /** ISO 8601, UTC: when this period ends. */
  resetsAt: string;
}

export interface QuotaStanding {
  guild: Allowance;
  user: Allowance;
  /** Present when a token budget is set for the guild. */
  tokens?: Allowance;
}

export interface GuildQuotaReport {
  guild: Allowance;
  tokens?: Allowance;
  /** The per-user default for this guild. */
  userDefault: PeriodLimit;
  /** Users with their own limit. */
  userOverrides: Array<{ userId: string } & PeriodLimit>;
  /** Most images used this period, most first (at most 10). */
  topUsers: Array<{ userId: string; used: number }>;
}

/** What a job reserves: counted in images. */
export interface QuotaHold {
  jobId: string;
  guildId: string;
  userId: string;
  images: number;
  /** Epoch ms after which an unsettled hold no longer counts (the job deadline): a crash leaks nothing longer. */
  expiresAt: number;
}

/** The quota operations the generation service needs. */
export interface QuotaKeeper {
  /** Atomically admits the hold against the guild and user limits, or throws `UserError('quotaExceeded' | 'tokenBudgetExceeded')`. */
  reserve(hold: QuotaHold, now?: number): Promise<void>;
  /** Turns the hold into spent images (and tokens, when metered). */
  commit(
    hold: QuotaHold,
    spent: { images: number; tokens?: number },
    now?: number,
  ): Promise<QuotaStanding>;
  /** Drops the hold: nothing is spent. Idempotent. */
  refund(hold: QuotaHold, now?: number): Promise<void>;
  standing(guildId: string, userId: string, now?: number): Promise<QuotaStanding>;
}

/** What `/quota-admin` exposes. */
export interface QuotaAdmin {
  report(guildId: string, now?: number): Promise<GuildQuotaReport>;
  setGuildLimit(guildId: string, limit: PeriodLimit): Promise<void>;
  /** `userId` undefined sets the default for everyone in the guild. */
  setUserLimit(guildId: string, userId: string | undefined, limit: PeriodLimit): Promise<void>;
  /** Extra images for this user in the current period. */
  grant(guildId: string, userId: string, images: number, now?: number): Promise<void>;
  /** Clears usage this period: one user's, or the whole guild's when `userId` is undefined. */
  reset(guildId: string, userId?: string, now?: number): Promise<void>;
}
