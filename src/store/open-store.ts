/**
 * Opens the store named by STORE_URL: general records in a namespaced keyv, and the quota ledger
 * that fits the backend (a locked read-modify-write in one process for memory and SQLite, Lua on
 * Redis for many processes).
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createKeyv as createRedisKeyv, createClient } from '@keyv/redis';
import { Keyv } from 'keyv';
import { CodedError } from '#core/errors.js';
import type { IntakeRegister } from '#core/intake.js';
import type { QuotaLedger } from '#core/quota/ledger.js';
import { keyvIntake, redisIntake } from './intake.js';
import { defaultRetentionMs, KeyvLedger } from './keyv-ledger.js';
import { RedisLedger } from './redis-ledger.js';
import { createSharedQueue, type SharedQueue, type SharedQueueOptions } from './shared-queue.js';
import { BatchingKeyvSqlite } from './sqlite-adapter.js';

export interface Store {
  /** For general records (such as delivered results); keys are namespaced. */
  kv: Keyv;
  ledger: QuotaLedger;
  /** Resolves when the store answers a trivial query now; rejects (or hangs, on a frozen server) when not. */
  ping(): Promise<void>;
  /** Admits each platform request once, across every process sharing the store. */
  intake: IntakeRegister;
  /** Redis only: a job queue every process on this store shares (see `shared-queue.ts`). */
  sharedQueue?: (options: Omit<SharedQueueOptions, 'client' | 'namespace'>) => SharedQueue;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Prefix of every key, so several bots or test runs can share one Redis. @default 'imagine-bot' */
  namespace?: string;
  /** How long quota counters outlive their last write. @default 35 days */
  retentionMs?: number;
  /** How long to wait for Redis or SQLite at start. @default 5000 */
  connectTimeoutMs?: number;
  /** Told about connection errors after start (Redis reconnects on its own). @default ignore them */
  onError?: (error: unknown) => void;
  /**
   * Told once when a SQLite store can no longer be trusted: its file was deleted or replaced, or
   * SQLite reported an I/O error or corruption. The caller should stop, since carrying on would
   * serve an empty or broken store. @default ignore it
   */
  onLost?: (error: StoreError) => void;
  /** How often a SQLite store checks that its file is still the one it opened. @default 1000 */
  fileCheckMs?: number;
}

type ParsedOptions = Required<StoreOptions>;

export class StoreError extends CodedError {
  override readonly name = 'StoreError';
}

/** The URL as it may be shown: a Redis password never reaches a log or a message. */
export const displayUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
};

const unavailable = (what: string, cause: unknown) =>
  new StoreError(
    'store.unavailable',
    `${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
    { cause },
  );

const openMemory = (options: ParsedOptions): Store => {
  const kv = new Keyv({ namespace: options.namespace, throwOnErrors: true });
  return {
    kv,
    ledger: new KeyvLedger(kv, { retentionMs: options.retentionMs }),
    ping: () => Promise.resolve(),
    intake: keyvIntake(kv),
    close: () => kv.disconnect(),
  };
};

/** SQLite's answers that mean the file itself failed, not the statement. */
const fileFailures = new Set([
  'SQLITE_IOERR',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_READONLY',
]);

/**
 * Watches an open SQLite file. A deleted file stays open and keeps answering from an inode no one
 * will ever find again, so the path is checked on a timer, and every statement's error is looked at.
 */
const watchSqliteFile = async (
  path: string,
  adapter: BatchingKeyvSqlite,
  options: ParsedOptions,
): Promise<() => void> => {
  const opened = await stat(path);
  let reported = false;
  const lost = (what: string, cause?: unknown) => {
    if (reported) return;
    reported = true;
    clearInterval(timer);
    options.onLost(new StoreError('store.lost', `The SQLite store at ${path} ${what}`, { cause }));
  };
  const timer = setInterval(() => {
    stat(path).then(
      (now) => {
        if (now.ino !== opened.ino || now.dev !== opened.dev) lost('was replaced by another file');
      },
      (error: NodeJS.ErrnoException) =>
        lost(error.code === 'ENOENT' ? 'was deleted' : `cannot be checked (${error.code})`, error),
    );
  }, options.fileCheckMs);
  timer.unref();
  const query = adapter.query;
  adapter.query = async (...args) => {
    try {
      return await query(...args);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && fileFailures.has(code))
        lost(`failed: ${(error as Error).message}`, error);
      throw error;
    }
  };
  return () => clearInterval(timer);
};

const openSqlite = async (url: string, options: ParsedOptions): Promise<Store> => {
  const path = url.slice('sqlite://'.length);
  let adapter: BatchingKeyvSqlite | undefined;
  let stopWatching = () => {};
  try {
    await mkdir(dirname(path), { recursive: true });
    adapter = new BatchingKeyvSqlite({
      uri: `sqlite://${path}`,
      busyTimeout: options.connectTimeoutMs,
    });
    // One process owns the file (several processes share Redis instead). Exclusive locking also
    // keeps WAL's index in memory instead of a mapped -shm file, whose truncation by anyone else
    // would kill the process with a bus error that nothing can log.
    await adapter.query('PRAGMA locking_mode = EXCLUSIVE');
    // WAL lets readers run during a write; NORMAL syncs at checkpoints instead of every commit,
    // which is safe with WAL (a power cut may lose the last commits, never corrupt the file).
    await adapter.query('PRAGMA journal_mode = WAL');
    await adapter.query('PRAGMA synchronous = NORMAL');
    // keyv expires rows only when they are read again; old quota windows never are.
    await adapter.query(
      `DELETE FROM ${adapter.opts.table} WHERE json_extract(value, '$.expires') < ?`,
      Date.now(),
    );
    stopWatching = await watchSqliteFile(path, adapter, options);
  } catch (error) {
    await adapter?.close().catch(() => {});
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY')
      throw new StoreError(
        'store.inUse',
        `The SQLite store at ${path} is in use by another bot process: one SQLite file serves one process. To run several processes, give them all STORE_URL=redis://…`,
        { cause: error },
      );
    throw unavailable(`Could not open the SQLite store at ${path}`, error);
  }
  const sqlite = adapter;
  const kv = new Keyv({ store: adapter, namespace: options.namespace, throwOnErrors: true });
  return {
    kv,
    ledger: new KeyvLedger(kv, { retentionMs: options.retentionMs }),
    ping: async () => {
      await sqlite.query('SELECT 1');
    },
    intake: keyvIntake(kv),
    close: () => {
      stopWatching();
      return kv.disconnect();
    },
  };
};

const openRedis = async (url: string, options: ParsedOptions): Promise<Store> => {
  let started = false;
  const client = createClient({
    url,
    socket: {
      connectTimeout: options.connectTimeoutMs,
      // Fail fast at start with a clear error; once running, ride out restarts of Redis.
      reconnectStrategy: (retries, cause) =>
        started ? Math.min(100 * 2 ** retries, 5_000) : cause,
    },
  });
  client.on('error', (error: unknown) => {
    if (started) options.onError(error);
  });
  try {
    await client.connect();
  } catch (error) {
    throw unavailable(`Could not connect to Redis at ${displayUrl(url)}`, error);
  }
  started = true;
  const kv = createRedisKeyv(client, { namespace: options.namespace, throwOnErrors: true });
  return {
    kv,
    ledger: new RedisLedger(client, {
      prefix: `${options.namespace}:`,
      retentionMs: options.retentionMs,
    }),
    ping: async () => {
      // While reconnecting, a command would wait in the offline queue instead of failing.
      if (!client.isReady) throw unavailable('Redis', 'not connected');
      await client.ping();
    },
    intake: redisIntake(client, `${options.namespace}:`),
    sharedQueue: (queueOptions) =>
      createSharedQueue({
        onError: options.onError,
        ...queueOptions,
        client,
        namespace: options.namespace,
      }),
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
};

/**
 * Opens `sqlite://<path>` (the parent directory is created), `redis://…` / `rediss://…`, or
 * `memory://` (tests only). Throws a {@link StoreError} naming the URL (password hidden) and why.
 */
export const openStore = async (url: string, options: StoreOptions = {}): Promise<Store> => {
  const parsed: ParsedOptions = {
    namespace: options.namespace ?? 'imagine-bot',
    retentionMs: options.retentionMs ?? defaultRetentionMs,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    onError: options.onError ?? (() => {}),
    onLost: options.onLost ?? (() => {}),
    fileCheckMs: options.fileCheckMs ?? 1_000,
  };
  if (url === 'memory://') return openMemory(parsed);
  if (/^sqlite:\/\/.+/.test(url)) return openSqlite(url, parsed);
  if (/^rediss?:\/\/.+/.test(url)) return openRedis(url, parsed);
  throw new StoreError(
    'store.badUrl',
    `STORE_URL must be sqlite://<path>, redis://host:port or memory:// (got ${displayUrl(url)})`,
  );
};
