/**
 * The quota ledger on Redis: every operation that changes a record is one Lua script, which
 * Redis runs atomically, so counts are exact across any number of processes. Reads need no
 * atomicity and use MGET. The script mirrors the TypeScript steps; see quota-ledger.lua.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CounterRecord, HoldEntry } from '#core/quota/counter.js';
import type {
  CounterLimit,
  LedgerMap,
  QuotaLedger,
  ReserveOutcome,
  CommitOutcome,
  Commitment,
} from '#core/quota/ledger.js';
import { liveCounter } from '#core/quota/ledger-steps.js';
import { defaultRetentionMs } from './keyv-ledger.js';

/** The few commands the ledger sends: any node-redis client (or pool) has them. */
export interface RedisClient {
  evalSha(sha1: string, options: ScriptCall): Promise<unknown>;
  eval(script: string, options: ScriptCall): Promise<unknown>;
  mGet(keys: string[]): Promise<unknown[]>;
}

interface ScriptCall {
  keys: string[];
  arguments: string[];
}

export interface RedisLedgerOptions {
  /** Put before every key, so several bots (or test runs) can share one Redis. @default 'imagine-bot:' */
  prefix?: string;
  /** How long a counter or usage set is kept after its last write; longer than the longest period. @default 35 days */
  retentionMs?: number;
}

const script = readFileSync(new URL('./quota-ledger.lua', import.meta.url), 'utf8');
const scriptSha = createHash('sha1').update(script).digest('hex');

export class RedisLedger implements QuotaLedger {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #retentionMs: number;

  constructor(client: RedisClient, options: RedisLedgerOptions = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? 'imagine-bot:';
    this.#retentionMs = options.retentionMs ?? defaultRetentionMs;
  }

  async reserve(
    counters: readonly CounterLimit[],
    jobId: string,
    hold: HoldEntry,
    now: number,
    budgets: readonly CounterLimit[] = [],
  ): Promise<ReserveOutcome> {
    const all = [...counters, ...budgets];
    const reply = (await this.#run(
      'reserve',
      all.map((counter) => counter.key),
      now,
      this.#retentionMs,
      [
        jobId,
        hold.images,
        hold.expiresAt,
        counters.length,
        ...all.map((counter) => (counter.limit === null ? '' : counter.limit)),
        ...counters.map((counter) => counter.amount ?? hold.images),
      ],
    )) as [number, string?];
    const [refused, record] = reply;
    if (refused < 0) return { admitted: true };
    return { admitted: false, refused, record: JSON.parse(record!) as CounterRecord };
  }

  async commit(commitment: Commitment, now: number): Promise<CommitOutcome> {
    const { meter, enrol, spend, tally } = commitment;
    const spendKeys = spend?.counters ?? [];
    const keys = [...commitment.counters, ...spendKeys];
    if (meter) keys.push(meter.key);
    if (enrol) keys.push(enrol.key);
    if (tally) keys.push(tally.key);
    const [applied, ...records] = (await this.#run('commit', keys, now, this.#retentionMs, [
      commitment.jobId,
      commitment.images,
      commitment.counters.length,
      meter?.amount ?? '',
      enrol?.member ?? '',
      spendKeys.length,
      spend?.amount ?? 0,
      tally?.member ?? '',
      tally?.images ?? 0,
      tally?.micros ?? 0,
    ])) as [number, ...string[]];
    const parsed = records.map((record) => JSON.parse(record) as CounterRecord);
    const count = commitment.counters.length;
    return {
      applied: applied === 1,
      counters: parsed.slice(0, count),
      ...(spend && { spend: parsed.slice(count, count + spendKeys.length) }),
      ...(meter && { meter: parsed[count + spendKeys.length] }),
    };
  }

  async refund(counters: readonly string[], jobId: string, now: number): Promise<boolean> {
    return (await this.#run('refund', counters, now, this.#retentionMs, [jobId])) === 1;
  }

  async read(counters: readonly string[], now: number): Promise<CounterRecord[]> {
    const stored = await this.#mget(counters);
    return counters.map((key) => liveCounter(stored, key, now));
  }

  async grant(counter: string, images: number, now: number): Promise<void> {
    await this.#run('grant', [counter], now, this.#retentionMs, [images]);
  }

  async reset(counters: readonly string[], now: number): Promise<void> {
    await this.#run('reset', counters, now, this.#retentionMs, []);
  }

  async readMaps(keys: readonly string[]): Promise<LedgerMap[]> {
    const stored = await this.#mget(keys);
    return keys.map((key) => (stored.get(key) as LedgerMap | undefined) ?? {});
  }

  async setField(key: string, field: string, value: unknown): Promise<void> {
    // Retention 0: settings stay until changed.
    await this.#run('setField', [key], Date.now(), 0, [
      field,
      value === undefined ? '' : JSON.stringify(value),
    ]);
  }

  async #mget(keys: readonly string[]): Promise<Map<string, unknown>> {
    if (keys.length === 0) return new Map();
    const values = await this.#client.mGet(keys.map((key) => this.#prefix + key));
    return new Map(
      keys.flatMap((key, index) => {
        const raw = values[index];
        return typeof raw === 'string' ? [[key, JSON.parse(raw) as unknown]] : [];
      }),
    );
  }

  async #run(
    operation: string,
    keys: readonly string[],
    now: number,
    retentionMs: number,
    rest: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    const options = {
      keys: keys.map((key) => this.#prefix + key),
      arguments: [operation, now, retentionMs, ...rest].map(String),
    };
    try {
      return await this.#client.evalSha(scriptSha, options);
    } catch (error) {
      // The server forgets scripts on restart or SCRIPT FLUSH; EVAL loads it again.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.#client.eval(script, options);
    }
  }
}
