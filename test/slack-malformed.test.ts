/**
 * Audit of issue 5's "a malformed command gets an ephemeral reply showing correct usage" for
 * /quota-admin, whose text carries a subcommand and positional arguments: through the real Bolt
 * app against the fake Slack, on a real SQLite store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from './support/tmp.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';

const tempDir = await makeTempDir('audit-slack-malformed-');

describe('a malformed /quota-admin from a workspace admin', () => {
  let slack: FakeSlack;
  let bot: SlackBot;

  beforeEach(async () => {
    slack = await startFakeSlack({ users: [{ id: 'UADMIN', isAdmin: true }] });
    bot = await startSlackBot({
      mode: 'socket',
      slack,
      storeUrl: `sqlite://${tempDir}/store.sqlite`,
      quota: { guildLimit: 40, userLimit: 4 },
    });
  });

  afterEach(async () => {
    await bot.stop();
    await slack.close();
  });

  it.each([
    ['an amount that is not a number', 'grant <@U1|alice> lots', 'grant'],
    ['a period that does not exist', 'guild-limit 10 fortnight', 'guild-limit'],
    ['an unknown subcommand', 'frobnicate', 'show'],
    ['no subcommand at all', '', 'reset'],
  ])('answers %s with the usage, ephemerally, and changes nothing', async (_, text, form) => {
    await bot.send.command({ command: '/quota-admin', text, userId: 'UADMIN', channelId: 'C1' });

    const answer = await slack.waitFor('the reply', () => slack.responses[0]?.body);
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.text)).toContain('Usage:');
    expect(String(answer.text)).toContain(`/quota-admin ${form}`);
    const report = await bot.core.service.quotaAdmin.report(slack.workspace.teamId);
    expect(report.guild).toMatchObject({ limit: 40, used: 0, period: 'day' });
    expect(report.userOverrides).toEqual([]);
    expect(slack.workspace.messages).toHaveLength(0);
  });
});
