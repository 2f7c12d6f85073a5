/**
 * The Discord adapter's pure parts, called directly: text cutting, upload packing and fitting,
 * option reading, command comparison, delivery addresses; and the reporter on its own against the
 * fake Discord, for the token-expiry path that needs a clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DiscordAPIError } from 'discord.js';
import { fitWithin, packIntoMessages } from '#adapters/discord/attachments.js';
import { commandJson, sameCommands } from '#adapters/discord/command-json.js';
import { readOptions } from '#adapters/discord/commands.js';
import {
  defaultUploadLimit,
  interactionDelivery,
  readDiscordDelivery,
  replyDelivery,
  toAddress,
} from '#adapters/discord/delivery.js';
import { statusBody } from '#adapters/discord/render.js';
import { DiscordReporter } from '#adapters/discord/reporter.js';
import { loggableError, withoutTokens } from '#adapters/discord/log.js';
import { cut } from '#adapters/discord/text.js';
import { Keyv } from 'keyv';
import { createLogger } from '#core/log.js';
import { createResultArchive } from '#store/results.js';
import type { Job } from '#core/jobs.js';
import type { Allowance } from '#core/quota/types.js';
import { ModelCatalogue } from '#core/models.js';
import { loadCommands } from '#commands/registry.js';
import { startFakeDiscord, type FakeDiscord } from '#test/fakes/discord/index.js';
import { noisyPng } from '#test/fakes/png.js';

const silent = createLogger({ level: 'silent' });

describe('cut', () => {
  it('leaves text within the limit alone', () => {
    expect(cut('short', 5)).toBe('short');
  });

  it('cuts by characters, never inside an emoji or a syllable, and marks the cut', () => {
    const cutText = cut('😀😀😀고양이', 4);
    expect(cutText).toBe('😀😀😀…');
    expect([...cutText]).toHaveLength(4);
  });
});

describe('loggableError', () => {
  const webhookUrl = 'https://discord.com/api/v10/webhooks/111/secret-token/messages/%40original';

  it('takes interaction tokens out of webhook and callback routes, leaving other routes alone', () => {
    expect(withoutTokens(webhookUrl)).toBe(
      'https://discord.com/api/v10/webhooks/111/:token/messages/%40original',
    );
    expect(
      withoutTokens('/api/v10/interactions/222/other-token/callback?with_response=false'),
    ).toBe('/api/v10/interactions/222/:token/callback?with_response=false');
    expect(withoutTokens('/api/v10/channels/333/messages')).toBe('/api/v10/channels/333/messages');
  });

  it('keeps what diagnoses a Discord error and drops the token and the uploaded bytes', () => {
    const error = new DiscordAPIError(
      { code: 10015, message: 'Unknown Webhook' },
      10015,
      404,
      'PATCH',
      webhookUrl,
      { files: [{ name: 'imagine-1.png', data: Buffer.alloc(1000) }], body: { content: 'hi' } },
    );

    const logged = JSON.stringify(loggableError(error));

    expect(JSON.parse(logged)).toMatchObject({ code: 10015, status: 404, method: 'PATCH' });
    expect(logged).toContain('/webhooks/111/:token/');
    expect(logged).not.toContain('secret-token');
    expect(logged).not.toContain('imagine-1.png');
  });
});

describe('packIntoMessages', () => {
  it('keeps order and puts at most the limit in bytes and files in each message', () => {
    expect(packIntoMessages([40, 40, 40, 90, 10], 100, 10)).toEqual([[0, 1], [2], [3, 4]]);
    expect(
      packIntoMessages(
        Array.from({ length: 12 }, () => 1),
        100,
        10,
      ),
    ).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11],
    ]);
  });

  it('refuses a file that alone is over the limit (it must be re-encoded first)', () => {
    expect(() => packIntoMessages([101], 100)).toThrow(
      /file 0 \(101 bytes\) is over the limit 100/,
    );
  });
});

describe('fitWithin', () => {
  it('returns an image within the limit untouched', async () => {
    const image = { bytes: Buffer.from('tiny'), contentType: 'image/png' as const };
    expect(await fitWithin(image, 10)).toBe(image);
  });

  it('re-encodes and shrinks a large image until it fits, keeping it a valid image', async () => {
    const image = { bytes: noisyPng(300_000), contentType: 'image/png' as const };

    const fitted = await fitWithin(image, 50_000);

    expect(fitted.bytes.length).toBeLessThanOrEqual(50_000);
    expect(fitted.contentType).toBe('image/webp');
    expect((await sharp(fitted.bytes).metadata()).format).toBe('webp');
  });
});

describe('readOptions', () => {
  it('reads the chosen subcommand and its typed options by name', async () => {
    const admin = (await loadCommands()).find((command) => command.name === 'quota-admin')!;
    const sent: Record<string, { type: number; value?: unknown; user?: { id: string } }> = {
      period: { type: 3, value: 'week' },
      limit: { type: 4, value: 3 },
      user: { type: 6, value: '42', user: { id: '42' } },
    };
    const parsed = readOptions(
      admin,
      {
        getSubcommandGroup: () => null,
        getSubcommand: () => 'user-limit',
        get: (name) => sent[name] ?? null,
      },
      new ModelCatalogue(),
    );

    expect(parsed).toEqual({
      subcommand: 'user-limit',
      values: { limit: 3, period: 'week', user: '42' },
    });
  });

  it('reads a subcommand inside a group, and channel options', async () => {
    const settings = (await loadCommands()).find((command) => command.name === 'imagine-settings')!;
    const parsed = readOptions(
      settings,
      {
        getSubcommandGroup: () => 'channels',
        getSubcommand: () => 'allow',
        get: (name) => (name === 'channel' ? { type: 7, value: '77' } : null),
      },
      new ModelCatalogue(),
    );

    expect(parsed).toEqual({ group: 'channels', subcommand: 'allow', values: { channel: '77' } });
  });
});

describe('sameCommands', () => {
  it('treats a command as Discord returns it (ids, nulls, omitted defaults) as the same', async () => {
    const [imagine] = await loadCommands();
    const desired = commandJson(imagine!, new ModelCatalogue());
    const returned = JSON.parse(JSON.stringify(desired)) as Record<string, unknown>;
    Object.assign(returned, { id: '1', application_id: '2', version: '3', nsfw: false });
    for (const option of returned.options as Array<Record<string, unknown>>) {
      if (option.required === false) delete option.required;
    }

    expect(sameCommands([desired], [returned])).toBe(true);
    expect(sameCommands([desired], [{ ...returned, description: 'changed' }])).toBe(false);
  });
});

describe('delivery addresses', () => {
  it('takes the token expiry and upload limit from the interaction, with Discord’s default', () => {
    const delivery = interactionDelivery({
      applicationId: '1',
      channelId: '2',
      token: 'token',
      createdTimestamp: 1_000_000,
      attachmentSizeLimit: null,
    });

    expect(delivery.uploadLimit).toBe(defaultUploadLimit);
    expect(delivery.tokenExpiresAt).toBeGreaterThan(1_000_000 + 14 * 60 * 1000);
    expect(delivery.tokenExpiresAt).toBeLessThan(1_000_000 + 15 * 60 * 1000);
    expect(readDiscordDelivery(toAddress(delivery))).toEqual(delivery);
  });

  it('gives a regenerate no token, so its results go to the channel as replies', () => {
    expect(replyDelivery({ applicationId: '1', channelId: '2', replyTo: '3' })).toEqual({
      applicationId: '1',
      channelId: '2',
      replyTo: '3',
      interactionToken: null,
      tokenExpiresAt: null,
      uploadLimit: defaultUploadLimit,
    });
  });

  it('refuses an address this adapter did not write, naming the field', () => {
    expect(() => readDiscordDelivery({ channelId: 'C1', teamId: 'T1' })).toThrow(/applicationId/);
  });
});

describe('statusBody', () => {
  it('stays within Discord’s content limit whatever the prompt', () => {
    const job = {
      requester: { userId: '7' },
      request: { prompt: 'x'.repeat(50_000) },
    } as Job;
    expect([...statusBody(job, 'Queued').content].length).toBeLessThanOrEqual(2000);
  });
});

describe('DiscordReporter', () => {
  /** One image used today, with no limit. */
  const unlimitedDay: Allowance = {
    used: 1,
    limit: null,
    remaining: null,
    period: 'day',
    resetsAt: '2030-01-01T00:00:00Z',
  };

  let discord: FakeDiscord | undefined;
  afterEach(async () => {
    await discord?.close();
  });

  it('shows a streamed preview on the status message, then turns that message into the result', async () => {
    discord = await startFakeDiscord();
    const guild = discord.addGuild('Garden', discord.addUser('owner'));
    const channelId = guild.channels[0]!.id;
    const earlier = discord.world.addMessage({
      content: 'an earlier result',
      embeds: [],
      attachments: [],
      flags: 0,
      allowedMentions: { parse: [] },
      channelId,
      guildId: guild.id,
      authorId: discord.applicationId,
      source: 'channel',
    });
    const reporter = new DiscordReporter({
      token: discord.token,
      apiBaseUrl: discord.restApi,
      logger: silent,
      archive: createResultArchive(new Keyv()),
    });
    const job: Job = {
      id: 'job-2',
      request: { prompt: 'sunrise', model: 'gpt-image-1', size: '1024x1024', count: 1 },
      requester: { platform: 'discord', guildId: guild.id, userId: '99', channelId, locale: 'en' },
      delivery: toAddress(
        replyDelivery({ applicationId: discord.applicationId, channelId, replyTo: earlier.id }),
      ),
      submittedAt: Date.now(),
      deadlineAt: Date.now() + 60_000,
    };
    const preview = noisyPng(2_000);

    await reporter.report(job, {
      type: 'partial',
      image: { bytes: preview, contentType: 'image/png', imageIndex: 0, partialIndex: 0 },
    });
    const status = await discord.world.until(
      () => discord!.world.channelMessages(channelId).find((m) => m.replyTo === earlier.id),
      'the preview',
    );
    await reporter.report(job, {
      type: 'completed',
      images: [{ bytes: noisyPng(3_000), contentType: 'image/png' }],
      elapsedMs: 900,
      quota: {
        guild: unlimitedDay,
        user: unlimitedDay,
      },
    });

    expect(status.history[0]?.content).toContain('Generating… (preview)');
    expect(status.history[0]?.attachments[0]).toMatchObject({ filename: 'preview.png' });
    expect(status.history[0]?.attachments[0]?.bytes).toEqual(preview);
    expect(status.attachments.map((attachment) => attachment.filename)).toEqual(['imagine-1.png']);
    expect(status.embeds[0]?.description).toBe('sunrise');
    expect(discord.world.channelMessages(channelId)).toHaveLength(2);
  });

  it('sends a job past its token expiry straight to the channel, never trying the webhook', async () => {
    discord = await startFakeDiscord();
    const guild = discord.addGuild('Garden', discord.addUser('owner'));
    const channelId = guild.channels[0]!.id;
    const archive = createResultArchive(new Keyv());
    const reporter = new DiscordReporter({
      token: discord.token,
      apiBaseUrl: discord.restApi,
      logger: silent,
      archive,
      clock: { now: () => Date.now() + 20 * 60 * 1000 },
    });
    const job: Job = {
      id: 'job-1',
      request: { prompt: 'late lanterns', model: 'dall-e-2', size: '256x256', count: 1 },
      requester: { platform: 'discord', guildId: guild.id, userId: '99', channelId, locale: 'en' },
      delivery: toAddress(
        interactionDelivery({
          applicationId: discord.applicationId,
          channelId,
          token: 'never-used',
          createdTimestamp: Date.now(),
        }),
      ),
      submittedAt: Date.now(),
      deadlineAt: Date.now() + 60_000,
    };
    const image = { bytes: noisyPng(1_000), contentType: 'image/png' as const };

    await reporter.report(job, {
      type: 'completed',
      images: [image],
      elapsedMs: 1200,
      quota: {
        guild: unlimitedDay,
        user: { ...unlimitedDay, limit: 5, remaining: 4 },
      },
    });

    const [posted] = discord.world.channelMessages(channelId);
    expect(posted?.attachments[0]?.bytes).toEqual(image.bytes);
    expect(posted?.content).toContain('4 of 5 left today');
    expect(discord.requests.some((request) => request.path.includes('/webhooks/'))).toBe(false);
    expect(await archive.load('discord', posted!.id)).toEqual(job.request);
  });
});
