/**
 * The fake Slack itself, proven against the real Bolt app and the real WebClient: if these fail,
 * the adapter's end-to-end tests would prove nothing.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi, type SlashCommand } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { slackSignature } from './fakes/slack/signed-request.js';

const signingSecret = 'fake-signing-secret';

let fake: FakeSlack;
let app: App | undefined;

beforeEach(async () => {
  fake = await startFakeSlack();
});

afterEach(async () => {
  await app?.stop();
  app = undefined;
  await fake.close();
});

const commandsSeen: SlashCommand[] = [];

const boltApp = (mode: 'socket' | 'http'): App => {
  const created = new App({
    token: fake.botToken,
    ...(mode === 'socket' ? { socketMode: true, appToken: fake.appToken } : { signingSecret }),
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });
  created.command('/imagine', async ({ command, ack, respond }) => {
    await ack();
    commandsSeen.push(command);
    await respond({ response_type: 'ephemeral', text: `got ${command.text}` });
  });
  return created;
};

describe('fake Slack with a real Bolt app', () => {
  it('delivers a slash command over Socket Mode and receives the ack and the response_url reply', async () => {
    app = boltApp('socket');
    await app.start();
    expect(fake.callsOf('apps.connections.open')).toHaveLength(1);

    const ack = await fake.viaSocket().command({
      command: '/imagine',
      text: 'a cat',
      userId: 'U1',
      channelId: 'C1',
    });

    expect(ack).toMatchObject({ payload: {} });
    const reply = await fake.waitFor('the response_url reply', () => fake.responses[0]);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', text: 'got a cat' });
    expect(commandsSeen.at(-1)).toMatchObject({ team_id: fake.workspace.teamId, user_id: 'U1' });
  });

  it('delivers a signed slash command over HTTP and the app answers 200', async () => {
    app = boltApp('http');
    const server = (await app.start(0)) as Server;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

    const ack = await fake
      .viaHttp(url, { signingSecret })
      .command({ command: '/imagine', text: 'a dog', userId: 'U2', channelId: 'C2' });

    expect(ack).toMatchObject({ status: 200 });
    const reply = await fake.waitFor('the response_url reply', () => fake.responses[0]);
    expect(reply.body).toMatchObject({ text: 'got a dog' });
  });

  it('has the app refuse a post signed with another secret', async () => {
    app = boltApp('http');
    const server = (await app.start(0)) as Server;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

    const ack = await fake
      .viaHttp(url, { signingSecret: 'not-the-secret' })
      .command({ command: '/imagine', text: 'forged', userId: 'U3', channelId: 'C3' });

    expect(ack).toMatchObject({ status: 401 });
    expect(fake.responses).toHaveLength(0);
  });
});

describe('fake Slack Web API', () => {
  const client = () =>
    new webApi.WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
    });

  it('keeps the bytes files.uploadV2 sends and shares them in the channel with the comment', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]);

    const result = await client().files.uploadV2({
      channel_id: 'C9',
      initial_comment: 'a comment',
      thread_ts: '1.000001',
      file_uploads: [{ file: bytes, filename: 'image-1.png' }],
    });

    expect(result.ok).toBe(true);
    const [file] = fake.workspace.files.values();
    expect(file?.bytes).toEqual(bytes);
    expect(file?.shared).toMatchObject({
      channel: 'C9',
      initialComment: 'a comment',
      threadTs: '1.000001',
    });
    expect(fake.callsOf('files.completeUploadExternal')).toHaveLength(1);
  });

  it('answers 429 with Retry-After the chosen number of times, then serves the call', async () => {
    fake.rateLimit('chat.postMessage', 2, 0);

    const posted = await client().chat.postMessage({ channel: 'C1', text: 'hello' });

    expect(posted.ok).toBe(true);
    expect(fake.calls.filter((call) => call.method === 'chat.postMessage')).toHaveLength(3);
    expect(fake.workspace.messages.map((message) => message.text)).toEqual(['hello']);
  });

  it('refuses a call with the wrong token', async () => {
    const intruder = new webApi.WebClient('xoxb-wrong', {
      slackApiUrl: fake.apiUrl,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 0 },
    });

    await expect(intruder.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    expect(fake.workspace.messages).toHaveLength(0);
  });

  it('reports locale and admin flags only as users.info does', async () => {
    fake.workspace.setUser({ id: 'UADMIN', isAdmin: true, locale: 'ko-KR' });

    const withLocale = await client().users.info({ user: 'UADMIN', include_locale: true });
    const withoutLocale = await client().users.info({ user: 'UADMIN' });

    expect(withLocale.user).toMatchObject({ is_admin: true, locale: 'ko-KR' });
    expect(withoutLocale.user?.locale).toBeUndefined();
  });
});

describe('slackSignature', () => {
  it('matches the documented v0 HMAC-SHA256 of "v0:timestamp:body"', () => {
    // Slack's published example: https://api.slack.com/authentication/verifying-requests-from-slack
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});
