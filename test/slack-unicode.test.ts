/**
 * Audit of issue 5 against issue 2's promise that prompts are arbitrary Unicode and reach the API
 * byte for byte: through the real Bolt app (Socket Mode frames and HTTP form posts), the real
 * service and the real Images client, to the fake Images API over loopback. Also that a Korean
 * Slack user gets the whole flow, not only refusals, in Korean.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from './support/tmp.js';
import { startFakeSlack, type FakeSlack } from './fakes/slack/server.js';
import { startSlackBot, type SlackBot } from './fakes/slack/slack-bot.js';

const tempDir = await makeTempDir('audit-slack-unicode-');
let storeSequence = 0;
const freshSqlite = () => `sqlite://${tempDir}/store-${(storeSequence += 1)}.sqlite`;

/**
 * Korean, an emoji ZWJ sequence, a second line, characters Slack escapes, and a Hangul syllable
 * in decomposed form (NFD): a pipeline that normalised Unicode would change its bytes.
 */
const prompt = [
  '햇살이 비치는 정원에서 달리는 작은 고양이 🐈‍⬛, 영화적인 느낌',
  `둘째 줄: "따옴표" & <꺾쇠> ${'한'.normalize('NFD')}글`,
].join('\n');
/** As Slack delivers command text: `&`, `<` and `>` typed by the user arrive as entities. */
const asSlackSendsIt = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const small = '--model dall-e-2 --size 256x256';

describe.each(['socket', 'http'] as const)('Slack in %s mode with a Unicode prompt', (mode) => {
  let slack: FakeSlack;
  let bot: SlackBot | undefined;

  beforeEach(async () => {
    slack = await startFakeSlack({ users: [{ id: 'UKO', locale: 'ko-KR' }] });
    bot = await startSlackBot({ mode, slack, storeUrl: freshSqlite() });
  });

  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await slack.close();
  });

  it('sends a Korean, emoji, multi-line, decomposed prompt to the API byte for byte, and answers in Korean', async () => {
    const running = bot!;
    await running.send.command({
      command: '/imagine',
      text: `${asSlackSendsIt(prompt)} ${small}`,
      userId: 'UKO',
      channelId: 'C1',
    });

    const [file] = await slack.waitFor('the shared upload', () => {
      const shared = [...slack.workspace.files.values()].filter((f) => f.shared !== undefined);
      return shared.length > 0 && shared;
    });
    const [upstream] = running.core.api.requests;
    expect(upstream?.body?.prompt).toBe(prompt);
    // The JSON on the wire holds the prompt's own UTF-8 bytes, not a normalised or \u-escaped copy.
    expect(upstream?.rawBody.includes(Buffer.from(JSON.stringify(prompt), 'utf8'))).toBe(true);
    expect(file?.bytes).toEqual(upstream?.images[0]);

    const comment = file?.shared?.initialComment ?? '';
    expect(comment).toContain('햇살이 비치는 정원에서 달리는 작은 고양이 🐈‍⬛');
    expect(comment).toContain(`&lt;꺾쇠&gt; ${'한'.normalize('NFD')}글`);
    expect(comment).toContain('요청:');
    const status = await slack.waitFor('the final status message', () =>
      slack.workspace.messages.find((m) => m.fileIds.length === 0 && m.text.includes('남은')),
    );
    expect(status.text).toContain('남은 사용량');
  });

  it('shows /quota to a Korean user in Korean', async () => {
    await bot!.send.command({ command: '/quota', text: '', userId: 'UKO', channelId: 'C1' });

    const answer = await slack.waitFor('the /quota reply', () => slack.responses[0]?.body);
    expect(String(answer.text)).toContain('회원님:');
    expect(String(answer.text)).toContain('이 서버:');
  });
});
