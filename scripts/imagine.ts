/**
 * `npm run imagine -- "<prompt>" [options]`: one generation from the terminal, through the same
 * configuration, validation and client the bot uses. The quickest way to check a key and a base URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createImagesClient } from '#core/images/client.js';
import { extensionOf } from '#core/images/decode.js';
import { ImagesApiError, type GenerationResult } from '#core/images/types.js';
import { hashUser } from '#core/images/user-hash.js';
import { createLogger } from '#core/log.js';
import { ModelCatalogue } from '#core/models.js';
import { validateRequest } from '#core/validate.js';
import { englishProblem } from '#adapters/shared/messages.js';
import { ConfigError, loadConfig, secretValues, type Config } from '../src/config.js';

const usage = `Usage: npm run imagine -- "<prompt>" [--model M] [--size S] [--quality Q] [--count N]
    [--background B] [--style S] [--out DIR]

  Generates images through the configured Images API (IMAGES_API_BASE_URL, IMAGES_API_KEY)
  and writes them to DIR (default ./out).

Exit codes: 0 done, 1 bad options, 2 bad configuration, 3 the API call failed.`;

const exitCodes = { badOptions: 1, badConfig: 2, apiFailed: 3 } as const;

const quit = (code: number, message: string): never => {
  console.error(message);
  process.exit(code);
};

const readArgs = () => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        size: { type: 'string' },
        quality: { type: 'string' },
        count: { type: 'string' },
        background: { type: 'string' },
        style: { type: 'string' },
        out: { type: 'string', default: 'out' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return quit(exitCodes.badOptions, `${(error as Error).message}\n\n${usage}`);
  }
};

const readConfig = (): Config => {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return quit(exitCodes.badConfig, error.message);
    throw error;
  }
};

/** Timestamp plus random suffix: runs in the same second, or in parallel, never overwrite each other. */
const writeImages = async (result: GenerationResult, directory: string): Promise<string[]> => {
  await mkdir(directory, { recursive: true });
  const stem = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  return Promise.all(
    result.images.map(async (image, index) => {
      const path = join(directory, `${stem}-${index + 1}.${extensionOf(image.contentType)}`);
      await writeFile(path, image.bytes, { flag: 'wx' });
      return path;
    }),
  );
};

const describeUsage = (result: GenerationResult): string => {
  if (!result.usage) return 'not reported';
  const { totalTokens, inputTokens, outputTokens } = result.usage;
  const parts = [
    inputTokens !== undefined && `input ${inputTokens}`,
    outputTokens !== undefined && `output ${outputTokens}`,
  ].filter(Boolean);
  return parts.length > 0 ? `${totalTokens} (${parts.join(', ')})` : String(totalTokens);
};

const main = async () => {
  const { values, positionals } = readArgs();
  if (values.help) return console.log(usage);
  const config = readConfig();

  const catalogue = new ModelCatalogue(config.images.extraModels);
  const validation = validateRequest(
    { ...values, prompt: positionals.join(' ') },
    catalogue,
    config.images.defaultModel,
  );
  if (!validation.ok) {
    return quit(exitCodes.badOptions, validation.problems.map(englishProblem).join('\n'));
  }
  const { request } = validation;

  const logger = createLogger({
    level: config.logLevel,
    secrets: secretValues(config),
    destination: process.stderr,
  });
  const client = createImagesClient({
    baseUrl: config.images.baseUrl,
    apiKey: config.images.apiKey,
    timeoutMs: config.images.timeoutMs,
    maxRetries: config.images.maxRetries,
    catalogue,
    logger,
  });
  const cancel = new AbortController();
  process.once('SIGINT', () => cancel.abort());

  let result: GenerationResult;
  try {
    result = await client.generate(request, {
      user: hashUser(config.images.userSalt, 'cli', userInfo().username),
      signal: cancel.signal,
    });
  } catch (error) {
    if (!(error instanceof ImagesApiError)) throw error;
    const param = error.details.param ? ` (parameter ${error.details.param})` : '';
    return quit(
      exitCodes.apiFailed,
      `Generation failed: ${error.kind}${param} after ${error.details.attempts} attempt(s): ${error.message}`,
    );
  }

  const paths = await writeImages(result, resolve(values.out));
  for (const path of paths) console.log(path);
  console.log(`model: ${request.model}`);
  console.log(`size: ${request.size}`);
  console.log(`tokens: ${describeUsage(result)}`);
  for (const image of result.images) {
    if (image.revisedPrompt) console.log(`revised prompt: ${image.revisedPrompt}`);
  }
};

await main();
