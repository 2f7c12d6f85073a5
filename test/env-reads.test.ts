/**
 * Audit of issue 2's ".env.example lists exactly the variables the code reads". The config module
 * reads its own variables through its schema (test/env-example.test.ts checks those); this checks
 * the other direction: every variable that the shipped code reads straight from `process.env`,
 * outside the schema, is documented too.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
/** What an operator runs: the bot, its scripts, its commands and `npm run bench`. */
const shippedDirs = ['src', 'scripts', 'commands', 'bench'];

/** Names read as `process.env.NAME` or `process.env['NAME']`. Pure. */
const environmentReads = (source: string): string[] =>
  [
    ...source.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g),
  ].map((match) => match[1] ?? match[2] ?? '');

const sourcesUnder = async (dir: string): Promise<string[]> => {
  const entries = await readdir(join(repo, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
};

describe('variables read outside the config schema', () => {
  it('finds dotted and bracketed reads', () => {
    expect(
      environmentReads("const a = process.env.FAKE_API_PORT ?? process.env['REDIS_URL'];"),
    ).toEqual(['FAKE_API_PORT', 'REDIS_URL']);
    expect(environmentReads('parseConfig(process.env)')).toEqual([]);
  });

  it('are each documented in .env.example', async () => {
    const example = await readFile(join(repo, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const files = (await Promise.all(shippedDirs.map(sourcesUnder))).flat();
    const reads = new Map<string, string>();
    for (const file of files) {
      for (const name of environmentReads(await readFile(file, 'utf8'))) reads.set(name, file);
    }
    expect(reads.size).toBeGreaterThan(0);
    const undocumented = [...reads].filter(([name]) => !documented.has(name));
    expect(undocumented).toEqual([]);
  });
});
