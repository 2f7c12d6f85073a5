/**
 * `npm run fake-api`: a local stand-in for the Images API, so an operator can try the bot and the
 * `imagine` command without a key or credits. It accepts any key unless `--key` is given.
 */
import { parseArgs } from 'node:util';
import { startFakeImagesApi, type Fault, type ResponseMode } from '#test/fakes/images-api.js';

const usage = `Usage: npm run fake-api -- [--port N] [--latency MS] [--mode b64_json|url|both] [--key KEY]
    [--fail 429|500|502|503|moderation|401|hang]

  --port      port to listen on (default: FAKE_API_PORT, else 8787)
  --latency   delay before every answer, in milliseconds (default 0)
  --mode      how images are returned (default b64_json)
  --key       only accept this API key (default: accept any)
  --fail      answer every request with this failure`;

const failures: Record<string, Fault> = {
  '429': { type: 'rateLimited', retryAfter: '2' },
  '500': { type: 'serverError', status: 500 },
  '502': { type: 'serverError', status: 502 },
  '503': { type: 'serverError', status: 503 },
  moderation: { type: 'moderation' },
  '401': { type: 'unauthorized' },
  hang: { type: 'hang' },
};

const fail = (message: string): never => {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
};

const wholeNumber = (name: string, value: string): number => {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
    return fail(`--${name} must be a whole number, got "${value}"`);
  }
  return number;
};

const readArgs = () => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: process.env.FAKE_API_PORT ?? '8787' },
        latency: { type: 'string', default: '0' },
        mode: { type: 'string', default: 'b64_json' },
        key: { type: 'string' },
        fail: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
};

const main = async () => {
  const parsed = readArgs();
  if (parsed.help) {
    console.log(usage);
    return;
  }
  const mode = parsed.mode as ResponseMode;
  if (!['b64_json', 'url', 'both'].includes(mode))
    fail(`--mode must be b64_json, url or both, got "${mode}"`);
  const fault = parsed.fail === undefined ? undefined : failures[parsed.fail];
  if (parsed.fail !== undefined && fault === undefined) {
    fail(`--fail must be one of ${Object.keys(failures).join(', ')}, got "${parsed.fail}"`);
  }

  const fake = await startFakeImagesApi({
    port: wholeNumber('port', parsed.port),
    latencyMs: wholeNumber('latency', parsed.latency),
    responseMode: mode,
    apiKey: parsed.key,
  });
  fake.setFault(fault);
  console.log(`Fake Images API listening. Set:\n  IMAGES_API_BASE_URL=${fake.baseUrl}`);
  console.log(
    parsed.key === undefined ? '  IMAGES_API_KEY=<anything>' : '  IMAGES_API_KEY=<the --key value>',
  );

  const stop = () => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

await main();
