/**
 * Shared Redis access for tests. The one Redis server is probed once per test file (top-level
 * await), so a missing server costs one short timeout rather than one per test.
 */
import { createClient } from '@keyv/redis';
import { describe, it } from 'vitest';

/** @default 'redis://127.0.0.1:6379' */
export const redisUrl: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const probeTimeoutMs = 1_000;

/** Whether a Redis server answers a PING at `url` within `timeoutMs`, in one attempt. */
export const redisAnswers = async (url: string, timeoutMs: number): Promise<boolean> => {
  const client = createClient({
    url,
    // One attempt only: a probe that reconnects forever would hang the test run.
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
};

export const redisAvailable: boolean = await redisAnswers(redisUrl, probeTimeoutMs);

export type DescribeRedis = (name: string, body: () => void) => void;

const failUnderCi: DescribeRedis = (name) => {
  // CI must not go green by skipping the tests that prove the cross-process path.
  describe(name, () => {
    it('needs Redis', () => {
      throw new Error(`Redis is required under CI=true but did not answer at ${redisUrl}`);
    });
  });
};

const skipWithWarning: DescribeRedis = (name, body) => {
  // eslint-disable-next-line no-console -- the person running the tests must see why these were skipped
  console.warn(`Skipping Redis tests: no Redis at ${redisUrl} (set REDIS_URL)`);
  describe.skip(name, body);
};

/**
 * `describe` when Redis answers. Without Redis: under `CI=true` a suite whose one test fails and
 * says why; elsewhere `describe.skip` with a warning.
 */
export const describeRedis: DescribeRedis = redisAvailable
  ? (name, body) => {
      describe(name, body);
    }
  : process.env.CI === 'true'
    ? failUnderCi
    : skipWithWarning;
