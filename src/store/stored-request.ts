/** Stored requests are read back through this schema: what the store holds is input again. */
import { z } from 'zod';

/**
 * What a stored record must hold to be submitted again. The core validates it once more against
 * today's catalogue; this only keeps a damaged or foreign record from reaching it as a request.
 * Loose, so that a field this schema does not name is kept rather than silently dropped.
 */
export const storedRequest = z.looseObject({
  prompt: z.string(),
  model: z.string(),
  size: z.string(),
  count: z.number().int().positive(),
  quality: z.string().optional(),
  background: z.string().optional(),
  style: z.string().optional(),
  moderation: z.string().optional(),
  outputFormat: z.string().optional(),
});
