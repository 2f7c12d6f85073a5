/** The audit line's wording, for every way a job can end, in both languages. */
import { describe, expect, it } from 'vitest';
import type { Job } from '#core/jobs.js';
import { auditText } from '#adapters/shared/audit.js';
import { utcFormat } from '#adapters/shared/messages.js';

const job = (locale: 'en' | 'ko'): Job => ({
  id: 'job-1',
  request: {
    prompt: 'a lighthouse\nat  dusk',
    model: 'gpt-image-1',
    size: '1024x1024',
    count: 2,
    quality: 'low',
    moderation: 'low',
  },
  requester: { platform: 'discord', guildId: 'G', userId: 'U1', channelId: 'C', locale },
  delivery: {},
  submittedAt: 0,
  deadlineAt: 1,
  auditChannelId: 'A',
});
const mention = (userId: string) => `@${userId}`;
const allowance = {
  used: 2,
  limit: null,
  remaining: null,
  period: 'day' as const,
  resetsAt: '2026-12-03T00:00:00.000Z',
};

describe('the audit line', () => {
  it('names the requester, the outcome, the settings, the tokens, the cost and the link', () => {
    const text = auditText(
      job('en'),
      {
        type: 'completed',
        images: [],
        usage: { totalTokens: 4160 },
        elapsedMs: 1,
        quota: { guild: allowance, user: allowance },
      },
      utcFormat,
      mention,
      'https://example.test/result',
    );
    expect(text).toBe(
      '@U1 · made 0 images · gpt-image-1 · 1024x1024 · ×2 · quality low · moderation low · 4160 tokens · cost not estimated · https://example.test/result\n> a lighthouse at dusk',
    );
  });

  it('gives a delivered job’s estimated cost when it has one, in either language', () => {
    const completed = (locale: 'en' | 'ko') =>
      auditText(
        job(locale),
        {
          type: 'completed',
          images: [],
          usage: { totalTokens: 564, inputTokens: 20, outputTokens: 544 },
          elapsedMs: 1,
          quota: { guild: allowance, user: allowance },
          costMicros: 21_860,
        },
        utcFormat,
        mention,
        undefined,
      ).split('\n')[0];
    expect(completed('en')).toBe(
      '@U1 · made 0 images · gpt-image-1 · 1024x1024 · ×2 · quality low · moderation low · 564 tokens · about $0.02',
    );
    expect(completed('ko')).toMatch(/ · 토큰 564개 · 약 \$0\.02$/);
  });

  it('says how a job that made nothing ended, with no link', () => {
    const failed = auditText(
      job('en'),
      { type: 'failed', failure: { reason: 'contentPolicy' } },
      utcFormat,
      mention,
      undefined,
    );
    expect(failed.split('\n')[0]).toBe(
      '@U1 · failed (contentPolicy) · gpt-image-1 · 1024x1024 · ×2 · quality low · moderation low · tokens not reported · cost not estimated',
    );
    const cancelled = auditText(
      job('ko'),
      { type: 'cancelled', byUserId: 'U1' },
      utcFormat,
      mention,
      undefined,
    );
    expect(cancelled.split('\n')[0]).toBe(
      '@U1 · 취소 · gpt-image-1 · 1024x1024 · ×2 · quality low · moderation low · 토큰 정보 없음 · 비용 추정 없음',
    );
  });
});
