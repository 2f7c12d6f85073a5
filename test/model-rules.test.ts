import { describe, expect, it } from 'vitest';
import { ModelCatalogue, parseExtraModels } from '#core/models.js';
import { validateRequest, type Problem } from '#core/validate.js';
import { englishProblem } from '#adapters/shared/messages.js';

const catalogue = new ModelCatalogue();
const validate = (input: Parameters<typeof validateRequest>[0]) =>
  validateRequest(input, catalogue, 'gpt-image-1.5');
const problemsOf = (input: Parameters<typeof validateRequest>[0]): Problem[] => {
  const result = validate(input);
  return result.ok ? [] : result.problems;
};

interface FieldCase {
  option: string;
  accepted: Record<string, unknown>[];
  rejected: Record<string, unknown>[];
}

/** Accepted and rejected examples per field, for every model the spec documents. */
const rules: Record<string, FieldCase[]> = {
  'dall-e-2': [
    {
      option: 'size',
      accepted: [{ size: '256x256' }, { size: '512x512' }, { size: '1024x1024' }],
      rejected: [{ size: '1536x1024' }, { size: 'auto' }, { size: '1792x1024' }],
    },
    {
      option: 'count',
      accepted: [{ count: 1 }, { count: 10 }],
      rejected: [{ count: 0 }, { count: 11 }, { count: 2.5 }],
    },
    {
      option: 'quality',
      accepted: [{ quality: 'standard' }],
      rejected: [{ quality: 'hd' }, { quality: 'high' }],
    },
    { option: 'style', accepted: [], rejected: [{ style: 'vivid' }] },
    { option: 'background', accepted: [], rejected: [{ background: 'transparent' }] },
    { option: 'moderation', accepted: [], rejected: [{ moderation: 'low' }] },
    {
      option: 'prompt',
      accepted: [{ prompt: 'x'.repeat(1000) }],
      rejected: [{ prompt: 'x'.repeat(1001) }, { prompt: '   ' }],
    },
  ],
  'dall-e-3': [
    {
      option: 'size',
      accepted: [{ size: '1024x1024' }, { size: '1792x1024' }, { size: '1024x1792' }],
      rejected: [{ size: '512x512' }, { size: '1536x1024' }],
    },
    { option: 'count', accepted: [{ count: 1 }], rejected: [{ count: 2 }] },
    {
      option: 'quality',
      accepted: [{ quality: 'standard' }, { quality: 'hd' }],
      rejected: [{ quality: 'low' }],
    },
    {
      option: 'style',
      accepted: [{ style: 'vivid' }, { style: 'natural' }],
      rejected: [{ style: 'anime' }],
    },
    { option: 'background', accepted: [], rejected: [{ background: 'opaque' }] },
    {
      option: 'prompt',
      accepted: [{ prompt: 'x'.repeat(4000) }],
      rejected: [{ prompt: 'x'.repeat(4001) }],
    },
  ],
  ...Object.fromEntries(
    ['gpt-image-1', 'gpt-image-1.5', 'gpt-image-1-mini'].map((model) => [
      model,
      [
        {
          option: 'size',
          accepted: [
            { size: '1024x1024' },
            { size: '1536x1024' },
            { size: '1024x1536' },
            { size: 'auto' },
          ],
          rejected: [{ size: '1792x1024' }, { size: '256x256' }],
        },
        {
          option: 'count',
          accepted: [{ count: 1 }, { count: '10' }],
          rejected: [{ count: 11 }, { count: 'two' }],
        },
        {
          option: 'quality',
          accepted: [
            { quality: 'low' },
            { quality: 'medium' },
            { quality: 'high' },
            { quality: 'auto' },
          ],
          rejected: [{ quality: 'hd' }, { quality: 'standard' }],
        },
        { option: 'style', accepted: [], rejected: [{ style: 'vivid' }] },
        {
          option: 'background',
          accepted: [
            { background: 'transparent' },
            { background: 'opaque' },
            { background: 'auto' },
          ],
          rejected: [{ background: 'blue' }],
        },
        {
          option: 'moderation',
          accepted: [{ moderation: 'low' }, { moderation: 'auto' }],
          rejected: [{ moderation: 'high' }],
        },
        {
          option: 'prompt',
          accepted: [{ prompt: 'x'.repeat(32_000) }],
          rejected: [{ prompt: 'x'.repeat(32_001) }],
        },
      ] satisfies FieldCase[],
    ]),
  ),
};

describe('model rules', () => {
  for (const [model, fields] of Object.entries(rules)) {
    describe(model, () => {
      for (const field of fields) {
        for (const example of field.accepted) {
          it(`accepts ${field.option} ${JSON.stringify(example).slice(0, 40)}`, () => {
            const result = validate({ prompt: 'a cat', model, ...example });
            expect(result.ok ? [] : result.problems).toEqual([]);
          });
        }
        for (const example of field.rejected) {
          it(`rejects ${field.option} ${JSON.stringify(example).slice(0, 40)}`, () => {
            const problems = problemsOf({ prompt: 'a cat', model, ...example });
            expect(problems.map((problem) => problem.option)).toEqual([field.option]);
          });
        }
      }
    });
  }
});

describe('validateRequest', () => {
  it('names the option, the model and every allowed value in one sentence', () => {
    const [problem] = problemsOf({ prompt: 'a cat', model: 'gpt-image-1', size: '1792x1024' });
    expect(englishProblem(problem!)).toBe(
      'size 1792x1024 is not available for gpt-image-1: choose 1024x1024, 1536x1024, 1024x1536 or auto',
    );
  });

  it('reports every problem at once so the user fixes them in one go', () => {
    const problems = problemsOf({
      prompt: '',
      model: 'dall-e-3',
      size: '256x256',
      count: 3,
      background: 'transparent',
    });
    expect(problems.map((problem) => problem.option).sort()).toEqual([
      'background',
      'count',
      'prompt',
      'size',
    ]);
  });

  it('uses the configured default model and the model default size', () => {
    const result = validate({ prompt: 'a cat' });
    expect(result.ok && result.request).toEqual({
      prompt: 'a cat',
      model: 'gpt-image-1.5',
      size: 'auto',
      count: 1,
    });
  });

  it('keeps the prompt byte-for-byte: Korean, emoji, newlines and surrounding spaces', () => {
    const prompt = ' 햇살이 비치는 정원에서\n달리는 작은 고양이 🐈‍⬛ ';
    const result = validate({ prompt });
    expect(result.ok && Buffer.from(result.request.prompt).equals(Buffer.from(prompt))).toBe(true);
  });

  it('counts prompt length in characters, so emoji are not counted twice', () => {
    expect(problemsOf({ prompt: '🐈'.repeat(1000), model: 'dall-e-2' })).toEqual([]);
    expect(problemsOf({ prompt: '🐈'.repeat(1001), model: 'dall-e-2' })[0]).toMatchObject({
      kind: 'tooLong',
      length: 1001,
      max: 1000,
    });
  });

  it('normalises the case of choices to what the API expects', () => {
    const result = validate({ prompt: 'a cat', quality: 'HIGH', size: 'AUTO' });
    expect(result.ok && [result.request.quality, result.request.size]).toEqual(['high', 'auto']);
  });

  it('refuses a transparent background with a format that has no alpha channel', () => {
    expect(
      problemsOf({ prompt: 'a cat', background: 'transparent', outputFormat: 'jpeg' })[0],
    ).toMatchObject({ kind: 'needsAlpha' });
    expect(
      problemsOf({ prompt: 'a cat', background: 'transparent', outputFormat: 'webp' }),
    ).toEqual([]);
  });

  it('lists the known models when the model is unknown', () => {
    const [problem] = problemsOf({ prompt: 'a cat', model: 'midjourney' });
    expect(englishProblem(problem!)).toBe(
      'model midjourney is not available: choose dall-e-2, dall-e-3, gpt-image-1, gpt-image-1.5 or gpt-image-1-mini',
    );
  });
});

describe('operator-added models', () => {
  it('parses ids with an optional family', () => {
    expect(parseExtraModels('flux-pro, my-gpt=gpt-image')).toEqual({
      models: [
        { id: 'flux-pro', family: 'custom' },
        { id: 'my-gpt', family: 'gpt-image' },
      ],
      problems: [],
    });
  });

  it('names a bad family and a malformed entry', () => {
    expect(parseExtraModels('a=b, =x, c=d=e').problems).toEqual([
      '"a=b": family must be one of gpt-image, dall-e-2, dall-e-3, custom',
      '"=x" is not an id or id=family',
      '"c=d=e" is not an id or id=family',
    ]);
  });

  it('lets a custom model through with any size shaped WIDTHxHEIGHT, leaving the gateway to judge', () => {
    const extended = new ModelCatalogue([{ id: 'flux-pro', family: 'custom' }]);
    const accepted = validateRequest(
      { prompt: 'a cat', model: 'flux-pro', size: '768x1344', quality: 'ultra' },
      extended,
      'flux-pro',
    );
    expect(accepted.ok && accepted.request).toMatchObject({
      model: 'flux-pro',
      size: '768x1344',
      quality: 'ultra',
    });
    const rejected = validateRequest(
      { prompt: 'a cat', model: 'flux-pro', size: 'huge' },
      extended,
      'flux-pro',
    );
    expect(rejected.ok).toBe(false);
  });

  it('gives a model of a known family that family rules', () => {
    const extended = new ModelCatalogue([{ id: 'gateway-dalle', family: 'dall-e-3' }]);
    const result = validateRequest(
      { prompt: 'a cat', model: 'gateway-dalle', count: 2 },
      extended,
      'gpt-image-1.5',
    );
    expect(result.ok ? [] : result.problems).toMatchObject([
      { option: 'count', kind: 'outOfRange', max: 1 },
    ]);
  });
});
