/** Temporary directories for tests that need real files (SQLite), removed when the test file ends. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Makes a fresh directory under the OS temp dir and registers its removal after all tests in the file. */
export const makeTempDir = async (prefix = 'imagine-bot-'): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
};
