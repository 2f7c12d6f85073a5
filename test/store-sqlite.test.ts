import { join } from 'node:path';
import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { BatchingKeyvSqlite } from '#store/sqlite-adapter.js';
import { makeTempDir } from '#test/support/tmp.js';

const dir = await makeTempDir('imagine-bot-sqlite-');

/** The adapter, with the statements it sends counted (they still run against the real file). */
const countingAdapter = (file: string) => {
  const adapter = new BatchingKeyvSqlite({ uri: `sqlite://${join(dir, file)}` });
  const sent: string[] = [];
  const query = adapter.query;
  adapter.query = (sql, ...parameters) => {
    sent.push(sql.trim().split(/\s+/)[0]!);
    return query(sql, ...parameters);
  };
  return { adapter, sent };
};

describe('SQLite group commit', () => {
  it('writes the records of concurrent callers together, each caller waiting for its own', async () => {
    const { adapter, sent } = countingAdapter('group.sqlite');
    const kv = new Keyv({ store: adapter, throwOnErrors: true });
    await kv.get('warm-up');
    sent.length = 0;
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        kv.setMany([
          { key: `a${index}`, value: index },
          { key: `b${index}`, value: 1000 + index },
        ]),
      ),
    );
    const inserts = sent.filter((verb) => verb === 'INSERT').length;
    expect(inserts).toBeGreaterThan(0);
    expect(inserts).toBeLessThan(100);
    expect(await kv.getMany(['a0', 'b0', 'a99', 'b99'])).toEqual([0, 1000, 99, 1099]);
    await kv.disconnect();
  });

  it('rejects every caller of a batch that could not be written', async () => {
    const { adapter } = countingAdapter('closed.sqlite');
    const kv = new Keyv({ store: adapter, throwOnErrors: true });
    await kv.set('before', 1);
    await kv.disconnect();
    const writes = [1, 2, 3].map((index) => kv.setMany([{ key: `k${index}`, value: index }]));
    for (const write of writes) await expect(write).rejects.toThrow(/SQLITE_MISUSE|closed/i);
  });
});
