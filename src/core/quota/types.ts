import type { ImageUsage } from '../images/types.js';
import type { ImageRequest } from '../request.js';

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
  /** US dollars per guild per period: reserved by estimate, committed at the actual cost. @default null */
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
  /** This period's spend in micro-dollars, over the guild's period; the guild's limit is its budget. */
  spend?: { guild: Allowance; user: Allowance };
}

export interface GuildQuotaReport {
  guild: Allowance;
  tokens?: Allowance;
  /** The per-user default for this guild. */
  userDefault: PeriodLimit;
  /** Users with their own limit. */
  userOverrides: Array<{ userId: string } & PeriodLimit>;
  /** Roles with a user limit of their own (Discord). */
  roleLimits: Array<{ roleId: string } & PeriodLimit>;
  /** Most images used this period, most first (at most 10), with what each spent in micro-dollars. */
  topUsers: Array<{ userId: string; used: number; spentMicros?: number }>;
  /** The guild's spend this period in micro-dollars; its limit is the budget. */
  spend?: Allowance;
}

/** One UTC day of a guild's delivered images and their cost, by user. */
export interface DailyUsage {
  /** YYYY-MM-DD, UTC. */
  date: string;
  users: Record<string, { images: number; micros: number }>;
}

/** What a job reserves: counted in images. */
export interface QuotaHold {
  jobId: string;
  guildId: string;
  userId: string;
  images: number;
  /** Epoch ms after which an uncommitted hold no longer counts (the job deadline): a crash leaks nothing longer. */
  expiresAt: number;
  /** What was asked, so the hold's cost can be estimated from the price table. @default costs nothing */
  request?: Pick<ImageRequest, 'model' | 'size' | 'quality'>;
  /** The member's roles, whose most generous role limit is their user limit. */
  roleIds?: readonly string[];
}

/** The quota operations the generation service needs. */
export interface QuotaKeeper {
  /** Atomically admits the hold against the guild and user limits, or throws `UserError('quotaExceeded' | 'tokenBudgetExceeded' | 'budgetExceeded')`. */
  reserve(hold: QuotaHold, now?: number): Promise<void>;
  /** Turns the hold into spent images (and tokens, when metered), and its estimated cost into the actual one. */
  commit(
    hold: QuotaHold,
    spent: { images: number; tokens?: number; usage?: ImageUsage },
    now?: number,
  ): Promise<QuotaStanding>;
  /** Drops the hold: nothing is spent. Idempotent. */
  refund(hold: QuotaHold, now?: number): Promise<void>;
  /** `roleIds`: the member's roles, for role limits. */
  standing(
    guildId: string,
    userId: string,
    now?: number,
    roleIds?: readonly string[],
  ): Promise<QuotaStanding>;
}

/** What `/quota-admin` exposes. */
export interface QuotaAdmin {
  report(guildId: string, now?: number): Promise<GuildQuotaReport>;
  setGuildLimit(guildId: string, limit: PeriodLimit): Promise<void>;
  /** `userId` undefined sets the default for everyone in the guild. */
  setUserLimit(guildId: string, userId: string | undefined, limit: PeriodLimit): Promise<void>;
  /**
   * The user limit of every member with this role, unless they have their own; a member with
   * several limited roles gets the most generous.
   */
  setRoleLimit(guildId: string, roleId: string, limit: PeriodLimit): Promise<void>;
  /** Extra images for this user in the current period. */
  grant(guildId: string, userId: string, images: number, now?: number): Promise<void>;
  /** Clears usage this period: one user's, or the whole guild's when `userId` is undefined. */
  reset(guildId: string, userId?: string, now?: number): Promise<void>;
  /** The last `days` UTC days up to today, oldest first, each with its delivered images and cost by user. */
  history(guildId: string, days: number, now?: number): Promise<DailyUsage[]>;
}
