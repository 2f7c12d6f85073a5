/**
 * What a generation costs, in whole micro-dollars so that sums stay exact in every store. Pure.
 *
 * Before a job runs only its request is known, so the estimate comes from the per-image table. Once
 * it ran, the GPT image models report token `usage`, which is what the provider bills; without usage
 * (dall-e, some gateways) the table prices the images actually delivered.
 */
import type { ImageUsage } from '../images/types.js';
import type { ImageRequest } from '../request.js';
import type { ModelPrices, PriceTable } from './price-table.js';

export const microsPerDollar = 1_000_000;

export const toMicros = (usd: number): number => Math.round(usd * microsPerDollar);

/**
 * One image's table price. A quality or size the table does not list (`auto`, unset) is priced at
 * the dearest entry that fits, so a reservation never falls short of what the provider may bill.
 */
const perImageUsd = (prices: ModelPrices, request: Pick<ImageRequest, 'size' | 'quality'>) => {
  const byQuality = prices.perImage;
  const qualities =
    request.quality !== undefined && request.quality in byQuality
      ? [request.quality]
      : Object.keys(byQuality);
  const candidates = qualities.flatMap((quality) => {
    const bySize = byQuality[quality]!;
    return request.size in bySize ? [bySize[request.size]!] : Object.values(bySize);
  });
  return candidates.length === 0 ? 0 : Math.max(...candidates);
};

/** The table's price for `images` images of this request; 0 for a model the table does not price. */
export const tableMicros = (
  table: PriceTable,
  request: Pick<ImageRequest, 'model' | 'size' | 'quality'>,
  images: number,
): number => {
  const prices = table.models[request.model];
  return prices === undefined ? 0 : toMicros(perImageUsd(prices, request) * images);
};

/** What a finished job cost: from its token usage when the model is priced per token, else the table. */
export const actualMicros = (
  table: PriceTable,
  request: Pick<ImageRequest, 'model' | 'size' | 'quality'>,
  images: number,
  usage: ImageUsage | undefined,
): number => {
  const perToken = table.models[request.model]?.perMillionTokens;
  if (perToken && usage?.inputTokens !== undefined && usage.outputTokens !== undefined) {
    // A generation's input is the prompt, text only; image input is billed by edits, not here.
    return Math.round(usage.inputTokens * perToken.textIn + usage.outputTokens * perToken.imageOut);
  }
  return tableMicros(table, request, images);
};
