/**
 * `npm start` as operators run it: the real process, its exit codes and output, the whole bot on
 * Discord and Slack at once against the fakes on loopback, and a graceful SIGTERM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { messagesFor } from '#adapters/shared/messages.js';
import { smallImageOptions, startFakeDiscord } from './fakes/discord/index.js';
import {
  startFakeImagesApi,
  type FakeImagesApi,
  type RecordedRequest,
} from './fakes/images-api.js';
import { startFakeSlack } from './fakes/slack/server.js';
import { expectDeliveredOnce, imagesUsed, resultOf, shownOn } from './support/discord-outcomes.js';
import { parseLogLines, startBotProcess } from './support/process-bot.js';
import { makeTempDir } from './support/tmp.js';

const tempDir = await makeTempDir('imagine-start-');
let storeSequence = 0;
const freshStoreUrl = () => `sqlite://${tempDir}/bot-${(storeSequence += 1)}.sqlite`;

/** Distinct, recognisable secrets: any of them in the output is a leak. */
const secrets = {
  IMAGES_API_KEY: 'sk-start-test-key-7f3a9c21e4b8',
  DISCORD_TOKEN: 'discord-start-token.Xq81.c9d2e7f0a6b3',
  SLACK_BOT_TOKEN: 'xoxb-start-bot-token-51c8e2a9d7',
  SLACK_APP_TOKEN: 'xapp-start-app-token-0b6f4d3e12',
  SLACK_SIGNING_SECRET: 'start-signing-secret-9e2c7a41',
};

const expectNoSecret = (output: string) => {
  for (const [name, value] of Object.entries(secrets))
    expect(output.includes(value), `${name} appears in the output`).toBe(false);
};

const english = messagesFor('en');

const isRunning = (line: { msg?: string }) => line.msg === 'imagine-bot is running';

/** The request whose prompt is `prompt`, with the images the fake sent for it. */
const upstreamFor = (api: FakeImagesApi, prompt: string): RecordedRequest | undefined =>
  api.requests.find((request) => request.body?.prompt === prompt);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// Every test starts a fresh tsx process: seconds when idle, far more on a cold, busy CI runner.
describe.sequential('npm start', { timeout: 60_000 }, () => {
  it('exits 2 and names the platform variables when no chat platform is configured', async () => {
    const bot = startBotProcess({ IMAGES_API_KEY: secrets.IMAGES_API_KEY });

    expect(await bot.exit(), bot.troubles()).toEqual({ code: 2, signal: null });
    for (const variable of [
      'DISCORD_TOKEN',
      'SLACK_BOT_TOKEN',
      'SLACK_APP_TOKEN',
      'SLACK_SIGNING_SECRET',
    ])
      expect(bot.stderr()).toContain(variable);
    expectNoSecret(bot.stdout() + bot.stderr());
  });

  it('exits 2 naming every bad variable and what it allows, without printing a secret', async () => {
    const bot = startBotProcess({
      IMAGES_API_KEY: secrets.IMAGES_API_KEY,
      IMAGES_API_BASE_URL: 'ftp://images.example',
      QUEUE_CONCURRENCY: '0',
      LOG_LEVEL: 'loud',
      STORE_URL: 'mysql://db/imagine',
      QUOTA_PERIOD: 'fortnight',
      DISCORD_TOKEN: secrets.DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: 'my-app',
      // A Slack bot token with neither companion: Socket Mode and HTTP mode both need one.
      SLACK_BOT_TOKEN: secrets.SLACK_BOT_TOKEN,
    });

    expect(await bot.exit(), bot.troubles()).toEqual({ code: 2, signal: null });
    const problems = bot.stderr();
    expect(problems).toContain('IMAGES_API_BASE_URL must be an http(s) URL');
    expect(problems).toContain('QUEUE_CONCURRENCY must be at least 1');
    expect(problems).toContain(
      'LOG_LEVEL must be fatal, error, warn, info, debug, trace or silent',
    );
    expect(problems).toContain('STORE_URL must be sqlite://<path>, redis://host:port');
    expect(problems).toContain('QUOTA_PERIOD must be day, week or month');
    expect(problems).toContain('DISCORD_APPLICATION_ID must be a numeric snowflake');
    expect(problems).toContain('SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is required');
    expect(bot.stdout()).toBe('');
    expectNoSecret(problems);
  });

  it('serves /imagine on Discord and on Slack (Socket Mode) at once, keeping every secret out of its log', async () => {
    const api = await startFakeImagesApi({ apiKey: secrets.IMAGES_API_KEY });
    closers.push(() => api.close());
    const discord = await startFakeDiscord({ token: secrets.DISCORD_TOKEN });
    closers.push(() => discord.close());
    const slack = await startFakeSlack({
      botToken: secrets.SLACK_BOT_TOKEN,
      appToken: secrets.SLACK_APP_TOKEN,
    });
    closers.push(() => slack.close());
    const owner = discord.addUser('mina');
    const guild = discord.addGuild('Garden', owner);

    const bot = startBotProcess({
      ...secrets,
      IMAGES_API_BASE_URL: api.baseUrl,
      STORE_URL: freshStoreUrl(),
      // The most talkative level: the more the bot logs, the more chances to leak.
      LOG_LEVEL: 'trace',
      DISCORD_API_BASE_URL: discord.restApi,
      SLACK_API_URL: slack.apiUrl,
    });
    await bot.waitForLog('the bot to be running', isRunning);
    await slack.socket.waitForConnection();

    const discordPrompt = '정원의 고양이, from Discord';
    const interaction = discord.runCommand({
      guild,
      user: owner,
      name: 'imagine',
      options: smallImageOptions(discordPrompt),
    });
    await slack.viaSocket().command({
      command: '/imagine',
      text: 'a red fox in the snow --model dall-e-2 --size 256x256',
      userId: 'U1',
      channelId: 'C7',
    });

    const discordResult = await resultOf(
      discord,
      interaction,
      'the Discord result with its images',
      15_000,
    );
    const slackFile = await slack.waitFor(
      'the Slack upload shared in the channel',
      () => [...slack.workspace.files.values()].find((file) => file.shared?.channel === 'C7'),
      15_000,
    );

    expect(discordResult.attachments.map((attachment) => attachment.bytes)).toEqual(
      upstreamFor(api, discordPrompt)?.images,
    );
    expect(slackFile.bytes).toEqual(upstreamFor(api, 'a red fox in the snow')?.images[0]);

    bot.signal('SIGTERM');
    expect(await bot.exit(), bot.troubles()).toEqual({ code: 0, signal: null });
    // Every line is JSON for the operator's log collector, and a clean run logs no error.
    const errors = parseLogLines(bot.stdout()).filter((line) => line.level >= 50);
    expect(errors).toEqual([]);
    expectNoSecret(bot.stdout() + bot.stderr());
  });

  it('refuses to start a second process on the SQLite file another one is using, naming redis://', async () => {
    const discord = await startFakeDiscord({ token: secrets.DISCORD_TOKEN });
    closers.push(() => discord.close());
    const variables = {
      IMAGES_API_KEY: secrets.IMAGES_API_KEY,
      STORE_URL: freshStoreUrl(),
      DISCORD_TOKEN: secrets.DISCORD_TOKEN,
      DISCORD_API_BASE_URL: discord.restApi,
    };
    const first = startBotProcess(variables);
    await first.waitForLog('the first bot to be running', isRunning);

    const second = startBotProcess(variables);
    expect(await second.exit(), second.troubles()).toEqual({ code: 1, signal: null });
    expect(second.stderr()).toContain('in use by another bot process');
    expect(second.stderr()).toContain('STORE_URL=redis://');

    // The first carries on untouched, and stops in order.
    first.signal('SIGTERM');
    expect(await first.exit(), first.troubles()).toEqual({ code: 0, signal: null });
  });

  /** A Discord guild with one member whose job runs long, and three whose jobs wait behind it. */
  const startBusyBot = async (options: { graceMs: number; via?: 'node' | 'npm' }) => {
    const api = await startFakeImagesApi({ apiKey: secrets.IMAGES_API_KEY });
    // Long enough for the others to queue behind it on a busy runner, well inside the grace period.
    api.failNext(1, { type: 'latency', ms: 4_000 });
    closers.push(() => api.close());
    const discord = await startFakeDiscord({ token: secrets.DISCORD_TOKEN });
    closers.push(() => discord.close());
    const owner = discord.addUser('mina');
    const guild = discord.addGuild('Garden', owner);
    const waiting = ['jun', 'sora', 'hana'].map((name) => discord.addUser(name));
    const variables = {
      IMAGES_API_KEY: secrets.IMAGES_API_KEY,
      IMAGES_API_BASE_URL: api.baseUrl,
      STORE_URL: freshStoreUrl(),
      LOG_LEVEL: 'debug',
      QUEUE_CONCURRENCY: '1',
      QUEUE_SHUTDOWN_GRACE_MS: String(options.graceMs),
      DISCORD_TOKEN: secrets.DISCORD_TOKEN,
      DISCORD_API_BASE_URL: discord.restApi,
    };
    const bot = startBotProcess(variables, { via: options.via ?? 'node' });
    await bot.waitForLog('the bot to be running', isRunning);
    const runningJob = discord.runCommand({
      guild,
      user: owner,
      name: 'imagine',
      options: smallImageOptions('the one that runs', 2),
    });
    await discord.world.until(
      () =>
        shownOn(discord, runningJob.id)?.history.some((state) =>
          state.content.includes(english.started()),
        ),
      'the first job to start',
      10_000,
    );
    const queuedJobs = waiting.map((user, index) =>
      discord.runCommand({
        guild,
        user,
        name: 'imagine',
        options: smallImageOptions(`waiting ${index + 1}`, 2),
      }),
    );
    await discord.world.until(
      () =>
        queuedJobs.every((job) =>
          shownOn(discord, job.id)?.history.some((state) =>
            queuedJobs.some((_, index) => state.content.includes(english.queued(index + 1))),
          ),
        ),
      'every waiting job to show its queue position',
      10_000,
    );
    expect(upstreamFor(api, 'the one that runs')?.images, 'answered before the stop').toEqual([]);
    return { api, discord, guild, owner, waiting, variables, bot, runningJob, queuedJobs };
  };

  type BusyBot = Awaited<ReturnType<typeof startBusyBot>>;

  /** Every job of the busy bot shows its own images, and upstream made each job's images once. */
  const expectEachDeliveredOnce = async (busy: BusyBot, prompts: readonly string[]) => {
    for (const [index, job] of [busy.runningJob, ...busy.queuedJobs].entries()) {
      await expectDeliveredOnce(busy.discord, busy.api, job, prompts[index]!);
    }
  };

  /** Reopens the store as the next start would, and reads each member's images used. */
  const usedImages = (busy: BusyBot) =>
    imagesUsed(
      busy.variables,
      [busy.owner, ...busy.waiting].map((user) => ({ guildId: busy.guild.id, userId: user.id })),
    );

  const prompts = ['the one that runs', 'waiting 1', 'waiting 2', 'waiting 3'];

  it('on SIGTERM finishes the running job, keeps the waiting ones queued, and runs them at the next start, each charged once', async () => {
    const graceMs = 8_000;
    const busy = await startBusyBot({ graceMs });

    busy.bot.signal('SIGTERM');
    // Bounded: the grace period for the running job, plus closing the platforms and the store.
    expect(await busy.bot.exit(graceMs + 10_000), busy.bot.troubles()).toEqual({
      code: 0,
      signal: null,
    });
    expect(shownOn(busy.discord, busy.runningJob.id)?.attachments).toHaveLength(2);
    for (const job of busy.queuedJobs)
      expect(shownOn(busy.discord, job.id)?.content).toContain(english.suspended());
    expect(busy.api.requests).toHaveLength(1);

    const next = startBotProcess(busy.variables);
    await next.waitForLog('the bot to be running', isRunning);
    await expectEachDeliveredOnce(busy, prompts);
    next.signal('SIGTERM');
    expect(await next.exit(), next.troubles()).toEqual({ code: 0, signal: null });
    expect(await usedImages(busy)).toEqual([2, 2, 2, 2]);
  });

  it('after kill -9 with jobs running and waiting, the next start delivers every one once, charged once', async () => {
    const busy = await startBusyBot({ graceMs: 8_000 });

    busy.bot.signalGroup('SIGKILL');
    expect(await busy.bot.exit()).toEqual({ code: null, signal: 'SIGKILL' });
    for (const job of busy.queuedJobs)
      expect(shownOn(busy.discord, job.id)?.attachments ?? []).toHaveLength(0);

    const next = startBotProcess(busy.variables);
    await next.waitForLog('the bot to be running', isRunning);
    await expectEachDeliveredOnce(busy, prompts);
    // The job cut off mid-call was asked again: upstream saw it twice, answered it once.
    expect(busy.api.requests.filter((request) => request.body?.prompt === prompts[0])).toHaveLength(
      2,
    );
    next.signal('SIGTERM');
    expect(await next.exit(), next.troubles()).toEqual({ code: 0, signal: null });
    expect(await usedImages(busy)).toEqual([2, 2, 2, 2]);
  });

  it('takes SIGTERM to the process group of `npm start` as one orderly stop', async () => {
    const busy = await startBusyBot({ graceMs: 8_000, via: 'npm' });

    busy.bot.signalGroup('SIGTERM');
    // npm itself ends on the signal at once; its end is seen once the bot, holding its output, has.
    await busy.bot.exit(18_000);
    const lines = parseLogLines(busy.bot.stdout());
    expect(lines.filter((line) => line.msg === 'shutting down')).toHaveLength(1);
    expect(lines.some((line) => line.msg === 'second signal: exiting without waiting')).toBe(false);
    expect(lines.at(-1)?.msg, busy.bot.troubles()).toBe('shut down');
    // The running job was finished and delivered, not abandoned.
    expect(shownOn(busy.discord, busy.runningJob.id)?.attachments).toHaveLength(2);
  });

  it('takes SIGTERM sent to npm alone as the same orderly stop', async () => {
    const busy = await startBusyBot({ graceMs: 8_000, via: 'npm' });

    busy.bot.signal('SIGTERM');
    // npm ends without passing the signal on; the bot notices it is orphaned and stops in order.
    await busy.bot.exit(18_000);
    const lines = parseLogLines(busy.bot.stdout());
    expect(lines.filter((line) => line.msg === 'shutting down')).toHaveLength(1);
    expect(lines.at(-1)?.msg, busy.bot.troubles()).toBe('shut down');
    expect(shownOn(busy.discord, busy.runningJob.id)?.attachments).toHaveLength(2);
  });
});
