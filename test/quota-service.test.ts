import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { UserError } from '#core/errors.js';
import { createQuotas, type Quotas } from '#core/quota/quota-service.js';
import type { QuotaHold } from '#core/quota/types.js';
import { openStore, type Store } from '#store/open-store.js';

const now = Date.parse('2026-11-26T12:00:00Z');
const deadline = 840_000;
const defaults: Config['quota'] = {
  guildLimit: 10,
  userLimit: 3,
  period: 'day',
  guildTokenBudget: null,
};

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

const quotasWith = async (overrides: Partial<Config['quota']> = {}): Promise<Quotas> => {
  const store = await openStore('memory://');
  stores.push(store);
  return createQuotas({ ledger: store.ledger, defaults: { ...defaults, ...overrides } });
};

let jobs = 0;
const hold = (partial: Partial<QuotaHold> = {}, at = now): QuotaHold => ({
  jobId: `job-${++jobs}`,
  guildId: 'g',
  userId: 'u',
  images: 1,
  expiresAt: at + deadline,
  ...partial,
});

const refusal = async (promise: Promise<unknown>): Promise<UserError> => {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
};

describe('quota service', () => {
  it("gives a member the most generous of their roles' limits, under their own limit, over the default", async () => {
    const quotas = await quotasWith({ userLimit: 1, guildLimit: null });
    await quotas.setRoleLimit('g', 'artists', { limit: 2, period: 'day' });
    await quotas.setRoleLimit('g', 'patrons', { limit: 21, period: 'week' });
    const both = ['artists', 'patrons', 'unlisted'];

    // 21 a week is 3 a day, more generous than 2 a day.
    for (let index = 0; index < 21; index += 1)
      await quotas.reserve(hold({ userId: 'p', roleIds: both }), now);
    const refused = await refusal(quotas.reserve(hold({ userId: 'p', roleIds: both }), now));
    expect(refused.context).toMatchObject({ scope: 'user', limit: 21, period: 'week' });
    expect((await quotas.standing('g', 'p', now, both)).user).toMatchObject({
      used: 21,
      limit: 21,
    });

    await quotas.reserve(hold({ userId: 'a', roleIds: ['artists'] }, now), now);
    await quotas.reserve(hold({ userId: 'a', roleIds: ['artists'] }, now), now);
    expect(
      (await refusal(quotas.reserve(hold({ userId: 'a', roleIds: ['artists'] }), now))).context,
    ).toMatchObject({ limit: 2, period: 'day' });

    await quotas.reserve(hold({ userId: 'n', roleIds: [] }), now);
    expect((await refusal(quotas.reserve(hold({ userId: 'n' }), now))).context.limit).toBe(1);

    await quotas.setUserLimit('g', 'a', { limit: 0, period: 'day' });
    expect(
      (await refusal(quotas.reserve(hold({ userId: 'a', roleIds: ['patrons'] }), now))).context,
    ).toMatchObject({ limit: 0 });
    expect((await quotas.report('g', now)).roleLimits).toEqual([
      { roleId: 'artists', limit: 2, period: 'day' },
      { roleId: 'patrons', limit: 21, period: 'week' },
    ]);
  });

  it('commits and refunds a role-limited hold on the counter it reserved', async () => {
    const quotas = await quotasWith({ userLimit: 1 });
    await quotas.setRoleLimit('g', 'patrons', { limit: 5, period: 'week' });
    const roleIds = ['patrons'];
    const first = hold({ roleIds, images: 2 });
    await quotas.reserve(first, now);
    const committed = await quotas.commit(first, { images: 2 }, now);
    expect(committed.user).toMatchObject({ used: 2, limit: 5, period: 'week' });
    const second = hold({ roleIds, images: 3 });
    await quotas.reserve(second, now);
    await quotas.refund(second, now);
    expect((await quotas.standing('g', 'u', now, roleIds)).user).toMatchObject({ used: 2 });
  });

  it('refuses over the user limit with what an adapter needs to say so', async () => {
    const quotas = await quotasWith();
    await quotas.reserve(hold({ images: 2 }), now);
    const error = await refusal(quotas.reserve(hold({ images: 2 }), now));
    expect(error.identifier).toBe('quotaExceeded');
    expect(error.context).toEqual({
      scope: 'user',
      limit: 3,
      used: 2,
      remaining: 1,
      requested: 2,
      period: 'day',
      resetsAt: '2026-11-27T00:00:00.000Z',
    });
  });

  it('refuses over the guild limit with scope guild, whoever asks', async () => {
    const quotas = await quotasWith({ guildLimit: 4, userLimit: null });
    await quotas.reserve(hold({ userId: 'a', images: 4 }), now);
    const error = await refusal(quotas.reserve(hold({ userId: 'b' }), now));
    expect(error.context).toMatchObject({ scope: 'guild', limit: 4, remaining: 0 });
  });

  it('counts images, spends on commit and reports the standing after it', async () => {
    const quotas = await quotasWith();
    const job = hold({ images: 2 });
    await quotas.reserve(job, now);
    const standing = await quotas.commit(job, { images: 2 }, now);
    expect(standing.user).toEqual({
      used: 2,
      limit: 3,
      remaining: 1,
      period: 'day',
      resetsAt: '2026-11-27T00:00:00.000Z',
    });
    expect(standing.guild).toMatchObject({ used: 2, limit: 10, remaining: 8 });
    expect(standing.tokens).toBeUndefined();
  });

  it('charges the images delivered when fewer came back than were reserved', async () => {
    const quotas = await quotasWith();
    const job = hold({ images: 3 });
    await quotas.reserve(job, now);
    expect((await quotas.commit(job, { images: 1 }, now)).user.used).toBe(1);
  });

  it('commits once however often commit is called, and a refund after it refunds nothing', async () => {
    const quotas = await quotasWith();
    const job = hold({ images: 2 });
    await quotas.reserve(job, now);
    await quotas.commit(job, { images: 2 }, now);
    await quotas.commit(job, { images: 2 }, now);
    await quotas.refund(job, now);
    expect((await quotas.standing('g', 'u', now)).user.used).toBe(2);
  });

  it('refunds idempotently, and a commit after a refund spends nothing', async () => {
    const quotas = await quotasWith();
    const job = hold({ images: 3 });
    await quotas.reserve(job, now);
    await quotas.refund(job, now);
    await quotas.refund(job, now);
    expect((await quotas.commit(job, { images: 3 }, now)).user.used).toBe(0);
  });

  it('spends nothing for a job that commits after its deadline', async () => {
    const quotas = await quotasWith();
    const job = hold({ images: 3 });
    await quotas.reserve(job, now);
    expect((await quotas.commit(job, { images: 3 }, job.expiresAt)).user.used).toBe(0);
  });

  it('settles a job reserved before midnight UTC and finished after it in the day it was reserved', async () => {
    const quotas = await quotasWith();
    const beforeMidnight = Date.parse('2026-11-26T23:58:00Z');
    const job = hold({ images: 2 }, beforeMidnight);
    await quotas.reserve(job, beforeMidnight);
    const afterMidnight = Date.parse('2026-11-27T00:03:00Z');
    expect((await quotas.commit(job, { images: 2 }, afterMidnight)).user.used).toBe(0);
    expect((await quotas.standing('g', 'u', beforeMidnight + 60_000)).user).toMatchObject({
      used: 2,
      resetsAt: '2026-11-27T00:00:00.000Z',
    });
    // And a refund across midnight frees the earlier day's hold.
    const other = hold({}, beforeMidnight);
    await quotas.reserve(other, beforeMidnight);
    await quotas.refund(other, afterMidnight);
    expect((await quotas.standing('g', 'u', beforeMidnight + 60_000)).user.used).toBe(2);
  });

  it('starts each period from zero', async () => {
    const quotas = await quotasWith();
    const job = hold({ images: 3 });
    await quotas.reserve(job, now);
    await quotas.commit(job, { images: 3 }, now);
    const tomorrow = now + 86_400_000;
    await quotas.reserve(hold({ images: 3 }, tomorrow), tomorrow);
    expect((await quotas.standing('g', 'u', tomorrow)).user.used).toBe(3);
  });

  it('never limits an unlimited guild or user', async () => {
    const quotas = await quotasWith({ guildLimit: null, userLimit: null });
    await quotas.reserve(hold({ images: 10_000 }), now);
    expect((await quotas.standing('g', 'u', now)).user).toMatchObject({
      used: 10_000,
      limit: null,
      remaining: null,
    });
  });

  it('applies guild, per-guild user default and per-user overrides, each with its own period', async () => {
    const quotas = await quotasWith();
    await quotas.setGuildLimit('g', { limit: 100, period: 'month' });
    await quotas.setUserLimit('g', undefined, { limit: 5, period: 'week' });
    await quotas.setUserLimit('g', 'vip', { limit: null, period: 'day' });
    const standing = await quotas.standing('g', 'u', now);
    expect(standing.guild).toMatchObject({
      limit: 100,
      period: 'month',
      resetsAt: '2026-12-01T00:00:00.000Z',
    });
    expect(standing.user).toMatchObject({
      limit: 5,
      period: 'week',
      resetsAt: '2026-11-30T00:00:00.000Z',
    });
    expect((await quotas.standing('g', 'vip', now)).user).toMatchObject({ limit: null });
    expect((await quotas.standing('other-guild', 'u', now)).user).toMatchObject({
      limit: 3,
      period: 'day',
    });
  });

  it('grants extra images for the current period only', async () => {
    const quotas = await quotasWith();
    const spent = hold({ images: 3 });
    await quotas.reserve(spent, now);
    await quotas.commit(spent, { images: 3 }, now);
    await quotas.grant('g', 'u', 2, now);
    await quotas.reserve(hold({ images: 2 }), now);
    expect((await quotas.standing('g', 'u', now)).user).toMatchObject({
      used: 5,
      limit: 5,
      remaining: 0,
    });
    expect((await quotas.standing('g', 'u', now + 86_400_000)).user).toMatchObject({ limit: 3 });
  });

  it("resets one user's usage, leaving the guild's", async () => {
    const quotas = await quotasWith();
    for (const userId of ['a', 'b']) {
      const job = hold({ userId, images: 3 });
      await quotas.reserve(job, now);
      await quotas.commit(job, { images: 3 }, now);
    }
    await quotas.reset('g', 'a', now);
    expect((await quotas.standing('g', 'a', now)).user.used).toBe(0);
    expect((await quotas.standing('g', 'b', now)).user.used).toBe(3);
    expect((await quotas.standing('g', 'a', now)).guild.used).toBe(6);
  });

  it('resets the whole guild: its count, its token meter and every user who spent, whatever their period', async () => {
    const quotas = await quotasWith({ guildTokenBudget: 1_000 });
    await quotas.setUserLimit('g', 'monthly', { limit: 10, period: 'month' });
    for (const userId of ['a', 'monthly']) {
      const job = hold({ userId, images: 2 });
      await quotas.reserve(job, now);
      await quotas.commit(job, { images: 2, tokens: 300 }, now);
    }
    const running = hold({ userId: 'a' });
    await quotas.reserve(running, now);
    await quotas.reset('g', undefined, now);
    const standing = await quotas.standing('g', 'monthly', now);
    expect(standing.guild.used).toBe(1);
    expect(standing.user.used).toBe(0);
    expect(standing.tokens?.used).toBe(0);
    // The running job's hold survived the reset and still settles.
    expect((await quotas.commit(running, { images: 1 }, now)).guild.used).toBe(1);
  });

  it('meters tokens on commit and refuses new work once the budget is spent', async () => {
    const quotas = await quotasWith({ guildTokenBudget: 1_000 });
    const first = hold();
    await quotas.reserve(first, now);
    expect((await quotas.commit(first, { images: 1, tokens: 600 }, now)).tokens).toMatchObject({
      used: 600,
      limit: 1_000,
      remaining: 400,
    });
    const second = hold();
    await quotas.reserve(second, now);
    await quotas.commit(second, { images: 1, tokens: 600 }, now);
    await quotas.commit(second, { images: 1, tokens: 600 }, now);
    const error = await refusal(quotas.reserve(hold(), now));
    expect(error.identifier).toBe('tokenBudgetExceeded');
    expect(error.context).toMatchObject({ limit: 1_000, used: 1_200, period: 'day' });
  });

  it('reports limits, overrides and the top users of the period, most first', async () => {
    const quotas = await quotasWith({ userLimit: null, guildLimit: null });
    await quotas.setUserLimit('g', 'capped', { limit: 50, period: 'week' });
    const spend = async (userId: string, images: number) => {
      const job = hold({ userId, images });
      await quotas.reserve(job, now);
      await quotas.commit(job, { images }, now);
    };
    for (let user = 0; user < 12; user++) await spend(`user-${user}`, user + 1);
    await spend('capped', 30);
    await quotas.reserve(hold({ userId: 'pending-only', images: 5 }), now);

    const report = await quotas.report('g', now);
    expect(report.guild).toMatchObject({ used: 78 + 30 + 5, limit: null });
    expect(report.userDefault).toEqual({ limit: null, period: 'day' });
    expect(report.userOverrides).toEqual([{ userId: 'capped', limit: 50, period: 'week' }]);
    expect(report.topUsers).toHaveLength(10);
    expect(report.topUsers.slice(0, 3)).toEqual([
      { userId: 'capped', used: 30, spentMicros: 0 },
      { userId: 'user-11', used: 12, spentMicros: 0 },
      { userId: 'user-10', used: 11, spentMicros: 0 },
    ]);
  });

  it('counts spend for the user and the server: the table without usage, the tokens with it', async () => {
    const quotas = await quotasWith({ userLimit: null, guildLimit: null });
    const dalle = hold({
      userId: 'mina',
      request: { model: 'dall-e-3', size: '1792x1024', quality: 'hd' },
    });
    await quotas.reserve(dalle, now);
    // Held at the estimate while the job runs.
    expect((await quotas.standing('g', 'mina', now)).spend?.user.used).toBe(120_000);
    const standing = await quotas.commit(dalle, { images: 1 }, now);
    expect(standing.spend?.user).toMatchObject({ used: 120_000, limit: null });

    const gpt = hold({
      userId: 'jun',
      images: 2,
      request: { model: 'gpt-image-1', size: '1024x1024', quality: 'low' },
    });
    await quotas.reserve(gpt, now);
    await quotas.commit(
      gpt,
      { images: 2, usage: { totalTokens: 564, inputTokens: 20, outputTokens: 544 } },
      now,
    );
    expect((await quotas.standing('g', 'jun', now)).spend).toMatchObject({
      user: { used: 20 * 5 + 544 * 40 },
      guild: { used: 120_000 + 20 * 5 + 544 * 40, limit: null },
    });
    const report = await quotas.report('g', now);
    expect(report.spend).toMatchObject({ used: 120_000 + 21_860 });
    expect(report.topUsers).toEqual([
      { userId: 'jun', used: 2, spentMicros: 21_860 },
      { userId: 'mina', used: 1, spentMicros: 120_000 },
    ]);
  });

  it('reserves the dollar budget by estimate, commits it at the actual cost and refunds it like images', async () => {
    const quotas = await quotasWith({ userLimit: null, guildLimit: null, guildBudgetUsd: 0.3 });
    const hd = (userId: string) =>
      hold({ userId, request: { model: 'dall-e-3', size: '1024x1792', quality: 'hd' } });
    const first = hd('a');
    const second = hd('b');
    await quotas.reserve(first, now);
    await quotas.reserve(second, now);
    const refused = await refusal(quotas.reserve(hd('c'), now));
    expect(refused.identifier).toBe('budgetExceeded');
    expect(refused.context).toEqual({
      period: 'day',
      resetsAt: '2026-11-27T00:00:00.000Z',
      limitUsd: 0.3,
      usedUsd: 0.24,
      requestedUsd: 0.12,
    });

    await quotas.refund(second, now);
    const third = hd('c');
    await quotas.reserve(third, now);
    // Committed at what was delivered: no image, no cost.
    await quotas.commit(first, { images: 0 }, now);
    expect((await quotas.standing('g', 'a', now)).spend?.guild).toMatchObject({
      used: 120_000,
      limit: 300_000,
      remaining: 180_000,
    });
    await quotas.reset('g', undefined, now);
    expect((await quotas.standing('g', 'c', now)).spend?.guild.used).toBe(120_000);
    await quotas.refund(third, now);
    expect((await quotas.standing('g', 'c', now)).spend?.guild.used).toBe(0);
  });

  it('keeps a history of delivered images and cost per UTC day and user', async () => {
    const quotas = await quotasWith({ userLimit: null, guildLimit: null });
    const deliver = async (userId: string, images: number, at: number) => {
      const job = hold({ userId, images, request: { model: 'dall-e-2', size: '256x256' } }, at);
      await quotas.reserve(job, at);
      await quotas.commit(job, { images }, at);
    };
    const day = 86_400_000;
    await deliver('mina', 2, now - 2 * day);
    await deliver('mina', 1, now);
    await deliver('jun', 3, now);
    const refunded = hold({ userId: 'jun', images: 4 });
    await quotas.reserve(refunded, now);
    await quotas.refund(refunded, now);

    expect(await quotas.history('g', 3, now)).toEqual([
      { date: '2026-11-24', users: { mina: { images: 2, micros: 32_000 } } },
      { date: '2026-11-25', users: {} },
      {
        date: '2026-11-26',
        users: { mina: { images: 1, micros: 16_000 }, jun: { images: 3, micros: 48_000 } },
      },
    ]);
  });
});
