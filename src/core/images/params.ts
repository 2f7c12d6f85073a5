import type { Uploadable } from 'openai';
import type {
  ImageCreateVariationParams,
  ImageEditParamsBase,
  ImageGenerateParamsBase,
} from 'openai/resources/images';
import type { ImageRequest } from '../request.js';
import type { OutputFit } from './fit-output.js';

/** The API accepts 0 to 3 previews; 0 is not streaming at all. */
const maxPartialImages = 3;

/**
 * The request body for one generation. The request was validated against the model's rules, so
 * every option it holds is one the model accepts, and the ones it lacks are left out rather than
 * sent as defaults a gateway might refuse. `response_format` is never sent: items may come back as
 * `url`, `b64_json` or both, and the client accepts each.
 */
export const buildParams = (
  request: ImageRequest,
  extras: { user?: string; partialImages?: number; fit?: OutputFit },
): ImageGenerateParamsBase => {
  const params: ImageGenerateParamsBase = {
    prompt: request.prompt,
    model: request.model,
    n: request.count,
    size: request.size,
  };
  // The SDK types list OpenAI's values; gateways and operator-added models may accept others.
  if (request.quality !== undefined)
    params.quality = request.quality as ImageGenerateParamsBase['quality'];
  if (request.background !== undefined)
    params.background = request.background as ImageGenerateParamsBase['background'];
  if (request.style !== undefined) params.style = request.style as ImageGenerateParamsBase['style'];
  if (request.moderation !== undefined)
    params.moderation = request.moderation as ImageGenerateParamsBase['moderation'];
  if (request.outputFormat !== undefined) {
    params.output_format = request.outputFormat as ImageGenerateParamsBase['output_format'];
  }
  Object.assign(params, extras.fit);
  if (extras.user !== undefined) params.user = extras.user;
  if (extras.partialImages !== undefined && extras.partialImages >= 1) {
    params.stream = true;
    params.partial_images = Math.min(maxPartialImages, Math.floor(extras.partialImages));
  }
  return params;
};

/**
 * The body of an edit: the generation's parameters that `/images/edits` takes (no style, no
 * moderation), the input images, and `input_fidelity` where the request kept it (only for models
 * that accept it, see `validateRequest`).
 */
export const buildEditParams = (
  request: ImageRequest,
  images: Uploadable[],
  extras: { user?: string; partialImages?: number; fit?: OutputFit },
): ImageEditParamsBase => {
  const params = buildParams(request, extras);
  delete params.style;
  delete params.moderation;
  return {
    ...params,
    quality: params.quality as ImageEditParamsBase['quality'],
    image: images,
    ...(request.inputFidelity !== undefined && { input_fidelity: request.inputFidelity }),
  };
};

/** The body of a variation (dall-e-2): one image, and only what `/images/variations` takes. */
export const buildVariationParams = (
  request: ImageRequest,
  image: Uploadable,
  extras: { user?: string },
): ImageCreateVariationParams => ({
  image,
  model: request.model,
  n: request.count,
  size: request.size as ImageCreateVariationParams['size'],
  ...(extras.user !== undefined && { user: extras.user }),
});
