import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, secretValues } from '../src/config.js';
import { makeTempDir } from './support/tmp.js';

const minimal = { IMAGES_API_KEY: 'sk-test-key-1234567890' };

const problemsOf = (env: Record<string, string | undefined>): readonly string[] => {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('needs only the API key and fills the documented defaults', () => {
    const config = parseConfig(minimal);
    expect(config.images).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      defaultModel: 'gpt-image-1.5',
      extraModels: [],
    });
    expect(config.storeUrl).toBe('sqlite://data/imagine-bot.sqlite');
    expect(config.logLevel).toBe('info');
    expect(config.queue.jobDeadlineMs).toBe(14 * 60 * 1000);
    expect(config.quota).toEqual({
      guildLimit: 500,
      userLimit: 25,
      period: 'day',
      guildTokenBudget: null,
      guildBudgetUsd: null,
    });
    expect(config.metricsPort).toBeUndefined();
    expect(config.images.prices.models['gpt-image-1']?.perMillionTokens?.imageOut).toBe(40);
    expect(config.discord).toBeUndefined();
    expect(config.slack).toBeUndefined();
  });

  it('names every wrong or missing variable at once, with the value and what is allowed', () => {
    const problems = problemsOf({
      IMAGES_API_BASE_URL: 'ftp://example',
      QUEUE_CONCURRENCY: 'many',
      QUOTA_PERIOD: 'year',
      STORE_URL: 'postgres://db',
      QUOTA_USER_LIMIT: '-3',
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/IMAGES_API_KEY is required/);
    expect(problems.join('\n')).toMatch(
      /IMAGES_API_BASE_URL must be an http\(s\) URL \(got "ftp:\/\/example"\)/,
    );
    expect(problems.join('\n')).toMatch(/QUEUE_CONCURRENCY must be a whole number \(got "many"\)/);
    expect(problems.join('\n')).toMatch(/QUOTA_PERIOD must be day, week or month \(got "year"\)/);
    expect(problems.join('\n')).toMatch(
      /STORE_URL must be sqlite:\/\/<path>, redis:\/\/host:port or memory:\/\/ \(tests only\)/,
    );
    expect(problems.join('\n')).toMatch(
      /QUOTA_USER_LIMIT must be a whole number or "unlimited" \(got "-3"\)/,
    );
  });

  it('reads the download hosts and the in-flight image budget, and names bad values', () => {
    expect(parseConfig(minimal).images).toMatchObject({
      downloadHosts: [],
      maxInflightBytes: 256 * 1024 * 1024,
    });
    expect(
      parseConfig({
        ...minimal,
        IMAGES_DOWNLOAD_HOSTS: 'storage.internal, minio.lan',
        IMAGES_MAX_INFLIGHT_BYTES: '67108864',
      }).images,
    ).toMatchObject({
      downloadHosts: ['storage.internal', 'minio.lan'],
      maxInflightBytes: 67108864,
    });
    expect(
      problemsOf({
        ...minimal,
        IMAGES_DOWNLOAD_HOSTS: 'http://storage.internal:9000',
        IMAGES_MAX_INFLIGHT_BYTES: '1000',
      }),
    ).toEqual([
      'IMAGES_DOWNLOAD_HOSTS must be host names separated by commas, without scheme or port (got "http://storage.internal:9000")',
      'IMAGES_MAX_INFLIGHT_BYTES must be at least 1048576 (got "1000")',
    ]);
  });

  it('reads the Discord shards this process runs, and names shard settings that cannot work', () => {
    const base = { IMAGES_API_KEY: 'key', DISCORD_TOKEN: 'token' };
    expect(parseConfig(base).discord).not.toHaveProperty('shardCount');
    expect(
      parseConfig({ ...base, DISCORD_SHARD_COUNT: '4', DISCORD_SHARD_IDS: '2, 3' }).discord,
    ).toMatchObject({ shardCount: 4, shardIds: [2, 3] });
    expect(parseConfig({ ...base, DISCORD_SHARD_COUNT: 'auto' }).discord?.shardCount).toBe(
      undefined,
    );
    expect(problemsOf({ ...base, DISCORD_SHARD_IDS: '0' })).toEqual([
      expect.stringMatching(/^DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT/),
    ]);
    expect(problemsOf({ ...base, DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '1,2' })).toEqual([
      expect.stringMatching(/^DISCORD_SHARD_IDS must each be below DISCORD_SHARD_COUNT \(2\)/),
    ]);
    expect(problemsOf({ ...base, DISCORD_SHARD_COUNT: '0', DISCORD_SHARD_IDS: 'one' })).toEqual([
      expect.stringMatching(/^DISCORD_SHARD_COUNT must be "auto" or a whole number from 1/),
      expect.stringMatching(/^DISCORD_SHARD_IDS must be shard ids separated by commas/),
    ]);
  });

  it('reads the role and namespace, and refuses a gateway or worker without Redis, saying why', () => {
    expect(parseConfig(minimal)).toMatchObject({ role: 'all', storeNamespace: 'imagine-bot' });
    expect(
      parseConfig({
        ...minimal,
        BOT_ROLE: 'Worker',
        STORE_URL: 'redis://127.0.0.1:6379',
        STORE_NAMESPACE: 'bot-2',
      }),
    ).toMatchObject({ role: 'worker', storeNamespace: 'bot-2' });
    expect(problemsOf({ ...minimal, BOT_ROLE: 'gateway' })).toEqual([
      'BOT_ROLE gateway needs STORE_URL=redis://…: gateways and workers share one queue through Redis (got STORE_URL sqlite://data/imagine-bot.sqlite)',
    ]);
    const [namespaceProblem, roleProblem] = problemsOf({
      ...minimal,
      BOT_ROLE: 'shard',
      STORE_NAMESPACE: 'a b',
    });
    expect(roleProblem).toMatch(
      /^BOT_ROLE must be all .*, gateway .* or worker .* \(got "?shard"?\)/,
    );
    expect(namespaceProblem).toMatch(/^STORE_NAMESPACE must be 1-64 letters/);
  });

  it('refuses a timer setting longer than Node can wait, naming the variable', () => {
    const problems = problemsOf({ ...minimal, QUEUE_JOB_DEADLINE_MS: String(2 ** 31) });
    expect(problems).toEqual([
      `QUEUE_JOB_DEADLINE_MS must be at most ${2 ** 31 - 1} (got "${2 ** 31}")`,
    ]);
  });

  it('never prints a secret value in a problem', () => {
    const problems = problemsOf({
      ...minimal,
      SLACK_BOT_TOKEN: 'xoxb-secret-token',
      IMAGES_USER_SALT: '',
    });
    expect(problems).toEqual([
      'SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN: set the app token for Socket Mode, or the signing secret for HTTP mode',
    ]);
    expect(problems.join('\n')).not.toContain('xoxb-secret-token');
  });

  it('reads "unlimited" limits as no limit', () => {
    const config = parseConfig({
      ...minimal,
      QUOTA_GUILD_LIMIT: 'unlimited',
      QUEUE_IMAGES_PER_MINUTE: '20',
    });
    expect(config.quota.guildLimit).toBeNull();
    expect(config.queue.imagesPerMinute).toBe(20);
  });

  it('enables each platform when its token is set', () => {
    const config = parseConfig({
      ...minimal,
      DISCORD_TOKEN: 'discord-token',
      DISCORD_API_BASE_URL: 'http://127.0.0.1:9999/api/',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_ADMIN_USER_IDS: 'U1, U2',
    });
    expect(config.discord).toMatchObject({
      token: 'discord-token',
      apiBaseUrl: 'http://127.0.0.1:9999/api',
    });
    expect(config.slack).toMatchObject({
      botToken: 'xoxb-1',
      appToken: 'xapp-1',
      port: 3000,
      apiUrl: 'https://slack.com/api/',
      adminUserIds: ['U1', 'U2'],
    });
  });

  it('derives a stable user salt that does not contain the key', () => {
    const first = parseConfig(minimal).images.userSalt;
    expect(parseConfig(minimal).images.userSalt).toBe(first);
    expect(first).not.toContain(minimal.IMAGES_API_KEY);
    expect(
      parseConfig({ ...minimal, IMAGES_API_KEY: 'sk-other-key-000' }).images.userSalt,
    ).not.toBe(first);
  });

  it('reports bad extra model entries with the variable name', () => {
    expect(problemsOf({ ...minimal, IMAGES_EXTRA_MODELS: 'x=y' })).toEqual([
      'IMAGES_EXTRA_MODELS "x=y": family must be one of gpt-image, gpt-image-mini, gpt-image-2, dall-e-2, dall-e-3, custom',
    ]);
  });

  it('lists every secret for the logger to scrub', () => {
    const config = parseConfig({ ...minimal, DISCORD_TOKEN: 'discord-token-abc' });
    expect(secretValues(config)).toEqual(
      expect.arrayContaining([minimal.IMAGES_API_KEY, 'discord-token-abc']),
    );
  });

  it('reads the metrics port and the dollar budget, and names bad ones with their values', () => {
    const config = parseConfig({
      ...minimal,
      METRICS_PORT: '9464',
      QUOTA_GUILD_BUDGET_USD: '12.50',
    });
    expect(config.metricsPort).toBe(9464);
    expect(config.quota.guildBudgetUsd).toBe(12.5);
    expect(
      parseConfig({ ...minimal, QUOTA_GUILD_BUDGET_USD: 'unlimited' }).quota.guildBudgetUsd,
    ).toBeNull();

    const problems = problemsOf({
      ...minimal,
      METRICS_PORT: '70000',
      QUOTA_GUILD_BUDGET_USD: '-5',
    });
    expect(problems).toEqual([
      'QUOTA_GUILD_BUDGET_USD must be an amount of US dollars >= 0, or "unlimited" (got "-5")',
      'METRICS_PORT must be a port number from 0 to 65535 (0: any free one), or empty for none (got "70000")',
    ]);
  });

  it('replaces the price table with IMAGES_PRICES_FILE, naming each bad key and its value', async () => {
    const dir = await makeTempDir('imagine-prices-');
    const good = join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        readOn: '2026-11-30',
        models: { 'house-model': { perImage: { standard: { '1024x1024': 0.5 } } } },
      }),
    );
    expect(parseConfig({ ...minimal, IMAGES_PRICES_FILE: good }).images.prices).toEqual({
      readOn: '2026-11-30',
      models: { 'house-model': { perImage: { standard: { '1024x1024': 0.5 } } } },
    });

    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        readOn: 'last week',
        models: {
          'gpt-image-1': {
            perImage: { low: { '1024x1024': 'cheap' } },
            perMillionTokens: { textIn: 5, imageIn: 10, imageOut: -1 },
          },
        },
      }),
    );
    const problems = problemsOf({ ...minimal, IMAGES_PRICES_FILE: bad, QUEUE_CONCURRENCY: 'x' });
    expect(problems).toHaveLength(2);
    const prices = problems.find((problem) => problem.startsWith('IMAGES_PRICES_FILE'));
    expect(prices).toContain(
      'readOn must be the date the prices were read, as YYYY-MM-DD (got "last week")',
    );
    expect(prices).toContain(
      'models.gpt-image-1.perImage.low.1024x1024 must be a number of US dollars (got "cheap")',
    );
    expect(prices).toContain(
      'models.gpt-image-1.perMillionTokens.imageOut must be a number of US dollars >= 0 (got -1)',
    );

    expect(problemsOf({ ...minimal, IMAGES_PRICES_FILE: join(dir, 'missing.json') })[0]).toMatch(
      /^IMAGES_PRICES_FILE .*missing\.json cannot be read: ENOENT/,
    );
  });
});
