import { describe, expect, it } from 'vitest';
import { fitOutput } from '#core/images/fit-output.js';
import { buildParams } from '#core/images/params.js';
import { ModelCatalogue } from '#core/models.js';
import type { ImageRequest } from '#core/request.js';

const catalogue = new ModelCatalogue();
const request = (fields: Partial<ImageRequest>): ImageRequest => ({
  prompt: 'a cat',
  model: 'gpt-image-2',
  size: '1024x1024',
  count: 1,
  ...fields,
});
const fit = (fields: Partial<ImageRequest>, maxBytes: number | undefined) =>
  fitOutput(request(fields), catalogue.get(fields.model ?? 'gpt-image-2'), maxBytes);
const tenMiB = 10 * 1024 * 1024;

describe('asking the API for images that fit the upload limit', () => {
  it('asks for nothing when a PNG of that size fits', () => {
    expect(fit({ size: '1024x1024' }, tenMiB)).toEqual({});
    expect(fit({ size: '1024x1024' }, undefined)).toEqual({});
  });

  it('asks for WebP, compressed enough, when a detailed PNG could be over the limit', () => {
    const answer = fit({ size: '3840x2160' }, tenMiB);
    expect(answer.output_format).toBe('webp');
    expect(answer.output_compression).toBeGreaterThanOrEqual(50);
    expect(answer.output_compression).toBeLessThanOrEqual(95);
    // A smaller limit asks for more compression.
    const tighter = fit({ size: '3840x2160' }, 4 * 1024 * 1024);
    expect(tighter.output_compression).toBeLessThan(answer.output_compression!);
  });

  it('counts auto as the largest size the model lists', () => {
    expect(fit({ model: 'gpt-image-1.5', size: 'auto' }, 1024 * 1024).output_format).toBe('webp');
  });

  it('keeps a format the user chose, compressing it only when needed, and never touches PNG', () => {
    expect(fit({ size: '3840x2160', outputFormat: 'jpeg' }, tenMiB)).toEqual({
      output_compression: expect.any(Number),
    });
    expect(fit({ size: '1024x1024', outputFormat: 'jpeg' }, tenMiB)).toEqual({});
    expect(fit({ size: '3840x2160', outputFormat: 'png' }, tenMiB)).toEqual({});
  });

  it('asks nothing of a model that cannot compress', () => {
    expect(fit({ model: 'dall-e-3', size: '1792x1024' }, 1024)).toEqual({});
  });

  it('goes into the request body', () => {
    const params = buildParams(request({ size: '3840x2160' }), {
      fit: fit({ size: '3840x2160' }, tenMiB),
    });
    expect(params).toMatchObject({ output_format: 'webp', output_compression: expect.any(Number) });
  });
});
