import { createServer } from 'node:net';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type KeyvSqlite from '@keyv/sqlite';
import { describe, expect, it } from 'vitest';
import { displayUrl, openStore, StoreError } from '#store/open-store.js';
import { makeTempDir } from '#test/support/tmp.js';

const dir = await makeTempDir('imagine-bot-open-');

/** A loopback port nothing listens on: bound once to learn it, then released. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
};

describe('openStore', () => {
  it('creates the parent directory of a new SQLite file and turns WAL on', async () => {
    const path = join(dir, 'nested', 'deeper', 'bot.sqlite');
    const store = await openStore(`sqlite://${path}`);
    try {
      expect((await stat(path)).isFile()).toBe(true);
      const sqlite = store.kv.store as KeyvSqlite;
      expect(await sqlite.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    } finally {
      await store.close();
    }
  });

  it('drops expired rows when it opens a SQLite file, since keyv only expires what it reads', async () => {
    const url = `sqlite://${join(dir, 'expiring.sqlite')}`;
    const first = await openStore(url);
    await first.kv.set('old window', 1, 1);
    await first.kv.set('kept', 2);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await openStore(url);
    try {
      const sqlite = second.kv.store as KeyvSqlite;
      const rows = (await sqlite.query('SELECT key FROM keyv')) as Array<{ key: string }>;
      expect(rows.map((row) => row.key)).toEqual(['imagine-bot:kept']);
    } finally {
      await second.close();
    }
  });

  it('names the SQLite path and the reason when the file cannot be opened', async () => {
    const error = await openStore(`sqlite://${dir}`).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('store.unavailable');
    expect((error as StoreError).message).toContain(`Could not open the SQLite store at ${dir}`);
  });

  it('refuses an unknown scheme, saying which are allowed', async () => {
    await expect(openStore('postgres://db/bot')).rejects.toThrow(
      'STORE_URL must be sqlite://<path>, redis://host:port or memory:// (got postgres://db/bot)',
    );
    await expect(openStore('sqlite://')).rejects.toMatchObject({ code: 'store.badUrl' });
  });

  it('fails fast when Redis does not answer, without showing the password', async () => {
    const url = `redis://bot:hunter2-secret@127.0.0.1:${await closedPort()}`;
    const error = (await openStore(url, { connectTimeoutMs: 500 }).catch(
      (reason: unknown) => reason,
    )) as Error;
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(
      /^Could not connect to Redis at redis:\/\/bot:\*\*\*@127\.0\.0\.1:\d+/,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('hides a password even in a URL it cannot parse', () => {
    expect(displayUrl('redis://user:pa ss@host:bad')).toBe('redis://***@host:bad');
  });
});
