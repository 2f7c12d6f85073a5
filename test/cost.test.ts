import { describe, expect, it } from 'vitest';
import { actualMicros, tableMicros } from '#core/cost/estimate.js';
import { parsePriceTable, shippedPrices } from '#core/cost/price-table.js';

describe('the price table and the cost estimate', () => {
  it('ships prices for every built-in model, dated', () => {
    expect(shippedPrices.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(shippedPrices.models).sort()).toEqual([
      'dall-e-2',
      'dall-e-3',
      'gpt-image-1',
      'gpt-image-1-mini',
      'gpt-image-1.5',
    ]);
  });

  it('prices a request from the table per image, in micro-dollars', () => {
    const request = { model: 'dall-e-3', size: '1792x1024', quality: 'hd' };
    expect(tableMicros(shippedPrices, request, 1)).toBe(120_000);
    expect(tableMicros(shippedPrices, { model: 'dall-e-2', size: '512x512' }, 3)).toBe(54_000);
  });

  it('prices auto or unset quality and size at the dearest entry, so a reservation never falls short', () => {
    expect(
      tableMicros(shippedPrices, { model: 'gpt-image-1', size: 'auto', quality: 'auto' }, 1),
    ).toBe(250_000);
    expect(tableMicros(shippedPrices, { model: 'gpt-image-1', size: '1024x1024' }, 2)).toBe(
      334_000,
    );
  });

  it('prices a model the table does not know at nothing', () => {
    expect(tableMicros(shippedPrices, { model: 'house-model', size: 'auto' }, 4)).toBe(0);
  });

  it('takes the cost from token usage when the model is priced per token, else from the table', () => {
    const request = { model: 'gpt-image-1-mini', size: '1024x1024', quality: 'low' };
    // $2 per million text tokens in, $8 per million image tokens out.
    expect(
      actualMicros(shippedPrices, request, 1, {
        totalTokens: 282,
        inputTokens: 10,
        outputTokens: 272,
      }),
    ).toBe(10 * 2 + 272 * 8);
    expect(actualMicros(shippedPrices, request, 2, undefined)).toBe(10_000);
    // A total without the split cannot be priced per token.
    expect(actualMicros(shippedPrices, request, 1, { totalTokens: 282 })).toBe(5_000);
    const dalle = { model: 'dall-e-2', size: '256x256' };
    expect(
      actualMicros(shippedPrices, dalle, 1, { totalTokens: 9, inputTokens: 4, outputTokens: 5 }),
    ).toBe(16_000);
  });

  it('names an unknown key in a table', () => {
    expect(() =>
      parsePriceTable({ readOn: '2026-01-01', models: {}, currency: 'EUR' }, 'prices.json'),
    ).toThrow(/prices\.json: .*Unrecognized key: "currency"/);
  });
});
