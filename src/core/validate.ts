import type { ModelCatalogue, ModelRules } from './models.js';
import type { ImageOptionsInput, ImageRequest } from './request.js';

/** The option a problem is about, named as users type it. */
export type OptionName =
  | 'prompt'
  | 'model'
  | 'size'
  | 'quality'
  | 'count'
  | 'background'
  | 'style'
  | 'moderation'
  | 'outputFormat';

/**
 * One specific thing wrong with a request, structured so each adapter can word it in the user's
 * language (the adapters' messages).
 */
export type Problem =
  | { option: 'prompt'; kind: 'missing' }
  | { option: 'prompt'; kind: 'tooLong'; length: number; max: number; model: string }
  | { option: 'model'; kind: 'unknown'; value: string; allowed: readonly string[] }
  | {
      option: OptionName;
      kind: 'notAllowed';
      value: string;
      allowed: readonly string[];
      model: string;
    }
  | { option: OptionName; kind: 'unsupported'; value: string; model: string }
  | { option: 'count'; kind: 'outOfRange'; value: string; min: number; max: number; model: string }
  | { option: 'background'; kind: 'needsAlpha'; value: string; outputFormat: string };

export type ValidationResult =
  { ok: true; request: ImageRequest } | { ok: false; problems: Problem[] };

const sizePattern = /^(\d{2,5})x(\d{2,5})$/;
/**
 * Text that shows nothing: blanks, format characters (zero-width space, joiners, direction marks),
 * combining marks with nothing to combine with, and the fillers that render as empty space.
 */
const invisiblePattern = /^[\p{White_Space}\p{Cf}\p{Cc}\p{M}\u115F\u1160\u3164\uFFA0\u2800]*$/u;
/** Output formats that keep transparency. */
export const alphaFormats: readonly string[] = ['png', 'webp'];

const blankToUndefined = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
};

/**
 * Checks an option against the model's list. `custom` models pass anything through (the gateway
 * judges), except sizes, which must at least look like `WIDTHxHEIGHT` or `auto`.
 */
const checkChoice = (
  option: OptionName,
  value: string | undefined,
  allowed: readonly string[],
  rules: ModelRules,
  problems: Problem[],
): string | undefined => {
  if (value === undefined) return undefined;
  if (rules.family === 'custom') return value;
  if (allowed.length === 0) {
    problems.push({ option, kind: 'unsupported', value, model: rules.id });
    return undefined;
  }
  const match = allowed.find((choice) => choice.toLowerCase() === value.toLowerCase());
  if (match === undefined)
    problems.push({ option, kind: 'notAllowed', value, allowed, model: rules.id });
  return match;
};

const checkCount = (
  raw: number | string | undefined,
  rules: ModelRules,
  problems: Problem[],
): number => {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return 1;
  const text = String(raw).trim();
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > rules.maxCount) {
    problems.push({
      option: 'count',
      kind: 'outOfRange',
      value: text,
      min: 1,
      max: rules.maxCount,
      model: rules.id,
    });
    return 1;
  }
  return count;
};

const checkSize = (raw: string | undefined, rules: ModelRules, problems: Problem[]): string => {
  if (raw === undefined) return rules.defaultSize;
  if (rules.family === 'custom') {
    if (raw.toLowerCase() === 'auto' || sizePattern.test(raw)) return raw.toLowerCase();
    problems.push({
      option: 'size',
      kind: 'notAllowed',
      value: raw,
      allowed: ['WIDTHxHEIGHT', 'auto'],
      model: rules.id,
    });
    return rules.defaultSize;
  }
  return checkChoice('size', raw, rules.sizes, rules, problems) ?? rules.defaultSize;
};

/**
 * Turns what a user typed into a request the model accepts, or into every problem at once, so the
 * user fixes them in one go. Pure: no I/O, no clock. The prompt is kept byte-for-byte (only a
 * prompt without one visible character counts as missing).
 */
export const validateRequest = (
  input: ImageOptionsInput,
  catalogue: ModelCatalogue,
  defaultModel: string,
): ValidationResult => {
  const problems: Problem[] = [];
  const modelId = blankToUndefined(input.model) ?? defaultModel;
  const rules = catalogue.get(modelId) ?? catalogue.get(modelId.toLowerCase());
  if (rules === undefined) {
    return {
      ok: false,
      problems: [{ option: 'model', kind: 'unknown', value: modelId, allowed: catalogue.ids() }],
    };
  }

  const prompt = input.prompt ?? '';
  if (invisiblePattern.test(prompt)) problems.push({ option: 'prompt', kind: 'missing' });
  // Length in code points, as providers count characters; a surrogate pair is one character.
  const length = [...prompt].length;
  if (length > rules.maxPromptLength) {
    problems.push({
      option: 'prompt',
      kind: 'tooLong',
      length,
      max: rules.maxPromptLength,
      model: rules.id,
    });
  }

  const size = checkSize(blankToUndefined(input.size), rules, problems);
  const count = checkCount(input.count, rules, problems);
  const quality = checkChoice(
    'quality',
    blankToUndefined(input.quality),
    rules.qualities,
    rules,
    problems,
  );
  const background = checkChoice(
    'background',
    blankToUndefined(input.background),
    rules.backgrounds,
    rules,
    problems,
  );
  const style = checkChoice('style', blankToUndefined(input.style), rules.styles, rules, problems);
  const moderation = checkChoice(
    'moderation',
    blankToUndefined(input.moderation),
    rules.moderations,
    rules,
    problems,
  );
  const outputFormat = checkChoice(
    'outputFormat',
    blankToUndefined(input.outputFormat),
    rules.outputFormats,
    rules,
    problems,
  );
  if (
    background === 'transparent' &&
    outputFormat !== undefined &&
    !alphaFormats.includes(outputFormat)
  ) {
    problems.push({ option: 'background', kind: 'needsAlpha', value: background, outputFormat });
  }

  if (problems.length > 0) return { ok: false, problems };
  const request: ImageRequest = { prompt, model: rules.id, size, count };
  if (quality !== undefined) request.quality = quality;
  if (background !== undefined) request.background = background;
  if (style !== undefined) request.style = style;
  if (moderation !== undefined) request.moderation = moderation;
  if (outputFormat !== undefined) request.outputFormat = outputFormat;
  return { ok: true, request };
};
