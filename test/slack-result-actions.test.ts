/**
 * The buttons on Slack results end to end, in both delivery modes: the real Bolt app on the fake
 * Slack, the real service, store and Images client. Results are made by one bot process and the
 * buttons clicked on the next, started on the same SQLite file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';
import type { FakeMessage } from './fakes/slack/workspace.js';
import { makeTempDir } from './support/tmp.js';

const tempDir = await makeTempDir('slack-actions-');
let storeSequence = 0;
const freshSqlite = () => `sqlite://${tempDir}/store-${(storeSequence += 1)}.sqlite`;
const small = '--model dall-e-2 --size 256x256';

/** The buttons of a message's actions blocks: label and action id. */
const buttonsOf = (blocks: ReadonlyArray<Record<string, unknown>>) =>
  blocks
    .filter((block) => block.type === 'actions')
    .flatMap((block) =>
      (block.elements as Array<{ action_id: string; text: { text: string } }>).map((button) => ({
        label: button.text.text,
        id: button.action_id,
      })),
    );

describe.each(['socket', 'http'] as const)('buttons on Slack results in %s mode', (mode) => {
  let slack: FakeSlack;
  const bots: SlackBot[] = [];

  beforeEach(async () => {
    slack = await startFakeSlack({ users: [{ id: 'UADMIN', isAdmin: true }] });
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await slack.close();
  });

  const start = async (
    storeUrl: string,
    options: Partial<Parameters<typeof startSlackBot>[0]> = {},
  ) => {
    const bot = await startSlackBot({
      mode,
      slack,
      storeUrl,
      quota: { userLimit: 10 },
      ...options,
    });
    bots.push(bot);
    return bot;
  };
  const restart = async (storeUrl: string) => {
    for (const bot of bots.splice(0)) await bot.stop();
    return start(storeUrl);
  };

  /** Runs /imagine and resolves with its status message once it shows the result's buttons. */
  const imagine = async (bot: SlackBot, text: string, userId = 'U1'): Promise<FakeMessage> => {
    const before = slack.workspace.messages.length;
    await bot.send.command({ command: '/imagine', text, userId, channelId: 'C1' });
    return slack.waitFor('the result buttons', () =>
      slack.workspace.messages
        .slice(before)
        .find((message) => buttonsOf(message.blocks).some((b) => b.id === 'imagine:reroll')),
    );
  };

  const click = (bot: SlackBot, message: { ts: string }, actionId: string, userId = 'U2') =>
    bot.send.clickButton({ userId, channelId: 'C1', actionId, messageTs: message.ts });

  const uploads = () =>
    [...slack.workspace.files.values()].filter((file) => file.shared?.initialComment);

  it('shows Reroll, Vary, Remix and Delete on the result, and Reroll after a restart charges the clicker', async () => {
    const storeUrl = freshSqlite();
    const first = await start(storeUrl);
    const result = await imagine(first, `a lighthouse ${small}`);
    expect(buttonsOf(result.blocks).map((button) => button.label)).toEqual([
      'Reroll',
      'Vary',
      'Remix',
      'Delete',
    ]);

    const second = await restart(storeUrl);
    await click(second, result, 'imagine:reroll');
    await slack.waitFor('the rerolled upload', () => uploads().length === 2);

    expect(second.core.api.requests[0]?.body).toMatchObject({
      prompt: 'a lighthouse',
      model: 'dall-e-2',
      size: '256x256',
    });
    expect(await second.core.service.standing('T0FAKE', 'U2')).toMatchObject({
      user: { used: 1 },
    });
  });

  it('after a restart, Vary asks privately which image and how much, then sends exactly that file to /edits', async () => {
    const storeUrl = freshSqlite();
    const first = await start(storeUrl);
    const result = await imagine(
      first,
      'two owls --model gpt-image-1.5 --size 1024x1024 --count 2',
    );
    const shown = uploads().map((file) => file.bytes);
    const second = await restart(storeUrl);

    await click(second, result, 'imagine:vary');
    const picker = await slack.waitFor('the vary picker', () => slack.workspace.ephemerals[0]);
    expect(picker.user).toBe('U2');
    const choices = buttonsOf(picker.blocks);
    expect(choices.map((choice) => choice.label)).toEqual([
      'Image 1 · subtle',
      'Image 1 · strong',
      'Image 2 · subtle',
      'Image 2 · strong',
    ]);
    await second.send.clickButton({
      userId: 'U2',
      channelId: 'C1',
      actionId: choices[3]!.id,
      messageTs: picker.ts,
      ephemeral: true,
    });
    await slack.waitFor('the varied upload', () => uploads().length === 4);

    const [upstream] = second.core.api.requests;
    expect(upstream?.endpoint).toBe('edits');
    expect(upstream?.inputs.map((input) => input.bytes)).toEqual([shown[1]]);
    expect(upstream?.body).toMatchObject({ prompt: 'two owls', input_fidelity: 'low' });
  });

  it('after a restart, Remix opens a view with the prompt and runs what is submitted with the same settings', async () => {
    const storeUrl = freshSqlite();
    const first = await start(storeUrl);
    const result = await imagine(first, `a red boat ${small}`);
    const second = await restart(storeUrl);

    await click(second, result, 'imagine:remix');
    const view = await slack.waitFor('the remix view', () => slack.workspace.views[0]);
    const blocks = view.view.blocks as Array<{ element: { initial_value?: string } }>;
    expect(blocks[0]?.element.initial_value).toBe('a red boat');
    await second.send.submitView(view, { userId: 'U2', values: { prompt: 'a blue boat' } });
    await slack.waitFor('the remixed upload', () => uploads().length === 2);

    expect(second.core.api.requests[0]?.body).toMatchObject({
      prompt: 'a blue boat',
      model: 'dall-e-2',
      size: '256x256',
    });
  });

  it('after a restart, Delete removes the result and its images for the owner and an admin, and refuses others privately', async () => {
    const storeUrl = freshSqlite();
    const first = await start(storeUrl);
    const mine = await imagine(first, `mine ${small}`);
    const other = await imagine(first, `moderated ${small}`);
    const second = await restart(storeUrl);

    await click(second, mine, 'imagine:delete', 'U9');
    const refusal = await slack.waitFor('the refusal', () => slack.workspace.ephemerals[0]);
    expect(refusal).toMatchObject({
      user: 'U9',
      text: 'Only the person who asked for this image, or a moderator, can delete it.',
    });
    expect(mine.deleted).toBe(false);

    await click(second, mine, 'imagine:delete', 'U1');
    await click(second, other, 'imagine:delete', 'UADMIN');
    await slack.waitFor(
      'both results and their images deleted',
      () => mine.deleted && other.deleted && uploads().every((file) => file.deleted),
    );
    expect(second.core.api.requests).toHaveLength(0);
  });

  it('offers Cancel while a job waits: its owner cancels it, refunded, and the status says so', async () => {
    const bot = await start(freshSqlite(), {
      queue: { concurrency: 1 },
      api: { latencyMs: 1_000 },
    });
    await bot.send.command({
      command: '/imagine',
      text: `first ${small}`,
      userId: 'U1',
      channelId: 'C1',
    });
    await bot.core.api.received(1);
    await bot.send.command({
      command: '/imagine',
      text: `second ${small}`,
      userId: 'U2',
      channelId: 'C1',
    });
    const status = await slack.waitFor('the Cancel button', () =>
      slack.workspace.messages.find(
        (message) => message.text.includes('second') && buttonsOf(message.blocks).length > 0,
      ),
    );
    const [cancel] = buttonsOf(status.blocks);
    expect(cancel?.label).toBe('Cancel');

    await click(bot, status, cancel!.id, 'U9');
    await slack.waitFor('the refusal', () => slack.workspace.ephemerals.length === 1);
    expect(slack.workspace.ephemerals[0]?.text).toBe(
      'Only the person who asked, or an admin, can cancel this request.',
    );
    await click(bot, status, cancel!.id, 'U2');
    await slack.waitFor('the cancelled status', () =>
      status.text.includes('Cancelled. Nothing was charged.'),
    );

    expect(buttonsOf(status.blocks)).toEqual([]);
    expect(bot.core.api.requests).toHaveLength(1);
    expect(await bot.core.service.standing('T0FAKE', 'U2')).toMatchObject({ user: { used: 0 } });
  });
});
