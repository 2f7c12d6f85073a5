/**
 * The in-process quota ledger: each operation is a read-modify-write of keyv records, run under a
 * lock on every key it touches, so it is exact for any number of concurrent callers in ONE process.
 * The memory and SQLite stores use it; processes sharing one SQLite file would each keep their own
 * locks, which is why several processes need the Redis store.
 */
import type { Keyv } from 'keyv';
import { BoundedCache } from '#core/quota/bounded-cache.js';
import type { CounterRecord, HoldEntry } from '#core/quota/counter.js';
import type {
  CounterLimit,
  LedgerMap,
  QuotaLedger,
  ReserveOutcome,
  CommitOutcome,
  Commitment,
} from '#core/quota/ledger.js';
import {
  grantStep,
  liveCounter,
  refundStep,
  reserveStep,
  resetStep,
  setFieldStep,
  commitStep,
  type Step,
  type Stored,
} from '#core/quota/ledger-steps.js';
import { KeyedLock } from './keyed-lock.js';

export interface KeyvLedgerOptions {
  /** How long a counter or usage set is kept after its last write; longer than the longest period. @default 35 days */
  retentionMs?: number;
  /**
   * Records kept in memory to spare reads; 0 turns this off. Safe because the in-process ledger is
   * the only writer of its records and fills the cache only after the store took the write.
   * @default 10000
   */
  cacheEntries?: number;
}

export const defaultRetentionMs = 35 * 86_400_000;

export class KeyvLedger implements QuotaLedger {
  readonly #kv: Keyv;
  readonly #retentionMs: number;
  readonly #lock = new KeyedLock();
  /** `undefined` values mark records known to be absent. */
  readonly #cache: BoundedCache<unknown>;

  constructor(kv: Keyv, options: KeyvLedgerOptions = {}) {
    this.#kv = kv;
    this.#retentionMs = options.retentionMs ?? defaultRetentionMs;
    this.#cache = new BoundedCache(options.cacheEntries ?? 10_000);
  }

  reserve(
    counters: readonly CounterLimit[],
    jobId: string,
    hold: HoldEntry,
    now: number,
    budgets: readonly CounterLimit[] = [],
  ): Promise<ReserveOutcome> {
    const keys = [...counters, ...budgets].map((counter) => counter.key);
    return this.#locked(keys, (stored) => reserveStep(stored, counters, jobId, hold, now, budgets));
  }

  commit(commitment: Commitment, now: number): Promise<CommitOutcome> {
    const keys = [...commitment.counters];
    if (commitment.meter) keys.push(commitment.meter.key);
    if (commitment.enrol) keys.push(commitment.enrol.key);
    if (commitment.spend) keys.push(...commitment.spend.counters);
    if (commitment.tally) keys.push(commitment.tally.key);
    return this.#locked(keys, (stored) => commitStep(stored, commitment, now));
  }

  refund(counters: readonly string[], jobId: string, now: number): Promise<boolean> {
    return this.#locked(counters, (stored) => refundStep(stored, counters, jobId, now));
  }

  async read(counters: readonly string[], now: number): Promise<CounterRecord[]> {
    const stored = await this.#read(counters);
    return counters.map((key) => liveCounter(stored, key, now));
  }

  grant(counter: string, images: number, now: number): Promise<void> {
    return this.#locked([counter], (stored) => grantStep(stored, counter, images, now));
  }

  reset(counters: readonly string[], now: number): Promise<void> {
    return this.#locked(counters, (stored) => resetStep(stored, counters, now));
  }

  async readMaps(keys: readonly string[]): Promise<LedgerMap[]> {
    const stored = await this.#read(keys);
    return keys.map((key) => (stored.get(key) as LedgerMap | undefined) ?? {});
  }

  setField(key: string, field: string, value: unknown): Promise<void> {
    // Settings stay until changed, so they are written without retention.
    return this.#locked([key], (stored) => setFieldStep(stored, key, field, value), undefined);
  }

  #locked<Result>(
    keys: readonly string[],
    step: (stored: Stored) => Step<Result>,
    ttl: number | undefined = this.#retentionMs,
  ): Promise<Result> {
    return this.#lock.run(keys, async () => {
      const { result, writes } = step(await this.#read(keys, true));
      if (writes.size > 0) {
        await this.#kv.setMany([...writes].map(([key, value]) => ({ key, value, ttl })));
        const expiresAt = ttl === undefined ? undefined : Date.now() + ttl;
        for (const [key, value] of writes) this.#cache.set(key, value, expiresAt);
      }
      return result;
    });
  }

  /**
   * Records by key, from the cache where it has them. Only a read under the key's lock may fill
   * the cache: an unlocked read could return a value older than a write that finishes meanwhile.
   */
  async #read(keys: readonly string[], locked = false): Promise<Stored> {
    const stored = new Map<string, unknown>();
    const missing: string[] = [];
    for (const key of keys) {
      const cached = this.#cache.get(key);
      if (!cached) missing.push(key);
      else if (cached.value !== undefined) stored.set(key, cached.value);
    }
    if (missing.length === 0) return stored;
    const raw = await this.#kv.getMany<unknown>(missing, { raw: true });
    missing.forEach((key, index) => {
      const entry = raw[index];
      if (entry?.value !== undefined) stored.set(key, entry.value);
      if (locked) this.#cache.set(key, entry?.value, entry?.expires);
    });
    return stored;
  }
}
