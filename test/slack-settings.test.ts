/**
 * /imagine-settings end to end on Slack: the same words as text, through the real Bolt app against
 * the fake Slack, on the real service and store. Refusals are ephemeral, name the rule and who may
 * change it (workspace admins), and charge nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';

const small = '--model dall-e-2 --size 256x256';

describe('/imagine-settings on Slack', () => {
  let slack: FakeSlack;
  let bot: SlackBot;

  beforeEach(async () => {
    slack = await startFakeSlack({ users: [{ id: 'UADMIN', isAdmin: true }] });
    bot = await startSlackBot({ mode: 'socket', slack });
  });

  afterEach(async () => {
    await bot.stop();
    await slack.close();
  });

  /** Sends a command and resolves with the text of its one private answer. */
  const answer = async (command: string, text: string, userId: string, channelId = 'C1') => {
    const before = slack.responses.length;
    await bot.send.command({ command, text, userId, channelId });
    const body = await slack.waitFor(
      `the answer to ${command} ${text}`,
      () => slack.responses[before]?.body,
    );
    expect(body.response_type).toBe('ephemeral');
    return String(body.text);
  };
  const settings = (text: string, userId = 'UADMIN') => answer('/imagine-settings', text, userId);
  const uploads = () => slack.workspace.messages.filter((message) => message.fileIds.length > 0);
  const made = (count: number) =>
    slack.waitFor(`${count} result(s)`, () => uploads().length >= count && uploads());
  const used = async (userId: string) =>
    (await bot.core.service.standing(slack.workspace.teamId, userId)).user.used;

  it('refuses a member who is not a workspace admin and changes nothing', async () => {
    expect(await settings('cooldown 60', 'U1')).toBe(
      'Only server managers can use /imagine-settings.',
    );
    expect((await bot.core.service.policyAdmin.read(slack.workspace.teamId)).origins).toEqual({});
  });

  it('keeps the bot to the allowed channels and names them as Slack links', async () => {
    expect(await settings('channels allow <#C2|art>')).toBe('Saved. Channels: <#C2>.');

    const refused = await answer('/imagine', `a comet ${small}`, 'U1', 'C1');
    expect(refused).toBe(
      "I can't be used in this channel. Use <#C2>. Workspace admins can change this with /imagine-settings (channels). Nothing was charged.",
    );
    expect(bot.core.api.requests).toHaveLength(0);
    expect(await used('U1')).toBe(0);

    await bot.send.command({
      command: '/imagine',
      text: `a comet ${small}`,
      userId: 'U1',
      channelId: 'C2',
    });
    await made(1);
  });

  it('catches blocked terms in full-width letters and decomposed Hangul, and lets the rest through', async () => {
    await settings('blocked add gore');
    await settings('blocked add /반단/');

    expect(await answer('/imagine', `ＧＯＲＥ ${small}`, 'U1')).toMatch(
      /^That prompt contains a term this server blocks\. Workspace admins can change this with \/imagine-settings \(blocked\)\. Nothing was charged\.$/,
    );
    expect(await answer('/imagine', `\u1107\u1161\u11ab\u1103\u1161\u11ab ${small}`, 'U1')).toMatch(
      /blocks/,
    );
    expect(bot.core.api.requests).toHaveLength(0);

    await bot.send.command({
      command: '/imagine',
      text: `a meadow ${small}`,
      userId: 'U1',
      channelId: 'C1',
    });
    await made(1);
    expect(await settings('blocked list')).toBe('Blocked terms:\n• gore\n• /반단/');
  });

  it('refuses moderation low until an admin allows it, then sends it', async () => {
    const low = '--model gpt-image-1 --size 1024x1024 --quality low --moderation low';
    expect(await answer('/imagine', `a storm ${low}`, 'U1')).toMatch(
      /^moderation low is not allowed here\. Workspace admins/,
    );
    expect(await settings('moderation allow-low-in-nsfw')).toBe(
      'Saved. Moderation: low allowed in age-restricted channels.',
    );

    await bot.send.command({
      command: '/imagine',
      text: `a storm ${low}`,
      userId: 'U1',
      channelId: 'C1',
    });
    await made(1);
    expect(bot.core.api.requests[0]?.body).toMatchObject({ moderation: 'low' });
  });

  it('holds members to the limits and the cooldown', async () => {
    await settings('limits --max-quality medium --max-size 512x512');
    expect(
      await answer('/imagine', 'a fox --model gpt-image-1 --size 1024x1024 --quality medium', 'U1'),
    ).toMatch(/^size 1024x1024 is over this server's limit: choose at most 512x512\./);
    expect(await settings('limits')).toBe('Saved. Limits: none.');
    expect(await settings('limits --models dall-e-9')).toMatch(
      /^That setting can't be saved: unknown model dall-e-9: choose from dall-e-2, /,
    );
    expect(await settings('blocked add /(unclosed/')).toBe(
      "That setting can't be saved: /(unclosed/ is not a valid regular expression.",
    );

    expect(await settings('cooldown 600')).toBe('Saved. Cooldown: 600 s.');
    await bot.send.command({
      command: '/imagine',
      text: `first ${small}`,
      userId: 'U1',
      channelId: 'C1',
    });
    await made(1);
    expect(await answer('/imagine', `second ${small}`, 'U1')).toMatch(
      /^Please wait \d+ s: this server allows one request every 600 s per member\./,
    );
    expect(bot.core.api.requests).toHaveLength(1);
    expect(await used('U1')).toBe(1);
  });

  it('guards :repeat: with the same check, answering privately', async () => {
    await bot.send.command({
      command: '/imagine',
      text: `a stormy sea ${small}`,
      userId: 'U1',
      channelId: 'C1',
    });
    await made(1);
    const status = slack.workspace.messages.find(
      (m) => m.fileIds.length === 0 && m.channel === 'C1',
    )!;
    await slack.waitFor('the :repeat: affordance', () => status.reactions.has('repeat'));
    await settings('blocked add storm');

    await bot.send.reaction({
      userId: 'U1',
      reaction: 'repeat',
      channelId: 'C1',
      messageTs: status.ts,
    });

    const told = await slack.waitFor('the private answer', () => slack.workspace.ephemerals[0]);
    expect(told).toMatchObject({ user: 'U1', channel: 'C1' });
    expect(told.text).toMatch(/^That prompt contains a term this server blocks\./);
    expect(bot.core.api.requests).toHaveLength(1);
    expect(await used('U1')).toBe(1);
  });

  it('posts one line per job to the audit channel, whose Delete removes the result for admins only', async () => {
    expect(await settings('audit-channel <#CAUDIT|audit>')).toBe(
      'Saved. Audit channel: <#CAUDIT>.',
    );
    const auditLines = () => slack.workspace.messages.filter((m) => m.channel === 'CAUDIT');

    await bot.send.command({
      command: '/imagine',
      text: `a red fox ${small}`,
      userId: 'U1',
      channelId: 'C1',
    });
    const [line] = await slack.waitFor(
      'the audit line',
      () => auditLines().length === 1 && auditLines(),
    );
    await bot.send.command({
      command: '/imagine',
      text: `a blue fox ${small}`,
      userId: 'U1',
      channelId: 'C1',
    });
    await slack.waitFor('the second audit line', () => auditLines().length === 2);

    const result = slack.workspace.messages.filter(
      (m) => m.channel === 'C1' && m.history.some((text) => text.includes('red fox')),
    );
    expect(result.length).toBeGreaterThan(0);
    expect(line!.text).toMatch(
      new RegExp(
        `^<@U1> · made 1 image · dall-e-2 · 256x256 · ×1 · tokens not reported · about \\$0\\.02 · https://slack\\.com/archives/C1/p${result[0]!.ts.replace('.', '')}\n&gt; a red fox$`,
      ),
    );
    const button = (line!.blocks?.[1]?.elements as Array<Record<string, unknown>>)[0]!;
    expect(button).toMatchObject({ type: 'button', action_id: 'audit_delete' });
    const click = (userId: string) =>
      bot.send.click({
        userId,
        channelId: 'CAUDIT',
        messageTs: line!.ts,
        actionId: 'audit_delete',
        value: String(button.value),
      });

    await click('U1');
    const refused = await slack.waitFor('the refusal', () => slack.workspace.ephemerals[0]);
    expect(refused).toMatchObject({ user: 'U1', text: 'Only moderators can use Delete.' });
    expect(result.every((message) => message.deleted !== true)).toBe(true);

    await click('UADMIN');
    const told = await slack.waitFor('the confirmation', () => slack.workspace.ephemerals[1]);
    expect(told).toMatchObject({ user: 'UADMIN', text: 'The result was deleted.' });
    expect(result.every((message) => message.deleted === true)).toBe(true);
    expect(line!.text).toMatch(/\nResult deleted by <@UADMIN>\.$/);
    expect(line!.blocks).toEqual([]);

    expect(await settings('audit-channel none')).toBe('Saved. Audit channel: none.');
  });
});
