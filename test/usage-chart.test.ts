/**
 * `/quota-admin report`: the chart's data is checked as data (which user is which bar, how many
 * images each day, the day's spend), built from usage the real service recorded; the picture is
 * checked only for being a PNG of the asked size, and for reaching an admin on Discord and Slack.
 */
import { MessageFlags } from 'discord.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  othersSeries,
  renderUsageChart,
  usageChartData,
  usageChartSpec,
} from '#adapters/shared/usage-chart.js';
import type { DailyUsage } from '#core/quota/types.js';
import { startTestBot } from './fakes/discord/bot.js';
import {
  adminPermissions,
  smallImageOptions,
  startFakeDiscord,
  type InteractionOption,
} from './fakes/discord/index.js';
import { startFakeSlack } from './fakes/slack/server.js';
import { startSlackBot } from './fakes/slack/slack-bot.js';
import { closeAfterEach } from './support/close-after-each.js';
import { delivery, requester, smallRequest, startHarness } from './support/service-harness.js';

const closeLater = closeAfterEach();
const labels = { images: 'Images', spend: 'Spend (USD)', day: 'Day (UTC)' };
const today = () => new Date().toISOString().slice(0, 10);

const use = (images: number, micros = images * 16_000) => ({ images, micros });

describe('usage chart data', () => {
  it('stacks each day by the five top users over the range, the rest as others, with the day’s spend', () => {
    const history: DailyUsage[] = [
      {
        date: '2026-11-24',
        users: { a: use(5), b: use(1), c: use(1), d: use(1), e: use(1), f: use(1) },
      },
      { date: '2026-11-25', users: {} },
      { date: '2026-11-26', users: { b: use(6), g: use(1, 250_000), a: use(0) } },
    ];

    const data = usageChartData(history);

    expect(data.days).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
    // b 7, a 5, then c, d, e, f and g with one each: ties go to the dearer, then by id.
    expect(data.topUsers.map((user) => [user.userId, user.images, user.micros])).toEqual([
      ['b', 7, 112_000],
      ['a', 5, 80_000],
      ['g', 1, 250_000],
      ['c', 1, 16_000],
      ['d', 1, 16_000],
    ]);
    expect(data.bars).toEqual([
      { date: '2026-11-24', series: '#2', images: 5 },
      { date: '2026-11-24', series: '#1', images: 1 },
      { date: '2026-11-24', series: '#4', images: 1 },
      { date: '2026-11-24', series: '#5', images: 1 },
      { date: '2026-11-24', series: othersSeries, images: 2 },
      { date: '2026-11-26', series: '#1', images: 6 },
      { date: '2026-11-26', series: '#3', images: 1 },
    ]);
    expect(data.spend).toEqual([
      { date: '2026-11-24', usd: 0.16 },
      { date: '2026-11-25', usd: 0 },
      { date: '2026-11-26', usd: 0.346 },
    ]);
    expect(data.totals).toEqual({ images: 17, micros: 506_000 });
  });

  it('follows the usage the service recorded, and renders a PNG of the asked size', async () => {
    const harness = closeLater(await startHarness(), (opened) => opened.close());
    const deliver = async (userId: string, count: number) => {
      const { job } = await harness.service.submit(
        smallRequest(`for ${userId}`, count),
        requester('g1', userId),
        delivery,
      );
      expect((await harness.reporter.ending(job.id)).type).toBe('completed');
    };
    await deliver('mina', 3);
    await deliver('jun', 1);
    await deliver('mina', 1);
    // Refused upstream: counted nowhere.
    harness.api.failNext(1, { type: 'moderation' });
    const { job } = await harness.service.submit(
      smallRequest('refused', 2),
      requester('g1', 'jun'),
      delivery,
    );
    expect((await harness.reporter.ending(job.id)).type).toBe('failed');

    const data = usageChartData(await harness.quotas.history('g1', 30));

    expect(data.days).toHaveLength(30);
    expect(data.days.at(-1)).toBe(today());
    expect(data.bars).toEqual([
      { date: today(), series: '#1', images: 4 },
      { date: today(), series: '#2', images: 1 },
    ]);
    // dall-e-2 at 256x256 is $0.016 an image.
    expect(data.spend.at(-1)).toEqual({ date: today(), usd: 0.08 });
    expect(data.spend.slice(0, -1).every((day) => day.usd === 0)).toBe(true);
    expect(data.topUsers.map((user) => user.userId)).toEqual(['mina', 'jun']);

    const size = { width: 640, height: 360 };
    const png = await renderUsageChart(usageChartSpec(data, size, labels), size);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 640, height: 360 });
  });
});

const report = (days?: number): InteractionOption[] => [
  {
    name: 'report',
    type: 1,
    options: days === undefined ? [] : [{ name: 'days', type: 4, value: days }],
  },
];

describe('/quota-admin report', () => {
  it('answers an admin on Discord privately with the chart attached and the top users named', async () => {
    const discord = closeLater(await startFakeDiscord(), (fake) => fake.close());
    const owner = discord.addUser('owner');
    const guild = discord.addGuild('Garden', owner);
    closeLater(await startTestBot(discord), (running) => running.stop());
    const member = discord.addUser('member');
    for (const [user, count] of [
      [member, 2],
      [owner, 1],
    ] as const) {
      const imagine = discord.runCommand({
        guild,
        user,
        name: 'imagine',
        options: smallImageOptions('a kite', count),
      });
      await discord.world.until(
        () => discord.world.messages.get(imagine.originalMessageId ?? '')?.embeds.length,
        'the delivered images',
        15_000,
      );
    }

    const interaction = discord.runCommand({
      guild,
      user: owner,
      name: 'quota-admin',
      permissions: adminPermissions,
      options: report(7),
    });
    const answer = await discord.world.until(
      () =>
        [...discord.world.messages.values()].find(
          (message) =>
            message.interactionId === interaction.id &&
            message.flags & MessageFlags.Ephemeral &&
            message.attachments.length > 0,
        ),
      'the private answer with the chart',
      15_000,
    );

    expect(answer.content).toBe(
      [
        'Last 7 days (UTC): 3 images, $0.05.',
        `#1 <@${member.id}>: 2 images, $0.03`,
        `#2 <@${owner.id}>: 1 image, $0.02`,
      ].join('\n'),
    );
    expect(answer.attachments.map((attachment) => attachment.filename)).toEqual(['usage-7d.png']);
    expect(await sharp(answer.attachments[0]!.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 1000,
      height: 500,
    });
  });

  it('sends a Slack admin the same chart in their direct messages and says so where they asked', async () => {
    const slack = closeLater(
      await startFakeSlack({ users: [{ id: 'UADMIN', isAdmin: true }] }),
      (fake) => fake.close(),
    );
    const bot = closeLater(await startSlackBot({ mode: 'socket', slack }), (running) =>
      running.stop(),
    );

    await bot.send.command({
      command: '/quota-admin',
      text: 'report',
      userId: 'UADMIN',
      channelId: 'C1',
    });

    const file = await slack.waitFor(
      'the chart in the direct messages',
      () => [...slack.workspace.files.values()].find((candidate) => candidate.shared),
      15_000,
    );
    expect(file.shared).toMatchObject({ channel: 'DUADMIN' });
    expect(file.shared?.initialComment).toBe('Last 30 days (UTC): 0 images, $0.00.');
    expect(file.filename).toBe('usage-30d.png');
    expect(await sharp(file.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 1000,
      height: 500,
    });
    const answer = await slack.waitFor('the ephemeral answer', () => slack.responses[0]?.body);
    expect(answer).toMatchObject({
      response_type: 'ephemeral',
      text: 'Sent to your direct messages with the bot.',
    });
  });
});
