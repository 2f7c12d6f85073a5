/**
 * Each ledger operation as a pure step from the records it reads to the records it writes. An
 * in-process ledger runs a step under a lock on its keys; the Redis Lua script is the same step
 * written in Lua. `writes` holds only what changed, by key.
 */
import {
  admits,
  emptyCounter,
  hasRoom,
  pruneHolds,
  commitHold,
  withHold,
  withoutHold,
  type CounterRecord,
  type HoldEntry,
} from './counter.js';
import type {
  CounterLimit,
  LedgerMap,
  ReserveOutcome,
  CommitOutcome,
  Commitment,
  TallyEntry,
} from './ledger.js';

/** What a step read, by key; absent records are missing from the map. */
export type Stored = ReadonlyMap<string, unknown>;

export interface Step<Result> {
  result: Result;
  writes: Map<string, CounterRecord | LedgerMap>;
}

/** The counter under `key`, expired holds left out; empty when absent. */
export const liveCounter = (stored: Stored, key: string, now: number): CounterRecord =>
  pruneHolds((stored.get(key) as CounterRecord | undefined) ?? emptyCounter(), now);

export const reserveStep = (
  stored: Stored,
  counters: readonly CounterLimit[],
  jobId: string,
  hold: HoldEntry,
  now: number,
  budgets: readonly CounterLimit[] = [],
): Step<ReserveOutcome> => {
  const records = counters.map((counter) => liveCounter(stored, counter.key, now));
  const budgetRecords = budgets.map((budget) => liveCounter(stored, budget.key, now));
  const amountOf = (index: number) => counters[index]!.amount ?? hold.images;
  const refusedCounter = records.findIndex(
    (record, index) => !admits(record, counters[index]!.limit, jobId, amountOf(index)),
  );
  const refusedBudget = budgetRecords.findIndex(
    (record, index) => !hasRoom(record, budgets[index]!.limit),
  );
  const refused =
    refusedCounter >= 0
      ? refusedCounter
      : refusedBudget >= 0
        ? counters.length + refusedBudget
        : -1;
  if (refused >= 0) {
    const record = [...records, ...budgetRecords][refused]!;
    return { result: { admitted: false, refused, record }, writes: new Map() };
  }
  return {
    result: { admitted: true },
    writes: new Map(
      counters.map((counter, index) => [
        counter.key,
        withHold(records[index]!, jobId, { ...hold, images: amountOf(index) }),
      ]),
    ),
  };
};

/** Settles the job's hold in each counter that has it; meters and enrols only if one did. */
export const commitStep = (
  stored: Stored,
  commitment: Commitment,
  now: number,
): Step<CommitOutcome> => {
  const writes: Step<CommitOutcome>['writes'] = new Map();
  for (const key of commitment.counters) {
    if (!stored.has(key)) continue;
    const outcome = commitHold(liveCounter(stored, key, now), commitment.jobId, commitment.images);
    if (outcome.applied) writes.set(key, outcome.record);
  }
  const applied = writes.size > 0;
  const { meter, enrol, spend, tally } = commitment;
  for (const key of spend?.counters ?? []) {
    if (!stored.has(key)) continue;
    const outcome = commitHold(liveCounter(stored, key, now), commitment.jobId, spend!.amount);
    if (outcome.applied) writes.set(key, outcome.record);
  }
  if (applied && meter) {
    const record = liveCounter(stored, meter.key, now);
    writes.set(meter.key, { ...record, committed: record.committed + meter.amount });
  }
  if (applied && enrol) {
    const set = (stored.get(enrol.key) as LedgerMap | undefined) ?? {};
    if (!(enrol.member in set)) writes.set(enrol.key, { ...set, [enrol.member]: 1 });
  }
  if (applied && tally) {
    const map = (stored.get(tally.key) as LedgerMap | undefined) ?? {};
    const entry = (map[tally.member] as TallyEntry | undefined) ?? { images: 0, micros: 0 };
    writes.set(tally.key, {
      ...map,
      [tally.member]: { images: entry.images + tally.images, micros: entry.micros + tally.micros },
    });
  }
  const after = (key: string) =>
    (writes.get(key) as CounterRecord | undefined) ?? liveCounter(stored, key, now);
  return {
    result: {
      applied,
      counters: commitment.counters.map(after),
      ...(meter && { meter: after(meter.key) }),
      ...(spend && { spend: spend.counters.map(after) }),
    },
    writes,
  };
};

export const refundStep = (
  stored: Stored,
  counters: readonly string[],
  jobId: string,
  now: number,
): Step<boolean> => {
  const writes: Step<boolean>['writes'] = new Map();
  for (const key of counters) {
    const record = liveCounter(stored, key, now);
    if (stored.has(key) && jobId in record.holds) writes.set(key, withoutHold(record, jobId));
  }
  return { result: writes.size > 0, writes };
};

export const grantStep = (stored: Stored, key: string, images: number, now: number): Step<void> => {
  const record = liveCounter(stored, key, now);
  return {
    result: undefined,
    writes: new Map([[key, { ...record, granted: record.granted + images }]]),
  };
};

export const resetStep = (
  stored: Stored,
  counters: readonly string[],
  now: number,
): Step<void> => ({
  result: undefined,
  writes: new Map(
    counters
      .filter((key) => stored.has(key))
      .map((key) => [key, { ...liveCounter(stored, key, now), committed: 0 }]),
  ),
});

export const setFieldStep = (
  stored: Stored,
  key: string,
  field: string,
  value: unknown,
): Step<void> => {
  const next: LedgerMap = { ...(stored.get(key) as LedgerMap | undefined) };
  if (value === undefined) delete next[field];
  else next[field] = value;
  return { result: undefined, writes: new Map([[key, next]]) };
};
