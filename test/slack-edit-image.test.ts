/**
 * `Edit with imagine` on Slack, end to end in both delivery modes: the message shortcut opens a
 * view for the prompt; its submission, even after a restart on the same SQLite file, runs a job
 * whose input is the message's file, fetched with the bot token and sent to /edits byte for byte.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';
import { solidPng } from './fakes/png.js';
import { makeTempDir } from './support/tmp.js';

const tempDir = await makeTempDir('slack-edit-');
let storeSequence = 0;
const freshSqlite = () => `sqlite://${tempDir}/store-${(storeSequence += 1)}.sqlite`;

describe.each(['socket', 'http'] as const)('Edit with imagine on Slack in %s mode', (mode) => {
  let slack: FakeSlack;
  const bots: SlackBot[] = [];

  beforeEach(async () => {
    slack = await startFakeSlack({ users: [{ id: 'UKO', locale: 'ko-KR' }] });
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await slack.close();
  });

  const start = async (storeUrl = freshSqlite()) => {
    const bot = await startSlackBot({ mode, slack, storeUrl, quota: { userLimit: 5 } });
    bots.push(bot);
    return bot;
  };

  const openedView = (count = 1) =>
    slack.waitFor('the prompt view', () => slack.workspace.views[count - 1]);

  const shortcut = (bot: SlackBot, messageTs: string, userId = 'U2') =>
    bot.send.messageShortcut({ userId, channelId: 'C1', messageTs, callbackId: 'edit_image' });

  it("opens a view for the prompt, then sends the message's image to /edits with the prompt", async () => {
    const bot = await start();
    const photo = solidPng({ width: 80, height: 60 }, 'slack photo');
    const posted = slack.workspace.postAsUser('C1', 'U1', 'look', [
      { filename: 'cat.png', bytes: photo },
    ]);

    await shortcut(bot, posted.ts, 'UKO');
    const view = await openedView();
    expect(view.view).toMatchObject({
      type: 'modal',
      callback_id: 'imagine_prompt',
      title: { type: 'plain_text', text: '이미지 편집' },
    });

    await bot.send.submitView(view, {
      userId: 'UKO',
      values: { prompt: '고양이를 우주로 보내 주세요' },
    });
    const share = await slack.waitFor('the result upload', () =>
      [...slack.workspace.files.values()].find((file) => file.shared?.initialComment !== undefined),
    );

    const [upstream] = bot.core.api.requests;
    expect(upstream?.endpoint).toBe('edits');
    expect(upstream?.inputs.map((input) => input.bytes)).toEqual([photo]);
    expect(upstream?.body?.prompt).toBe('고양이를 우주로 보내 주세요');
    expect(share.bytes).toEqual(upstream?.images[0]);
    expect(share.shared?.channel).toBe('C1');
    expect(slack.fileDownloads).toHaveLength(1);
    expect(await bot.core.service.standing('T0FAKE', 'UKO')).toMatchObject({ user: { used: 1 } });
  });

  it('takes a view opened before a restart', async () => {
    const storeUrl = freshSqlite();
    const first = await start(storeUrl);
    const photo = solidPng({ width: 32, height: 32 }, 'before');
    const posted = slack.workspace.postAsUser('C1', 'U1', '', [
      { filename: 'a.png', bytes: photo },
    ]);
    await shortcut(first, posted.ts);
    const view = await openedView();
    await first.stop();
    bots.splice(0);

    const second = await start(storeUrl);
    await second.send.submitView(view, { userId: 'U2', values: { prompt: 'in pencil' } });
    await slack.waitFor('the edit request', () => second.core.api.requests.length === 1);
    expect(second.core.api.requests[0]?.inputs.map((input) => input.bytes)).toEqual([photo]);
  });

  it('refuses a file that is not PNG, JPEG or WebP by name, whatever Slack calls it, and charges nothing', async () => {
    const bot = await start();
    const posted = slack.workspace.postAsUser('C1', 'U1', '', [
      { filename: 'anim.png', bytes: Buffer.from('GIF89a....', 'latin1'), mimetype: 'image/png' },
    ]);
    await shortcut(bot, posted.ts);
    const view = await openedView();
    await bot.send.submitView(view, { userId: 'U2', values: { prompt: 'make it move' } });

    const status = await slack.waitFor('the status message naming the file', () =>
      slack.workspace.messages.find((message) => message.text.includes('anim.png')),
    );
    expect(status.text).toContain(
      'The image anim.png is not a PNG, JPEG or WEBP file, which is all this model takes. Nothing was charged.',
    );
    expect(bot.core.api.requests).toHaveLength(0);
    expect(await bot.core.service.standing('T0FAKE', 'U2')).toMatchObject({ user: { used: 0 } });
  });

  it('tells the user privately when the message has no image file', async () => {
    const bot = await start();
    const posted = slack.workspace.postAsUser('C1', 'U1', 'only text');
    await shortcut(bot, posted.ts);

    const told = await slack.waitFor('the ephemeral answer', () => slack.workspace.ephemerals[0]);
    expect(told).toMatchObject({ channel: 'C1', user: 'U2' });
    expect(told.text).toContain('That message has no image to work from');
    expect(slack.workspace.views).toHaveLength(0);
  });
});
