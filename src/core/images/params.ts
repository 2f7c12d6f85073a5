import type { ImageGenerateParamsBase } from 'openai/resources/images';
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
