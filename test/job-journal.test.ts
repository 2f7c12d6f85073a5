/**
 * The job journal on a store several processes share: each process resumes only the jobs it took,
 * never one another process is queueing or running.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '#core/jobs.js';
import { createJobJournal } from '#store/job-journal.js';
import { openStore } from '#store/open-store.js';
import { closeAfterEach } from './support/close-after-each.js';
import { describeRedis, redisUrl } from './support/redis.js';

const later = closeAfterEach();

const job = (id: string, submittedAt: number): Job => ({
  id,
  request: { prompt: 'a lantern', model: 'dall-e-2', size: '256x256', count: 1 },
  requester: { platform: 'discord', guildId: 'g1', userId: 'u1', channelId: 'c1', locale: 'en' },
  delivery: { channelId: 'c1' },
  submittedAt,
  deadlineAt: submittedAt + 60_000,
});

const journalsOn = (storeUrl: string, namespace: string) => async () => {
  const store = await later(await openStore(storeUrl, { namespace }), (opened) => opened.close());
  return {
    gateway: createJobJournal(store.kv, 'gateway-a'),
    other: createJobJournal(store.kv, 'gateway-b'),
  };
};

const sharesOneStore = (
  open: () => Promise<{
    gateway: ReturnType<typeof createJobJournal>;
    other: ReturnType<typeof createJobJournal>;
  }>,
) => {
  it('lists only its own unfinished jobs, oldest first, and forgets what it ended', async () => {
    const { gateway, other } = await open();
    await gateway.record(job('late', 2));
    await other.record(job('theirs', 1));
    await gateway.record(job('early', 1));

    expect((await gateway.unfinished()).map(({ id }) => id)).toEqual(['early', 'late']);
    expect((await other.unfinished()).map(({ id }) => id)).toEqual(['theirs']);
    await gateway.forget('early');
    expect((await gateway.unfinished()).map(({ id }) => id)).toEqual(['late']);
    expect((await other.unfinished()).map(({ id }) => id)).toEqual(['theirs']);
  });
};

describe('job journal, memory store', () => {
  sharesOneStore(journalsOn('memory://', 'journal-memory'));
});

describeRedis('job journal, two processes on one Redis', () => {
  sharesOneStore(journalsOn(redisUrl, `journal-${process.pid}-${Date.now()}`));
});
