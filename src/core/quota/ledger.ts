/**
 * The quota ledger port: the few operations that must be atomic. keyv offers only get and set, so
 * two concurrent read-modify-writes of one counter would both pass the check and overspend; every
 * operation here is therefore one indivisible step, implemented per store (a keyed lock in one
 * process, a Lua script on Redis). See docs/quotas.md.
 */
import type { CounterRecord, HoldEntry } from './counter.js';
import type { Limit } from './types.js';

export interface CounterLimit {
  key: string;
  /** Before grants; `null` is unlimited. */
  limit: Limit;
  /** What the job holds on this counter, in its unit (micro-dollars on a spend counter). @default the hold's images */
  amount?: number;
}

export type ReserveOutcome =
  | { admitted: true }
  /** `refused` indexes `[...counters, ...budgets]`: the first with no room; `record` is its state then. */
  | { admitted: false; refused: number; record: CounterRecord };

export interface Commitment {
  jobId: string;
  /** Every counter key the hold may live in (each scope's current and previous window). */
  counters: readonly string[];
  /** Images actually delivered; they replace the held amount. */
  images: number;
  /** Added to this counter's `committed` only when a hold was committed, so metering is idempotent too. */
  meter?: { key: string; amount: number };
  /** Recorded in this set only when a hold was committed: the usage index for top users and resets. */
  enrol?: { key: string; member: string };
  /**
   * Counters held in another unit (micro-dollars): where the job has a hold, it becomes `amount`
   * committed, so an estimate reserved is committed at the actual cost.
   */
  spend?: { counters: readonly string[]; amount: number };
  /**
   * A day's usage by member, added to only when a hold was committed: `member` gains `images` and
   * `micros` in the map under `key` (the history charts read).
   */
  tally?: { key: string; member: string; images: number; micros: number };
}

/** One member's entry in a tally map. */
export interface TallyEntry {
  images: number;
  micros: number;
}

export interface CommitOutcome {
  /** False when the job had no live hold (already committed, refunded, or expired): nothing changed. */
  applied: boolean;
  /** Each of `Commitment.counters` after the step, expired holds left out: the standing, without a second read. */
  counters: CounterRecord[];
  /** The metered counter after the step, when there was one. */
  meter?: CounterRecord;
  /** Each of `Commitment.spend.counters` after the step, when there were some. */
  spend?: CounterRecord[];
}

/** A flat JSON object: guild settings, or a set of user ids (member -> 1). */
export type LedgerMap = Record<string, unknown>;

export interface QuotaLedger {
  /**
   * Admits the hold on every counter or on none, pruning expired holds first. A budget takes no
   * hold; it only has to have room left (used below its limit), checked in the same atomic step.
   */
  reserve(
    counters: readonly CounterLimit[],
    jobId: string,
    hold: HoldEntry,
    now: number,
    budgets?: readonly CounterLimit[],
  ): Promise<ReserveOutcome>;
  /** Moves the job's live hold into `committed` (a no-op when there is none). */
  commit(commitment: Commitment, now: number): Promise<CommitOutcome>;
  /** Drops the job's hold wherever it is; false when there was none. Never touches `committed`. */
  refund(counters: readonly string[], jobId: string, now: number): Promise<boolean>;
  /** Current state, expired holds left out; an absent counter reads as empty. */
  read(counters: readonly string[], now: number): Promise<CounterRecord[]>;
  /** Adds to the counter's extra allowance. */
  grant(counter: string, images: number, now: number): Promise<void>;
  /** Zeroes `committed`, keeping live holds (their jobs are still running) and grants. */
  reset(counters: readonly string[], now: number): Promise<void>;
  /** Each map, `{}` when absent. */
  readMaps(keys: readonly string[]): Promise<LedgerMap[]>;
  /** Sets one field (or removes it, with `undefined`) of a map kept without expiry. */
  setField(key: string, field: string, value: unknown): Promise<void>;
}
