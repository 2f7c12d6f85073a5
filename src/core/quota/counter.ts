/**
 * The hold bookkeeping of one quota counter (a guild or a user, in one period window), as pure
 * functions. The in-process ledger runs exactly these under a lock; the Redis Lua script mirrors
 * them line for line, and the store contract tests prove the two agree.
 */
import type { Allowance, Limit, QuotaPeriod } from './types.js';
import type { PeriodWindow } from './periods.js';

export interface HoldEntry {
  images: number;
  /** Epoch ms after which the hold no longer counts. */
  expiresAt: number;
}

export interface CounterRecord {
  /** Images (or tokens, for a token counter) spent and committed. */
  committed: number;
  /** Extra images granted on top of the limit for this window. */
  granted: number;
  /** Live reservations by job id. */
  holds: Record<string, HoldEntry>;
}

export const emptyCounter = (): CounterRecord => ({ committed: 0, granted: 0, holds: {} });

/**
 * The holds that pass `keep`, in a new object. A counter holds one entry per waiting job of its
 * guild or user, and V8 keeps objects with that many keys in dictionary mode, where a for-in loop
 * is several times faster than a spread, `Object.entries` or `Object.values`. Holds come from
 * object literals or JSON, so they have no inherited keys for the loop to pick up.
 */
const copyHolds = (
  holds: CounterRecord['holds'],
  keep: (jobId: string, hold: HoldEntry) => boolean,
): CounterRecord['holds'] => {
  const copy: CounterRecord['holds'] = {};
  for (const jobId in holds) {
    const hold = holds[jobId]!;
    if (keep(jobId, hold)) copy[jobId] = hold;
  }
  return copy;
};

const hasExpiredHold = (record: CounterRecord, now: number): boolean => {
  for (const jobId in record.holds) if (record.holds[jobId]!.expiresAt <= now) return true;
  return false;
};

/**
 * The record without expired holds: a job that crashed between reserve and commit stops counting at
 * its deadline. Records are never changed in place, so when nothing expired (nearly always) the same
 * record is returned: copying every hold on each read made a quota operation cost in proportion to
 * the jobs waiting.
 */
export const pruneHolds = (record: CounterRecord, now: number): CounterRecord =>
  hasExpiredHold(record, now)
    ? { ...record, holds: copyHolds(record.holds, (_, hold) => hold.expiresAt > now) }
    : record;

const heldImages = (record: CounterRecord): number => {
  let held = 0;
  for (const jobId in record.holds) held += record.holds[jobId]!.images;
  return held;
};

/** Committed plus held: what the counter has given out, committed or not. */
export const usedOf = (record: CounterRecord): number => record.committed + heldImages(record);

const effectiveLimit = (record: CounterRecord, limit: Limit): Limit =>
  limit === null ? null : limit + record.granted;

/**
 * Whether `images` more fit under `limit` (grants included). Expects a pruned record. A hold the
 * job already has is not counted twice, so a retried reserve is admitted as before.
 */
export const admits = (
  record: CounterRecord,
  limit: Limit,
  jobId: string,
  images: number,
): boolean => {
  const ceiling = effectiveLimit(record, limit);
  if (ceiling === null) return true;
  const alreadyHeld = record.holds[jobId]?.images ?? 0;
  return usedOf(record) - alreadyHeld + images <= ceiling;
};

/** Whether a budget (which takes no hold) still has something left. */
export const hasRoom = (record: CounterRecord, limit: Limit): boolean => {
  const ceiling = effectiveLimit(record, limit);
  return ceiling === null || usedOf(record) < ceiling;
};

export const withHold = (record: CounterRecord, jobId: string, hold: HoldEntry): CounterRecord => {
  const holds = copyHolds(record.holds, () => true);
  holds[jobId] = hold;
  return { ...record, holds };
};

export const withoutHold = (record: CounterRecord, jobId: string): CounterRecord => ({
  ...record,
  holds: copyHolds(record.holds, (other) => other !== jobId),
});

/**
 * Turns the job's live hold into `images` spent. Without a live hold (already committed, refunded,
 * or expired) nothing changes, which is what makes commit idempotent and refund-safe.
 */
export const commitHold = (
  record: CounterRecord,
  jobId: string,
  images: number,
): { record: CounterRecord; applied: boolean } => {
  if (!(jobId in record.holds)) return { record, applied: false };
  return {
    record: { ...withoutHold(record, jobId), committed: record.committed + images },
    applied: true,
  };
};

/** What a user or guild sees: usage against the limit in the current window. */
export const allowanceOf = (
  record: CounterRecord,
  limit: Limit,
  period: QuotaPeriod,
  window: PeriodWindow,
): Allowance => {
  const used = usedOf(record);
  const ceiling = effectiveLimit(record, limit);
  return {
    used,
    limit: ceiling,
    remaining: ceiling === null ? null : Math.max(0, ceiling - used),
    period,
    resetsAt: new Date(window.resetsAt).toISOString(),
  };
};
