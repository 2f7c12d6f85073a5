import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../src/config.js';

/** Variables read only by development tools, documented in their own section. */
const developmentKeys = ['REDIS_URL', 'FAKE_API_PORT'];

describe('.env.example', () => {
  it('lists exactly the variables the code reads, each with a comment above it', async () => {
    const lines = (await readFile(new URL('../.env.example', import.meta.url), 'utf8')).split('\n');
    const documented = lines.flatMap((line, index) => {
      const key = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
      if (key === undefined) return [];
      expect(lines[index - 1], `${key} needs a comment`).toMatch(/^#|^[A-Z]/);
      return [key];
    });
    expect([...documented].sort()).toEqual([...configKeys, ...developmentKeys].sort());
  });
});
