/**
 * Settings take effect at once in every process on one Redis store: a change made through a second
 * OS process (its own core, its own Redis connection) is obeyed by the Slack bot's next command,
 * and a change made through Slack is obeyed by the other process, with no wait in between.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';
import { describeRedis, redisUrl } from './support/redis.js';

const small = '--model dall-e-2 --size 256x256';

describeRedis('settings shared through Redis', () => {
  let slack: FakeSlack;
  let bot: SlackBot;
  let worker: ChildProcess | undefined;

  afterEach(async () => {
    worker?.kill();
    worker = undefined;
    await bot.core.store.kv.delete(`policy:${slack.workspace.teamId}`);
    await bot.stop();
    await slack.close();
  });

  it('obeys a change made through another process at once, both ways', async () => {
    const teamId = `T${randomBytes(5).toString('hex').toUpperCase()}`;
    slack = await startFakeSlack({ teamId, users: [{ id: 'UADMIN', isAdmin: true }] });
    const storeNamespace = `settings-${teamId}`;
    bot = await startSlackBot({ mode: 'socket', slack, storeUrl: redisUrl, storeNamespace });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/settings-worker.ts',
        redisUrl,
        storeNamespace,
        teamId,
        bot.core.api.baseUrl,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    worker = child;
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async () => JSON.parse(String((await lines.next()).value)) as string;
    const inWorker = async (line: string) => {
      child.stdin!.write(`${line}\n`);
      return next();
    };
    expect(await next()).toBe('ready');

    const answer = async (command: string, text: string, channelId = 'C1') => {
      const before = slack.responses.length;
      await bot.send.command({ command, text, userId: 'UADMIN', channelId });
      return String(
        (await slack.waitFor(`the answer to ${command}`, () => slack.responses[before]?.body)).text,
      );
    };

    expect(await inWorker('settings blocked add comet')).toBe('Saved. Blocked terms: 1.');
    expect(await answer('/imagine', `a Ｃ Ｏ Ｍ Ｅ Ｔ ${small}`)).toMatch(
      /^That prompt contains a term this server blocks/,
    );

    expect(await answer('/imagine-settings', 'channels allow <#C9|art>')).toBe(
      'Saved. Channels: <#C9>.',
    );
    expect(await inWorker('imagine a meadow')).toBe('channelNotAllowed');

    expect(await inWorker('settings channels clear')).toBe('Saved. Channels: everywhere.');
    expect(await inWorker('settings blocked remove comet')).toBe('Saved. Blocked terms: 0.');
    await bot.send.command({
      command: '/imagine',
      text: `a comet ${small}`,
      userId: 'U1',
      channelId: 'C1',
    });
    await slack.waitFor('the result', () =>
      slack.workspace.messages.some((message) => message.fileIds.length > 0),
    );
    expect(bot.core.api.requests.map((request) => request.body?.prompt)).toEqual(['a comet']);
  });
});
