/**
 * Constructor options checked once, with every problem named by its field, so a wiring mistake
 * fails at start with a sentence instead of misbehaving under load.
 */
import { z } from 'zod';
import { CodedError } from '../errors.js';

export class OptionsError extends CodedError {
  override readonly name = 'OptionsError';
  constructor(
    readonly owner: string,
    readonly problems: readonly string[],
  ) {
    super('options.invalid', `${owner} options are not valid: ${problems.join('; ')}`);
  }
}

/** Parses `input` with `schema`, or throws an {@link OptionsError} naming each bad field. */
export const parseOptions = <Schema extends z.ZodType>(
  owner: string,
  schema: Schema,
  input: unknown,
): z.output<Schema> => {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new OptionsError(
    owner,
    parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'} ${issue.message}`),
  );
};

/** A whole number from `min`, worded for {@link parseOptions}. */
export const wholeNumber = (min: number) =>
  z
    .number({ error: `must be a whole number >= ${min}` })
    .int({ error: `must be a whole number >= ${min}` })
    .min(min, { error: `must be a whole number >= ${min}` });

/** An object with the named methods: enough to catch a wrong argument without a class check. */
export const withMethods = <T>(...methods: string[]) =>
  z.custom<T>(
    (value) =>
      (typeof value === 'object' || typeof value === 'function') &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    { error: `must be an object with ${methods.join(', ')}` },
  );
