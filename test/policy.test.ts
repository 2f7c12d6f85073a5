/** The guild policy's pure parts: the blocked-term matcher and the one check every submission meets. */
import { describe, expect, it } from 'vitest';
import { compactText, findBlockedTerm, termProblem } from '#core/policy/blocked.js';
import { policyRefusal } from '#core/policy/check.js';
import { defaultPolicy, type GuildPolicy } from '#core/policy/types.js';
import type { ImageRequest, Requester } from '#core/request.js';
import { messagesFor } from '#adapters/shared/messages.js';

const request = (fields: Partial<ImageRequest> = {}): ImageRequest => ({
  prompt: 'a lighthouse at dusk',
  model: 'gpt-image-1',
  size: '1024x1024',
  count: 1,
  ...fields,
});
const member: Requester = {
  platform: 'discord',
  guildId: 'G1',
  userId: 'U1',
  channelId: 'C1',
  locale: 'en',
};
const policy = (fields: Partial<GuildPolicy>): GuildPolicy => ({ ...defaultPolicy, ...fields });
const refusalOf = (
  fields: Partial<GuildPolicy>,
  asked: Partial<ImageRequest> = {},
  who: Partial<Requester> = {},
) => policyRefusal(policy(fields), request(asked), { ...member, ...who }, undefined, 0);

describe('blocked terms', () => {
  it('catches a word however it is spaced, dotted, cased, widened or hidden', () => {
    for (const prompt of [
      'a BAD dog',
      'a b a d dog',
      'a b.a.d dog',
      'a ｂａｄ dog',
      'a Ｂ Ａ Ｄ dog',
      'a b\u200Bad dog',
      'a bаd dog', // Cyrillic а
    ])
      expect(findBlockedTerm(prompt, ['bad']), prompt).toBe('bad');
    expect(findBlockedTerm('a good dog', ['bad'])).toBeUndefined();
  });

  it('catches Hangul written as decomposed or compatibility jamo, and a full-width term', () => {
    const decomposed = '\u1107\u1161\u11ab\u1103\u1161\u11ab'; // 반단 as conjoining jamo
    expect(decomposed).not.toBe('반단');
    expect(findBlockedTerm(`고양이 ${decomposed}`, ['반단'])).toBe('반단');
    expect(findBlockedTerm('반 단 그림', ['반단'])).toBe('반단');
    expect(findBlockedTerm('ㅂㅏㄴㄷㅏㄴ', ['반단'])).toBe('반단');
    expect(findBlockedTerm('ㅂㅏㄴ', ['반'])).toBe('반');
    expect(findBlockedTerm('바나나', ['반'])).toBeUndefined();
    expect(findBlockedTerm('a bad one', ['ｂａｄ'])).toBe('ｂａｄ');
    expect(compactText('Ｈｅｌｌｏ, 世界')).toBe('hello世界');
  });

  it('matches /regex/ patterns case-insensitively on the folded prompt', () => {
    expect(findBlockedTerm('GORE everywhere', ['/\\bgore\\b/'])).toBe('/\\bgore\\b/');
    expect(findBlockedTerm('ｇｏｒｅ', ['/^gore$/'])).toBe('/^gore$/');
    expect(findBlockedTerm('gorey', ['/\\bgore\\b/'])).toBeUndefined();
  });

  it('refuses a term that is blank, too long or a pattern that does not compile', () => {
    expect(termProblem(' .. ')).toBe('empty');
    expect(termProblem('x'.repeat(201))).toBe('tooLong');
    expect(termProblem('/(unclosed/')).toBe('badPattern');
    expect(termProblem('/ok+/')).toBeUndefined();
    expect(termProblem('word')).toBeUndefined();
  });
});

describe('policy check', () => {
  it('lets anything through under the default policy', () => {
    expect(policyRefusal(defaultPolicy, request(), member, 0, 1)).toBeUndefined();
  });

  it('refuses outside the allowed channels, naming them', () => {
    expect(refusalOf({ channels: ['C2', 'C3'] })?.context).toEqual({ channels: ['C2', 'C3'] });
    expect(refusalOf({ channels: ['C1'] })).toBeUndefined();
  });

  it('refuses a blocked term without saying which', () => {
    const refused = refusalOf({ blocked: ['lighthouse'] });
    expect(refused?.identifier).toBe('blockedTerm');
    expect(refused?.context).toEqual({});
  });

  it('refuses models, counts, qualities and sizes over the limits and allows the rest', () => {
    const limits = {
      models: ['gpt-image-1'],
      maxCount: 2,
      maxQuality: 'medium',
      maxSize: '1024x1024',
    };
    const ok = { quality: 'medium' };
    expect(refusalOf({ limits }, ok)).toBeUndefined();
    expect(refusalOf({ limits }, { ...ok, model: 'dall-e-3' })?.context.option).toBe('model');
    expect(refusalOf({ limits }, { ...ok, count: 3 })?.context.option).toBe('count');
    expect(refusalOf({ limits }, { quality: 'high' })?.context).toEqual({
      option: 'quality',
      value: 'high',
      allowed: ['low', 'standard', 'medium'],
    });
    // No quality named means the model's own choice, which may be its highest.
    expect(refusalOf({ limits }, { quality: undefined })?.context.option).toBe('quality');
    expect(refusalOf({ limits }, { ...ok, size: '1536x1024' })?.context.option).toBe('size');
    expect(refusalOf({ limits }, { ...ok, size: 'auto' })?.context.option).toBe('size');
  });

  it('allows moderation low only when the admin allows it, and on Discord only in an age-restricted channel', () => {
    const low = { moderation: 'low' };
    expect(refusalOf({}, low)?.context).toEqual({ reason: 'disabled' });
    const allowed = { moderation: 'allow-low-in-nsfw' as const };
    expect(refusalOf(allowed, low, { ageRestricted: false })?.context).toEqual({
      reason: 'notAgeRestricted',
    });
    expect(refusalOf(allowed, low, { ageRestricted: true })).toBeUndefined();
    // Slack has no age-restricted channels: the admin's word suffices.
    expect(refusalOf(allowed, low, { platform: 'slack' })).toBeUndefined();
    expect(refusalOf({}, { moderation: 'auto' })).toBeUndefined();
  });

  it('refuses a member inside the cooldown, saying how long to wait', () => {
    const cooling = policy({ cooldownSeconds: 60 });
    expect(policyRefusal(cooling, request(), member, 1_000, 49_000)?.context).toEqual({
      seconds: 60,
      waitSeconds: 12,
    });
    expect(policyRefusal(cooling, request(), member, 1_000, 61_000)).toBeUndefined();
    expect(policyRefusal(cooling, request(), member, undefined, 1)).toBeUndefined();
  });

  it('words every policy refusal naming the rule and who changes it, and charging nothing', () => {
    const refusals = [
      refusalOf({ channels: ['C2'] }),
      refusalOf({ blocked: ['lighthouse'] }),
      refusalOf({ limits: { maxCount: 1 } }, { count: 2 }),
      refusalOf({}, { moderation: 'low' }),
      policyRefusal(policy({ cooldownSeconds: 5 }), request(), member, 0, 1),
    ];
    for (const refused of refusals) {
      const english = messagesFor('en').refusal(refused!);
      expect(english).toMatch(/Server managers can change this with \/imagine-settings \(\w+\)/);
      expect(english).toContain('Nothing was charged.');
      expect(messagesFor('ko').refusal(refused!)).toContain('차감된 것은 없습니다');
    }
  });
});
