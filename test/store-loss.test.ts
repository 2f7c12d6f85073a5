/**
 * Losing the SQLite file, or SQLite failing on it, is reported with the path, and the bot exits
 * rather than carry on with a store that silently starts from nothing. The store on real files; the
 * bot as a real process (`npm start`) against the fake Slack and Images API.
 */
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type KeyvSqlite from '@keyv/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type StoreError } from '#store/open-store.js';
import { startFakeImagesApi } from './fakes/images-api.js';
import { startFakeSlack } from './fakes/slack/server.js';
import { startBotProcess } from './support/process-bot.js';
import { makeTempDir } from './support/tmp.js';

const dir = await makeTempDir('imagine-store-loss-');
let sequence = 0;
const freshPath = () => join(dir, `store-${(sequence += 1)}.sqlite`);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Opens a store on a fresh file whose loss is reported into the returned promise. */
const watched = async () => {
  const path = freshPath();
  let reportLoss: (error: StoreError) => void = () => {};
  const lost = new Promise<StoreError>((resolve) => (reportLoss = resolve));
  const store = await openStore(`sqlite://${path}`, { onLost: reportLoss, fileCheckMs: 20 });
  closers.push(() => store.close());
  await store.kv.set('kept', 1);
  return { path, store, lost };
};

describe('a SQLite store whose file is lost', () => {
  it('reports a deleted file, naming the path', async () => {
    const { path, lost } = await watched();
    await rm(path);
    const error = await lost;
    expect(error.code).toBe('store.lost');
    expect(error.message).toBe(`The SQLite store at ${path} was deleted`);
  });

  it('reports a file replaced by another, naming the path', async () => {
    const { path, lost } = await watched();
    await rename(path, `${path}.old`);
    await writeFile(path, '');
    expect((await lost).message).toBe(`The SQLite store at ${path} was replaced by another file`);
  });

  it('reports SQLite failing on the file, naming the path and the error', async () => {
    const { path, store, lost } = await watched();
    const sqlite = store.kv.store as KeyvSqlite;
    // The file may grow no further: the next large write fails as on a full disk.
    const [{ page_count: pages }] = (await sqlite.query('PRAGMA page_count')) as [
      { page_count: number },
    ];
    await sqlite.query(`PRAGMA max_page_count = ${pages}`);
    await expect(store.kv.set('large', 'x'.repeat(1_000_000))).rejects.toThrow(/SQLITE_FULL/);
    const error = await lost;
    expect(error.message).toMatch(new RegExp(`^The SQLite store at ${path} failed: SQLITE_FULL`));
  });

  it('keeps no memory-mapped -shm file that another process could truncate under it', async () => {
    const { path, store } = await watched();
    await store.kv.set('more', 2);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(existsSync(`${path}-shm`)).toBe(false);
  });
});

describe('npm start with a SQLite store', { timeout: 60_000 }, () => {
  it('logs an error with the path and exits non-zero when its file is deleted', async () => {
    const api = await startFakeImagesApi();
    closers.push(() => api.close());
    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    const path = freshPath();
    const bot = startBotProcess({
      IMAGES_API_KEY: 'sk-store-loss-test',
      IMAGES_API_BASE_URL: api.baseUrl,
      STORE_URL: `sqlite://${path}`,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
    });
    await bot.waitForLog('the bot to be running', (line) => line.msg === 'imagine-bot is running');

    await rm(path);

    const line = await bot.waitForLog('the loss to be logged', (entry) => entry.level >= 50);
    expect(line.level).toBe(50);
    expect(line.msg).toBe(`The SQLite store at ${path} was deleted: exiting`);
    expect(await bot.exit()).toEqual({ code: 1, signal: null });
  });
});
