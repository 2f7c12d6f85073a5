import { describe, expect, it } from 'vitest';
import { UserError, type UserErrorId } from '#core/errors.js';
import type { FailureReason } from '#core/jobs.js';
import type { QuotaStanding } from '#core/quota/types.js';
import { InvalidOptionsError } from '#core/service-api.js';
import { MalformedCommandError, type CommandProblem } from '#adapters/shared/command-problems.js';
import { localeFrom, messagesFor } from '#adapters/shared/messages.js';

const refusals: Record<UserErrorId, UserError> = {
  invalidOptions: new InvalidOptionsError([
    { option: 'count', kind: 'outOfRange', value: '3', min: 1, max: 1, model: 'dall-e-3' },
  ]),
  malformedCommand: new MalformedCommandError({ kind: 'missingValue', flag: '--size' }, [
    '/imagine <prompt>',
  ]),
  quotaExceeded: new UserError('quotaExceeded', {
    scope: 'user',
    limit: 25,
    used: 24,
    remaining: 1,
    requested: 4,
    period: 'day',
    resetsAt: '2026-11-27T00:00:00.000Z',
  }),
  tokenBudgetExceeded: new UserError('tokenBudgetExceeded', {
    period: 'week',
    resetsAt: '2026-11-30T00:00:00.000Z',
  }),
  budgetExceeded: new UserError('budgetExceeded', {
    period: 'month',
    resetsAt: '2026-12-01T00:00:00.000Z',
    limitUsd: 25,
    usedUsd: 24.9,
    requestedUsd: 0.25,
  }),
  tooManyPendingInGuild: new UserError('tooManyPendingInGuild', { limit: 50, pending: 50 }),
  tooManyPendingForUser: new UserError('tooManyPendingForUser', { limit: 5, pending: 5 }),
  shuttingDown: new UserError('shuttingDown'),
  storeUnavailable: new UserError('storeUnavailable'),
  notAllowed: new UserError('notAllowed', { command: '/quota-admin' }),
  guildOnly: new UserError('guildOnly'),
  unknownJob: new UserError('unknownJob'),
  channelNotAllowed: new UserError('channelNotAllowed', { channels: ['C1', 'C2'] }),
  blockedTerm: new UserError('blockedTerm'),
  limitExceeded: new UserError('limitExceeded', {
    option: 'quality',
    value: 'high',
    allowed: ['low', 'medium'],
  }),
  moderationNotAllowed: new UserError('moderationNotAllowed', { reason: 'notAgeRestricted' }),
  cooldown: new UserError('cooldown', { seconds: 60, waitSeconds: 12 }),
  invalidSetting: new UserError('invalidSetting', { problem: 'max-size must be WIDTHxHEIGHT' }),
};
const reasons: FailureReason[] = [
  'contentPolicy',
  'invalidRequest',
  'rateLimited',
  'misconfigured',
  'timeout',
  'upstream',
  'tooLarge',
  'deadline',
  'undeliverable',
  'internal',
];

describe('user-facing messages', () => {
  for (const locale of ['en', 'ko'] as const) {
    const messages = messagesFor(locale);
    it(`words every refusal in ${locale} with its context filled in`, () => {
      for (const [identifier, error] of Object.entries(refusals)) {
        const text = messages.refusal(error);
        expect(text, identifier).not.toMatch(/undefined|NaN|\[object/);
        expect(text.length, identifier).toBeGreaterThan(10);
      }
    });
    it(`words every job failure in ${locale}, and each says nothing was charged`, () => {
      for (const reason of reasons) {
        const text = messages.failure({ reason, param: 'size', incidentId: 'abcd1234' });
        expect(text, reason).not.toMatch(/undefined|NaN/);
        expect(text, reason).toMatch(
          locale === 'en' ? /Nothing was charged/ : /차감된 것은 없습니다/,
        );
      }
    });
  }

  it('tells a user over quota how many they have, what the request needs and when it resets', () => {
    expect(messagesFor('en').refusal(refusals.quotaExceeded)).toBe(
      'You have 1 of 25 images left today and this request needs 4. It resets 2026-11-27 00:00 UTC. Nothing was charged.',
    );
    expect(messagesFor('ko').refusal(refusals.quotaExceeded)).toBe(
      '회원님은 오늘 25장 중 1장이 남았고, 이 요청에는 4장이 필요합니다. 2026-11-27 00:00 UTC에 초기화됩니다. 차감된 것은 없습니다.',
    );
  });

  it('lets each platform format times its own way', () => {
    const discordTime = (iso: string) => `<t:${Date.parse(iso) / 1000}:R>`;
    expect(messagesFor('en', { time: discordTime }).refusal(refusals.quotaExceeded)).toContain(
      'It resets <t:1795737600:R>.',
    );
  });

  it('shows the problem and the usage for a malformed command', () => {
    expect(messagesFor('en').refusal(refusals.malformedCommand)).toBe(
      '--size needs a value.\nUsage:\n/imagine <prompt>',
    );
  });

  it('words every command problem in both languages, naming the option and what it allows', () => {
    const problems: CommandProblem[] = [
      { kind: 'missingSubcommand', allowed: ['grant', 'reset'] },
      { kind: 'unknownSubcommand', value: 'limits', allowed: ['grant', 'reset'] },
      { kind: 'unknownFlag', flag: '--colour', allowed: ['--size'] },
      { kind: 'unknownFlag', flag: '--force', allowed: [] },
      { kind: 'repeatedFlag', flag: '--count' },
      { kind: 'missingValue', flag: '--size' },
      { kind: 'notWholeNumber', option: 'count', value: '0x2' },
      { kind: 'outOfRange', option: 'limit', value: '-5', min: 0, max: 1_000_000 },
      { kind: 'outOfRange', option: 'limit', value: '-5', min: 0 },
      { kind: 'notAChoice', option: 'period', value: 'year', allowed: ['day', 'week'] },
      { kind: 'notAMention', option: 'user', value: 'maria' },
      { kind: 'tooLong', option: 'prompt', max: 6000 },
      { kind: 'wrongType', option: 'count', expected: 'integer' },
      { kind: 'missing', options: ['<prompt>'] },
      { kind: 'unexpected', text: 'now please' },
    ];
    for (const locale of ['en', 'ko'] as const) {
      for (const problem of problems) {
        const text = messagesFor(locale).commandProblem(problem);
        expect(text, problem.kind).not.toMatch(/undefined|NaN|\[object/);
        const named = 'option' in problem ? problem.option : 'flag' in problem ? problem.flag : '';
        expect(text, problem.kind).toContain(named);
      }
    }
    expect(
      messagesFor('en').commandProblem({
        kind: 'outOfRange',
        option: 'limit',
        value: '-5',
        min: 0,
        max: 1_000_000,
      }),
    ).toBe('limit must be from 0 to 1000000, not -5');
  });

  it('shows the problem without a usage where the platform shows the form itself', () => {
    expect(
      messagesFor('en').refusal(
        new MalformedCommandError({ kind: 'wrongType', option: 'count', expected: 'integer' }),
      ),
    ).toBe('count must be a whole number.');
  });

  it('shows the incident id for an unexpected failure', () => {
    expect(messagesFor('en').failure({ reason: 'internal', incidentId: 'abcd1234' })).toContain(
      'abcd1234',
    );
  });

  it('shows quota standing with unlimited and limited allowances', () => {
    const standing: QuotaStanding = {
      user: {
        used: 3,
        limit: 25,
        remaining: 22,
        period: 'day',
        resetsAt: '2026-11-27T00:00:00.000Z',
      },
      guild: {
        used: 40,
        limit: null,
        remaining: null,
        period: 'month',
        resetsAt: '2026-12-01T00:00:00.000Z',
      },
    };
    expect(messagesFor('en').quotaStanding(standing)).toBe(
      'You: 22 of 25 left today, resets 2026-11-27 00:00 UTC.\nThis server: unlimited (40 used this month).',
    );
  });

  it('shows this period’s spend for the user and the server, and the budget when there is one', () => {
    const allowance = (used: number, limit: number | null) => ({
      used,
      limit,
      remaining: limit === null ? null : limit - used,
      period: 'month' as const,
      resetsAt: '2026-12-01T00:00:00.000Z',
    });
    const standing: QuotaStanding = {
      user: allowance(3, null),
      guild: allowance(40, null),
      spend: { user: allowance(120_000, null), guild: allowance(3_400_000, 25_000_000) },
    };
    expect(messagesFor('en').quotaStanding(standing).split('\n').at(-1)).toBe(
      'Spent this month: you $0.12, this server $3.40 of its $25.00 budget.',
    );
    expect(messagesFor('ko').quotaStanding(standing).split('\n').at(-1)).toBe(
      '이번 달 사용 금액: 회원님 $0.12, 이 서버 $25.00 예산 중 $3.40.',
    );
    const report = messagesFor('en').quotaReport(
      {
        guild: allowance(40, null),
        spend: allowance(3_400_000, null),
        userDefault: { limit: null, period: 'month' },
        userOverrides: [],
        roleLimits: [],
        topUsers: [{ userId: 'u1', used: 30, spentMicros: 3_000_000 }],
      },
      (userId) => `@${userId}`,
    );
    expect(report).toContain('Spent this month: $3.40.');
    expect(report).toContain('Top users this month: @u1 30 ($3.00).');
  });

  it('picks Korean for any Korean platform locale and English otherwise', () => {
    expect([
      localeFrom('ko'),
      localeFrom('ko-KR'),
      localeFrom('en-US'),
      localeFrom(undefined),
      localeFrom('ja'),
    ]).toEqual(['ko', 'ko', 'en', 'en', 'en']);
  });
});
