/**
 * The Slack adapter's pure parts, called directly, and its bounded Web API client against the fake
 * Slack over a real socket.
 */
import { readFile } from 'node:fs/promises';
import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCommands } from '#commands/registry.js';
import { createLogger } from '#core/log.js';
import { boltLogger } from '#adapters/slack/bolt-logger.js';
import {
  resolveRetryOptions,
  slackClientOptions,
  type SlackRetryOptions,
} from '#adapters/slack/client-options.js';
import { readSlackDelivery, resultMessageId } from '#adapters/slack/delivery.js';
import {
  createSlackMarkup,
  escapeSlack,
  quotePrompt,
  unescapeSlack,
} from '#adapters/slack/markup.js';
import { personFromUserInfo } from '#adapters/slack/people.js';
import { RecentOnce } from '#adapters/shared/recent-once.js';
import { imageFileName } from '#adapters/shared/job-text.js';
import { isChannelAccessError, sharedMessageTs } from '#adapters/slack/reporter.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';

describe('Slack markup', () => {
  it('escapes broadcast, mention and link syntax so Slack shows it as text', () => {
    expect(escapeSlack('hi <!channel> & <!here> <@U123> <https://x.test|click>')).toBe(
      'hi &lt;!channel&gt; &amp; &lt;!here&gt; &lt;@U123&gt; &lt;https://x.test|click&gt;',
    );
  });

  it('undoes the escaping Slack applies to command text, and only once', () => {
    expect(unescapeSlack('cats &amp; dogs &lt;b&gt; &amp;lt;')).toBe('cats & dogs <b> &lt;');
    const typed = 'a <!here> & <@U1> sign';
    expect(unescapeSlack(escapeSlack(typed))).toBe(typed);
  });

  it('turns only its own mention placeholders into real mentions', () => {
    const markup = createSlackMarkup('nonce1');
    const text = markup.render(`by ${markup.mention('U42')}: <@U99> <!everyone>`);
    expect(text).toBe('by <@U42>: &lt;@U99&gt; &lt;!everyone&gt;');
  });

  it('cannot be made to mention someone by text that imitates a placeholder without the nonce', () => {
    const markup = createSlackMarkup('secret');
    const forged = createSlackMarkup('guess').mention('U1');
    expect(markup.render(`prompt ${forged}`)).not.toContain('<@U1>');
  });

  it('leaves a value that is not a user id as plain, escaped text', () => {
    const markup = createSlackMarkup();
    expect(markup.render(markup.mention('<!channel>'))).toBe('&lt;!channel&gt;');
  });

  it('quotes a multi-line prompt line by line, escaped, and cuts a long one', () => {
    expect(quotePrompt('a <b>\nc & d')).toBe('>a &lt;b&gt;\n>c &amp; d');
    expect(quotePrompt('고양이'.repeat(10), 4)).toBe('>고양이고…');
  });
});

describe('RecentOnce', () => {
  it('admits a key once per window and again after it', () => {
    const recent = new RecentOnce(5_000);
    expect(recent.admit('U1/C1/1.0', 1_000)).toBe(true);
    expect(recent.admit('U1/C1/1.0', 5_999)).toBe(false);
    expect(recent.admit('U2/C1/1.0', 5_999)).toBe(true);
    expect(recent.admit('U1/C1/1.0', 6_000)).toBe(true);
  });
});

describe('users.info reading', () => {
  it('counts admins, owners and named admins as admins, and reads the locale', () => {
    expect(personFromUserInfo({ is_admin: true, locale: 'en-US' }, false)).toEqual({
      locale: 'en',
      isAdmin: true,
    });
    expect(personFromUserInfo({ is_owner: true, locale: 'ko-KR' }, false)).toEqual({
      locale: 'ko',
      isAdmin: true,
    });
    expect(personFromUserInfo({}, true)).toEqual({ locale: 'en', isAdmin: true });
    expect(personFromUserInfo({ is_admin: false }, false).isAdmin).toBe(false);
  });
});

describe('delivery data', () => {
  it('keys results by channel and ts, since a ts is unique only within its channel', () => {
    expect(resultMessageId('C1', '1.000001')).not.toBe(resultMessageId('C2', '1.000001'));
  });

  it('refuses an address without a channel', () => {
    expect(() => readSlackDelivery({ teamId: 'T1' })).toThrow(/channelId/);
  });

  it('finds the share ts in files.uploadV2 answers, and nothing when Slack left shares empty', () => {
    const answer = {
      ok: true,
      files: [
        { ok: true, files: [{ id: 'F1', shares: { public: { C1: [{ ts: '9.000001' }] } } }] },
      ],
    };
    expect(sharedMessageTs(answer, 'C1')).toBe('9.000001');
    expect(sharedMessageTs({ ok: true, files: [{ files: [{ shares: {} }] }] }, 'C1')).toBe(
      undefined,
    );
  });

  it('tells a channel closed to the bot from other Web API failures', () => {
    expect(isChannelAccessError({ data: { ok: false, error: 'not_in_channel' } })).toBe(true);
    expect(isChannelAccessError({ data: { ok: false, error: 'channel_not_found' } })).toBe(true);
    expect(isChannelAccessError({ data: { ok: false, error: 'ratelimited' } })).toBe(false);
    expect(isChannelAccessError(new Error('socket hang up'))).toBe(false);
  });

  it('names image files by their real content type', () => {
    const image = { bytes: Buffer.alloc(1), contentType: 'image/jpeg' as const };
    expect(imageFileName(image, 1)).toBe('imagine-2.jpeg');
  });
});

describe('retry options', () => {
  it('bounds the default policy well below the WebClient default of about 30 minutes', () => {
    const options = resolveRetryOptions();
    expect(options.retries).toBeLessThanOrEqual(5);
    expect(options.maxRetryTimeMs).toBeLessThanOrEqual(120_000);
    expect(options.maxRetryAfterSeconds).toBeLessThanOrEqual(60);
  });
});

describe('the bounded Web API client against the fake Slack', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack();
  });
  afterEach(() => fake.close());

  const client = (retry: SlackRetryOptions) => {
    const logger = boltLogger(createLogger({ level: 'silent' }));
    return new webApi.WebClient(
      fake.botToken,
      slackClientOptions(fake.apiUrl, resolveRetryOptions(retry), logger),
    );
  };

  it('waits out a Retry-After within the bound and then succeeds', async () => {
    fake.rateLimit('chat.postMessage', 1, 1);
    const answer = await client({ minTimeoutMs: 10, maxTimeoutMs: 10 }).chat.postMessage({
      channel: 'C1',
      text: 'after the wait',
    });
    expect(answer.ok).toBe(true);
    const attempts = fake.calls.filter((call) => call.method === 'chat.postMessage');
    expect(attempts.map((call) => call.status)).toEqual([429, 200]);
    // Honouring Retry-After: 1 means the second attempt came at least a second after the first.
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('gives up at once on a Retry-After beyond the bound instead of holding the call', async () => {
    fake.rateLimit('chat.postMessage', 1, 3_600);
    await expect(
      client({ maxRetryAfterSeconds: 2 }).chat.postMessage({ channel: 'C1', text: 'never' }),
    ).rejects.toThrow(/retry/i);
    expect(fake.calls.filter((call) => call.method === 'chat.postMessage')).toHaveLength(1);
    expect(fake.workspace.messages).toHaveLength(0);
  });

  it('stops retrying after the configured number of retries', async () => {
    fake.rateLimit('chat.update', 10, 0);
    await expect(
      client({ retries: 2, minTimeoutMs: 1, maxTimeoutMs: 1 }).chat.update({
        channel: 'C1',
        ts: '1.0',
        text: 'x',
      }),
    ).rejects.toThrow();
    expect(fake.calls.filter((call) => call.method === 'chat.update')).toHaveLength(3);
  });
});

describe('Slack app manifest', () => {
  const manifest = async () =>
    JSON.parse(
      await readFile(new URL('../commands/slack-manifest.json', import.meta.url), 'utf8'),
    ) as {
      features: { slash_commands: Array<{ command: string; should_escape?: boolean }> };
      oauth_config: { scopes: { bot: string[] } };
      settings: { event_subscriptions: { bot_events: string[] }; socket_mode_enabled: boolean };
    };

  it('declares every command in the registry, with mentions escaped so user options parse', async () => {
    const declared = (await manifest()).features.slash_commands;
    const registered = (await loadCommands()).map((definition) => `/${definition.name}`);
    expect(declared.map((command) => command.command).sort()).toEqual(registered.sort());
    expect(declared.every((command) => command.should_escape === true)).toBe(true);
  });

  it('asks for the scopes the adapter uses and the reaction_added event, in Socket Mode', async () => {
    const { oauth_config: oauth, settings } = await manifest();
    expect(oauth.scopes.bot).toEqual(
      expect.arrayContaining([
        'commands',
        'chat:write',
        'files:write',
        'reactions:read',
        'reactions:write',
        'users:read',
      ]),
    );
    expect(settings.event_subscriptions.bot_events).toContain('reaction_added');
    expect(settings.socket_mode_enabled).toBe(true);
  });
});
