/**
 * The Slack adapter end to end, in Socket Mode and in HTTP mode: the real Bolt app against the fake
 * Slack over loopback, the real service on a real store, the real Images client against the fake
 * Images API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from './support/tmp.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { signingSecret, startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';
import { postSigned } from './fakes/slack/signed-request.js';
import { slashCommandPayload } from './fakes/slack/payloads.js';
import type { FakeFile } from './fakes/slack/workspace.js';

const tempDir = await makeTempDir('slack-e2e-');
let storeSequence = 0;
const freshSqlite = () => `sqlite://${tempDir}/store-${(storeSequence += 1)}.sqlite`;

/** dall-e-2 at 256x256: a small, non-streaming request the fake answers quickly. */
const small = '--model dall-e-2 --size 256x256';

describe.each(['socket', 'http'] as const)('Slack adapter in %s mode', (mode) => {
  let slack: FakeSlack;
  let bot: SlackBot | undefined;

  beforeEach(async () => {
    slack = await startFakeSlack({
      users: [
        { id: 'UADMIN', isAdmin: true },
        { id: 'UOWNER', isOwner: true },
        { id: 'UKO', locale: 'ko-KR' },
      ],
    });
  });

  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await slack.close();
  });

  const start = async (options: Partial<Parameters<typeof startSlackBot>[0]> = {}) => {
    bot = await startSlackBot({ mode, slack, storeUrl: freshSqlite(), ...options });
    return bot;
  };

  const imagine = (running: SlackBot, text: string, userId = 'U1', channelId = 'C1') =>
    running.send.command({ command: '/imagine', text, userId, channelId });

  const sharedFiles = (): FakeFile[] =>
    [...slack.workspace.files.values()].filter((file) => file.shared !== undefined);

  const uploadCount = (count: number) =>
    slack.waitFor(
      `${count} shared upload(s)`,
      () => sharedFiles().length >= count && sharedFiles(),
    );

  const reply = (index = 0) =>
    slack.waitFor(`ephemeral reply #${index + 1}`, () => slack.responses[index]?.body);

  /** The bot's messages other than file shares: one status message per job. */
  const statusMessages = () =>
    slack.workspace.messages.filter((message) => message.fileIds.length === 0);

  it('/imagine uploads the exact image bytes to the channel after a status message showing progress', async () => {
    const running = await start();

    await imagine(running, `a red fox in the snow ${small}`, 'U1', 'C7');
    const [file] = await uploadCount(1);
    const [status] = statusMessages();
    await slack.waitFor('the :repeat: affordance', () => status?.reactions.has('repeat'));

    const [upstream] = running.core.api.requests;
    expect(upstream?.body).toMatchObject({
      prompt: 'a red fox in the snow',
      model: 'dall-e-2',
      size: '256x256',
    });
    expect(file?.bytes).toEqual(upstream?.images[0]);
    expect(file?.shared?.channel).toBe('C7');
    expect(file?.shared?.initialComment).toContain('a red fox in the snow');
    expect(file?.shared?.initialComment).toContain('dall-e-2 · 256x256');

    expect(status?.channel).toBe('C7');
    expect(status?.history.length).toBeGreaterThan(1);
    expect(status?.history.join('\n')).toMatch(/Starting…|Queued|Generating…/);
    expect(status?.text).toContain('Your quota');
    expect(status?.reactions.get('repeat')).toEqual([slack.workspace.botUserId]);
  });

  it('shows the queue position while a job waits behind another', async () => {
    const running = await start({ queue: { concurrency: 1 }, api: { latencyMs: 400 } });

    await imagine(running, `first ${small}`, 'U1');
    await slack.waitFor('the first job to start', () => running.core.api.requests.length === 1);
    await imagine(running, `second ${small}`, 'U2');
    await uploadCount(2);

    const second = statusMessages().find((message) => message.text.includes('second'));
    expect(second?.history.join('\n')).toContain('Queued: #1 in line.');
  });

  it("acknowledges every command of a burst within Slack's 3 seconds", async () => {
    const running = await start({ queue: { concurrency: 3 }, api: { latencyMs: 20 } });

    // The fake rejects any delivery not acknowledged within 3 seconds, as Slack would.
    const acks = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        imagine(running, `burst ${index} ${small}`, `UB${index}`),
      ),
    );

    expect(acks).toHaveLength(12);
    await uploadCount(12);
  }, 15_000);

  it('refuses a bad flag with the correct usage, ephemerally, and requests nothing', async () => {
    const running = await start();

    await imagine(running, 'a cat --colour red');

    const answer = await reply();
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.text)).toContain('unknown option --colour');
    expect(String(answer.text)).toContain('/imagine &lt;prompt&gt; [--model M]');
    expect(running.core.api.requests).toHaveLength(0);
    expect(slack.workspace.messages).toHaveLength(0);
  });

  it('answers in Korean to a user whose Slack locale is Korean', async () => {
    const running = await start();

    await imagine(running, 'a cat --count many', 'UKO');

    expect(String((await reply()).text)).toContain('명령 형식이 올바르지 않습니다');
    expect(slack.callsOf('users.info')[0]?.params).toMatchObject({
      user: 'UKO',
      include_locale: 'true',
    });
  });

  it('refuses a request beyond the quota without calling the API or charging', async () => {
    const running = await start({ quota: { userLimit: 1 } });

    await imagine(running, `one ${small}`);
    await uploadCount(1);
    await imagine(running, `two ${small}`);

    const answer = await reply();
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.text)).toContain('Nothing was charged');
    expect(running.core.api.requests).toHaveLength(1);
    const standing = await running.core.service.standing(slack.workspace.teamId, 'U1');
    expect(standing.user.used).toBe(1);
  });

  it('refuses /quota-admin to a member and applies it for a workspace admin', async () => {
    const running = await start();

    await running.send.command({
      command: '/quota-admin',
      text: 'user-limit 0 day <@U1|alice>',
      userId: 'U1',
      channelId: 'C1',
    });
    expect(String((await reply(0)).text)).toContain('Only server managers');

    await running.send.command({
      command: '/quota-admin',
      text: 'user-limit 0 day <@U1|alice>',
      userId: 'UADMIN',
      channelId: 'C1',
    });
    expect(String((await reply(1)).text)).toBe('Limit for <@U1> set to 0 images a day.');

    await imagine(running, `now refused ${small}`, 'U1');
    expect(String((await reply(2)).text)).toContain('You have 0 of 0 images left today');
    expect(running.core.api.requests).toHaveLength(0);
  });

  it('counts owners and SLACK_ADMIN_USER_IDS as admins', async () => {
    const running = await start({ adminUserIds: ['UOPS'] });

    for (const userId of ['UOWNER', 'UOPS']) {
      await running.send.command({
        command: '/quota-admin',
        text: 'guild-limit 7 week',
        userId,
        channelId: 'C1',
      });
    }

    const answers = await slack.waitFor(
      'two replies',
      () => slack.responses.length === 2 && slack.responses,
    );
    expect(answers.map((answer) => answer.body.text)).toEqual([
      'Server limit set to 7 images a week.',
      'Server limit set to 7 images a week.',
    ]);
    const report = await running.core.service.quotaAdmin.report(slack.workspace.teamId);
    expect(report.guild).toMatchObject({ limit: 7, period: 'week' });
  });

  it('shows the caller their standing with /quota', async () => {
    const running = await start({ quota: { userLimit: 5, guildLimit: 50 } });

    await running.send.command({ command: '/quota', text: '', userId: 'U1', channelId: 'C1' });

    const answer = await reply();
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.text)).toContain('You: 5 of 5 left today');
    expect(String(answer.text)).toContain('This server: 50 of 50 left today');
  });

  it('echoes a prompt with broadcast and mention syntax escaped, and sends it to the API as typed', async () => {
    const running = await start();
    // As Slack sends it: a typed & is an entity; @channel, @here and @bob were autocompleted.
    await imagine(running, `a sign reading <!channel> &amp; <!here> <@U2|bob> ${small}`);

    const [file] = await uploadCount(1);

    expect(running.core.api.requests[0]?.body?.prompt).toBe(
      'a sign reading <!channel> & <!here> <@U2|bob>',
    );
    const echoed = [
      file?.shared?.initialComment ?? '',
      ...statusMessages().flatMap((m) => m.history),
    ];
    for (const text of echoed) {
      expect(text).not.toMatch(/<!channel>|<!here>|<@U2/);
    }
    expect(file?.shared?.initialComment).toContain('&lt;!channel&gt; &amp; &lt;!here&gt;');
  });

  it('regenerates on :repeat: after a restart, charged to the reacting user, once per double reaction', async () => {
    const storeUrl = freshSqlite();
    const first = await start({ storeUrl });
    await imagine(first, `a lighthouse at dusk ${small}`, 'U1', 'C3');
    await uploadCount(1);
    const [result] = statusMessages();
    await slack.waitFor('the :repeat: affordance', () => result?.reactions.has('repeat'));
    await first.stop();

    const second = await start({ storeUrl });
    const react = () =>
      second.send.reaction({
        userId: 'U2',
        reaction: 'repeat',
        channelId: 'C3',
        messageTs: result?.ts ?? '',
      });
    await react();
    await react();
    await uploadCount(2);

    expect(second.core.api.requests).toHaveLength(1);
    expect(second.core.api.requests[0]?.body).toMatchObject({
      prompt: 'a lighthouse at dusk',
      model: 'dall-e-2',
      size: '256x256',
    });
    const team = slack.workspace.teamId;
    expect((await second.core.service.standing(team, 'U2')).user.used).toBe(1);
    expect((await second.core.service.standing(team, 'U1')).user.used).toBe(1);
    expect(sharedFiles()[1]?.shared?.channel).toBe('C3');
  });

  it('takes a command and a :repeat: once when Slack retries or replays them, charging once', async () => {
    // No in-memory window: only the store's record of Slack's own ids stands between the copies.
    const running = await start({ regenerateDedupeMs: 0 });
    const logged = (message: string) =>
      slack.waitFor(message, () =>
        running.logLines.some((line) => JSON.parse(line).msg === message),
      );
    await imagine(running, `a replayed request ${small}`, 'U1', 'C3');
    await running.send.repeatLast(1);
    await logged('a repeat of a command already taken: ignored');
    await uploadCount(1);
    const [result] = statusMessages();
    await slack.waitFor('the :repeat: affordance', () => result?.reactions.has('repeat'));

    await running.send.reaction({
      userId: 'U2',
      reaction: 'repeat',
      channelId: 'C3',
      messageTs: result?.ts ?? '',
    });
    await running.send.repeatLast(1);
    await running.send.repeatLast(2);
    await logged('a repeat of an event already taken: ignored');
    await uploadCount(2);

    expect(running.core.api.requests).toHaveLength(2);
    const team = slack.workspace.teamId;
    expect((await running.core.service.standing(team, 'U1')).user.used).toBe(1);
    expect((await running.core.service.standing(team, 'U2')).user.used).toBe(1);
  });

  it('ignores other reactions and :repeat: on messages that are not results', async () => {
    const running = await start();
    await imagine(running, `a tree ${small}`, 'U1', 'C1');
    await uploadCount(1);
    const [result] = statusMessages();

    await running.send.reaction({
      userId: 'U2',
      reaction: 'thumbsup',
      channelId: 'C1',
      messageTs: result?.ts ?? '',
    });
    await running.send.reaction({
      userId: 'U2',
      reaction: 'repeat',
      channelId: 'C1',
      messageTs: '123.000999',
    });
    // A later command proves both events were processed before it, and neither queued anything.
    await running.send.command({ command: '/quota', text: '', userId: 'U2', channelId: 'C1' });
    await reply();

    expect(running.core.api.requests).toHaveLength(1);
    expect(slack.workspace.ephemerals).toHaveLength(0);
  });

  it('tells the requester in the status message when the provider refuses the prompt, and refunds', async () => {
    const running = await start({ quota: { userLimit: 2 } });
    running.core.api.failNext(1, { type: 'moderation' });

    await imagine(running, `something refused ${small}`);

    const status = await slack.waitFor('the failure in the status message', () =>
      statusMessages().find((message) => message.text.includes('content policy')),
    );
    expect(status.text).toContain('Nothing was charged');
    expect(status.text).not.toMatch(/at .+\.ts:\d+/);
    const standing = await running.core.service.standing(slack.workspace.teamId, 'U1');
    expect(standing.user.used).toBe(0);
    expect(sharedFiles()).toHaveLength(0);
  });

  it('tells the requester privately, ends the job and charges nothing when the bot may not post in the channel', async () => {
    const running = await start({ quota: { userLimit: 2 }, api: { latencyMs: 300 } });
    slack.workspace.closedChannels.add('CPRIVATE');

    await imagine(running, `in a closed channel ${small}`, 'U1', 'CPRIVATE');

    const answer = await reply();
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.text)).toContain("I can't post in this channel");
    // The job's ending is first tried in the channel (refused there like every post), then sent privately.
    await slack.waitFor('the ending tried in the channel', () =>
      slack.calls.some(
        (call) => call.method === 'chat.postMessage' && call.params.text?.includes("I can't post"),
      ),
    );
    await expect
      .poll(async () => (await running.core.service.standing(slack.workspace.teamId, 'U1')).user)
      .toMatchObject({ used: 0, remaining: 2 });
    expect(sharedFiles()).toHaveLength(0);
    expect(slack.responses).toHaveLength(1);
  });

  it('keeps a delivered result and its :repeat: when the status message was deleted meanwhile', async () => {
    const running = await start({ api: { latencyMs: 300 } });

    await imagine(running, `status deleted ${small}`);
    const status = await slack.waitFor('the status message', () => statusMessages()[0]);
    // The requester deletes the status message while the image is being made.
    slack.workspace.messages.splice(slack.workspace.messages.indexOf(status), 1);

    const [file] = await uploadCount(1);
    const share = slack.workspace.message(file?.shared?.channel ?? '', file?.shared?.ts ?? '');
    await slack.waitFor('the :repeat: affordance on the shared images', () =>
      share?.reactions.has('repeat'),
    );
    expect(file?.bytes).toEqual(running.core.api.requests[0]?.images[0]);
    // The images are in the channel: nothing may tell the requester they could not be posted.
    expect(slack.responses).toHaveLength(0);
    expect(slack.workspace.ephemerals).toHaveLength(0);
  });

  it('tells the requester privately how the job ended when its status message was deleted', async () => {
    const running = await start({ quota: { userLimit: 2 }, api: { latencyMs: 300 } });
    running.core.api.failNext(1, { type: 'moderation' });

    await imagine(running, `refused, status deleted ${small}`);
    const status = await slack.waitFor('the status message', () => statusMessages()[0]);
    slack.workspace.messages.splice(slack.workspace.messages.indexOf(status), 1);

    const answer = await reply();
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.text)).toContain('content policy');
    expect(String(answer.text)).toContain('Nothing was charged');
    const standing = await running.core.service.standing(slack.workspace.teamId, 'U1');
    expect(standing.user.used).toBe(0);
  });

  it('survives Slack 429s with Retry-After on the way and still delivers', async () => {
    const running = await start();
    slack.rateLimit('chat.postMessage', 2, 1);
    slack.rateLimit('files.getUploadURLExternal', 1, 1);

    await imagine(running, `under rate limits ${small}`);
    const [file] = await uploadCount(1);

    expect(file?.bytes).toEqual(running.core.api.requests[0]?.images[0]);
    const statuses = slack.calls
      .filter((call) => call.method === 'chat.postMessage')
      .map((call) => call.status);
    expect(statuses).toEqual([429, 429, 200]);
    expect(
      slack.calls
        .filter((call) => call.method === 'files.getUploadURLExternal')
        .map((c) => c.status),
    ).toEqual([429, 200]);
  }, 15_000);

  it('writes no token or secret to the log', async () => {
    const running = await start();
    await imagine(running, `a secret-free log ${small}`);
    await uploadCount(1);

    const log = running.logLines.join('\n');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [slack.botToken, slack.appToken, signingSecret]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('Slack adapter in HTTP mode, request verification', () => {
  let slack: FakeSlack;
  let bot: SlackBot;
  let url: string;

  beforeEach(async () => {
    slack = await startFakeSlack();
    bot = await startSlackBot({ mode: 'http', slack, storeUrl: freshSqlite() });
    url = `http://127.0.0.1:${bot.adapter.port}/slack/events`;
  });

  afterEach(async () => {
    await bot.stop();
    await slack.close();
  });

  const command = () => ({
    kind: 'form' as const,
    fields: slashCommandPayload({
      command: '/imagine',
      text: `forged ${small}`,
      userId: 'U1',
      channelId: 'C1',
      teamId: slack.workspace.teamId,
      responseUrl: slack.newResponseUrl(),
    }),
  });

  const expectNothingDone = () => {
    expect(bot.core.api.requests).toHaveLength(0);
    expect(slack.responses).toHaveLength(0);
    expect(slack.calls.filter((call) => call.method !== 'auth.test')).toHaveLength(0);
  };

  it('rejects a request with a bad signature and does nothing', async () => {
    const answer = await postSigned(url, command(), {
      signingSecret,
      signatureOverride: `v0=${'0'.repeat(64)}`,
    });
    expect(answer.status).toBe(401);
    expectNothingDone();
  });

  it('rejects a correctly signed request older than five minutes and does nothing', async () => {
    const answer = await postSigned(url, command(), {
      signingSecret,
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(answer.status).toBe(401);
    expectNothingDone();
  });

  it('accepts the same request when correctly signed and current', async () => {
    const answer = await postSigned(url, command(), { signingSecret });
    expect(answer.status).toBe(200);
    await slack.waitFor('the upload', () => bot.core.api.requests.length === 1);
  });
});
