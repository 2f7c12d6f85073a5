/**
 * @keyv/sqlite with a group-committing `setMany`. keyv alone writes each record as its own
 * statement; here every `setMany` that arrives while a write is running joins the next one, and
 * each batch is a single multi-row upsert (one transaction). Callers still wait until their rows
 * are written, so nothing is acknowledged before it is stored; under load, 64 concurrent quota
 * operations cost one SQLite round trip instead of 64.
 */
import KeyvSqlite from '@keyv/sqlite';

interface SerializedEntry {
  key: string;
  value: unknown;
}

interface PendingWrite {
  entries: readonly SerializedEntry[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Rows per statement: two parameters each, well below SQLite's 32,766-parameter bound. */
const maxRowsPerStatement = 1_000;

export class BatchingKeyvSqlite extends KeyvSqlite {
  #pending: PendingWrite[] = [];
  #flushing = false;

  /** Single writes join the same queue, so writes are stored in the order they were made. */
  override set(key: string, value: unknown): Promise<void> {
    return this.setMany([{ key, value }]);
  }

  setMany(entries: readonly SerializedEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#pending.push({ entries, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#pending.length > 0) {
      const batch = this.#takeBatch();
      try {
        await this.#upsert(batch.flatMap((write) => write.entries));
        for (const write of batch) write.resolve();
      } catch (error) {
        for (const write of batch) write.reject(error);
      }
    }
    this.#flushing = false;
  }

  /** Whole writes only, so that one caller's rows are never split across transactions. */
  #takeBatch(): PendingWrite[] {
    let rows = 0;
    let count = 0;
    while (count < this.#pending.length) {
      rows += this.#pending[count]!.entries.length;
      if (count > 0 && rows > maxRowsPerStatement) break;
      count += 1;
    }
    return this.#pending.splice(0, count);
  }

  #upsert(entries: readonly SerializedEntry[]): Promise<unknown> {
    return this.query(
      `INSERT INTO ${this.opts.table} (key, value) VALUES ${entries.map(() => '(?, ?)').join(', ')}
       ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      ...entries.flatMap((entry) => [entry.key, entry.value]),
    );
  }
}
