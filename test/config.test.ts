import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, secretValues } from '../src/config.js';

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
    });
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
});
