/**
 * The USD price table: per image by quality and size for every priced model, and per token for the
 * GPT image models. The shipped table (prices.json) records the day its prices were read, since
 * providers change them; IMAGES_PRICES_FILE replaces it with the operator's own, checked the same way.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const price = z
  .number({ error: 'must be a number of US dollars' })
  .min(0, { error: 'must be a number of US dollars >= 0' });

const modelPrices = z
  .object({
    /** quality -> size -> USD per image. */
    perImage: z.record(z.string(), z.record(z.string(), price)),
    /** USD per million tokens, which is also micro-dollars per token. */
    perMillionTokens: z
      .object({ textIn: price, imageIn: price, imageOut: price })
      .strict()
      .optional(),
  })
  .strict();

const tableSchema = z
  .object({
    readOn: z.iso.date({ error: 'must be the date the prices were read, as YYYY-MM-DD' }),
    source: z.string().optional(),
    models: z.record(z.string(), modelPrices),
  })
  .strict();

export type PriceTable = z.output<typeof tableSchema>;
export type ModelPrices = PriceTable['models'][string];

export class PriceTableError extends Error {
  override readonly name = 'PriceTableError';
}

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      typeof value === 'object' && value !== null
        ? (value as Record<PropertyKey, unknown>)[key]
        : undefined,
    root,
  );

/** Checks a parsed JSON table; the error names each bad key and the value found there. */
export const parsePriceTable = (json: unknown, source: string): PriceTable => {
  const parsed = tableSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(table)';
    const found =
      issue.code === 'unrecognized_keys'
        ? ''
        : ` (got ${JSON.stringify(valueAt(json, issue.path)) ?? 'nothing'})`;
    return `${key} ${issue.message}${found}`;
  });
  throw new PriceTableError(`${source}: ${problems.join('; ')}`);
};

/** Reads and checks a JSON price table file. */
export const readPriceTable = (path: string): PriceTable => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PriceTableError(
      `${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PriceTableError(
      `${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parsePriceTable(json, path);
};

/** The table shipped with the bot. */
export const shippedPrices: PriceTable = readPriceTable(
  new URL('./prices.json', import.meta.url).pathname,
);
