/**
 * The process stays within IMAGES_MAX_INFLIGHT_BYTES when the Images API streams endless bodies to
 * several jobs at once: the real service runs in a child process of its own, so that its resident
 * memory is measured alone, against the fake Images API in this process over loopback.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeImagesApi, type FakeImagesApi } from './fakes/images-api.js';

const repo = resolve(import.meta.dirname, '..');
const mib = 1024 * 1024;
const budget = 32 * mib;
/**
 * What the process may rise by besides the budget: the garbage of cut-off bodies not yet
 * collected, socket buffers, and the allocator keeping freed pages (rises of 45-85 MiB were seen
 * with this budget). Without the caps the rise has no bound: 575 MiB within three seconds.
 */
const margin = 96 * mib;
const jobs = 4;

interface Report {
  outcomes: string[];
  rssBefore: number;
  peak: number;
  riseBytes: number;
  guildUsed: number;
}

let fake: FakeImagesApi | undefined;
afterEach(async () => {
  await fake?.close();
});

const measure = async (mode: 'b64_json' | 'url'): Promise<Report> => {
  fake = await startFakeImagesApi({ responseMode: mode });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/support/memory-worker.ts',
      fake.baseUrl,
      String(budget),
      String(jobs),
    ],
    { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  try {
    expect((await lines.next()).value).toBe('ready');
    fake.setFault({ type: 'endless' });
    child.stdin.write('go\n');
    const report = JSON.parse(String((await lines.next()).value)) as Report;
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    return report;
  } finally {
    child.kill('SIGKILL');
  }
};

describe('image bytes in memory, for the whole process', () => {
  it.for(['b64_json', 'url'] as const)(
    `keeps the process within the budget while ${jobs} jobs get endless %s answers, and refunds them all`,
    { timeout: 60_000 },
    async (mode, { annotate }) => {
      const report = await measure(mode);
      await annotate(
        `${mode}: rss ${(report.rssBefore / mib).toFixed(0)} MiB before, rose ${(report.riseBytes / mib).toFixed(1)} MiB at peak (budget ${budget / mib} MiB)`,
      );
      expect(report.outcomes).toEqual(Array.from({ length: jobs }, () => 'tooLarge'));
      expect(report.guildUsed).toBe(0);
      expect(fake?.requests).toHaveLength(jobs + 1);
      expect(report.riseBytes).toBeLessThan(budget + margin);
    },
  );
});
