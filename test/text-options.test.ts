import { beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalogue } from '#core/models.js';
import type { CommandDefinition } from '#adapters/shared/command-context.js';
import { MalformedCommandError } from '#adapters/shared/command-problems.js';
import { messagesFor } from '#adapters/shared/messages.js';
import { parseTextCommand, usageLines } from '#adapters/shared/text-options.js';
import { loadCommands } from '#commands/registry.js';

const catalogue = new ModelCatalogue();
let commands: Map<string, CommandDefinition>;
beforeAll(async () => {
  commands = new Map((await loadCommands()).map((command) => [command.name, command]));
});
const command = (name: string) => commands.get(name)!;
const parse = (name: string, text: string) => parseTextCommand(command(name), text, catalogue);

const refusalOf = (name: string, text: string) => {
  try {
    parse(name, text);
  } catch (error) {
    if (error instanceof MalformedCommandError) return error;
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
};
/** The English sentence the user reads, usage included. */
const refusalText = (name: string, text: string) =>
  messagesFor('en').refusal(refusalOf(name, text));

describe('text command parsing: flags only after the prompt', () => {
  it('takes the trailing run of flags and keeps everything before it as the prompt', () => {
    expect(parse('imagine', 'a red fox in snow --size 1536x1024 --count=2')).toEqual({
      values: { size: '1536x1024', count: 2, prompt: 'a red fox in snow' },
    });
  });

  it('keeps a flag in the middle of the prompt as part of the prompt', () => {
    expect(parse('imagine', 'a poster that says --count=2 in big letters')).toEqual({
      values: { prompt: 'a poster that says --count=2 in big letters' },
    });
    expect(parse('imagine', 'a red fox --size 1536x1024 in snow --count 2')).toEqual({
      values: { prompt: 'a red fox --size 1536x1024 in snow', count: 2 },
    });
  });

  it('keeps a Korean multi-line prompt as typed', () => {
    const prompt = '햇살이 비치는 정원에서\n달리는 작은 고양이 🐈';
    expect(parse('imagine', `${prompt} --quality high`).values.prompt).toBe(prompt);
  });

  it('leaves dashes that are not flags inside the prompt', () => {
    for (const prompt of [
      'an arrow --> pointing left',
      'pros – cons — a list',
      '2020–2024 timeline',
    ])
      expect(parse('imagine', prompt).values.prompt).toBe(prompt);
  });

  it('reads the em and en dashes that phones put for --, and names in any case', () => {
    expect(parse('imagine', 'a cat —count 2 –SIZE=1024x1024 --Quality high').values).toEqual({
      prompt: 'a cat',
      count: 2,
      size: '1024x1024',
      quality: 'high',
    });
    expect(parse('imagine', 'a cat --COUNT 2').values).toEqual({ prompt: 'a cat', count: 2 });
  });

  it("leaves the prompt's length to the model, not to Discord's 6,000", () => {
    const prompt = 'a very long description '.repeat(1_000).trim();
    expect(parse('imagine', `${prompt} --model gpt-image-1`).values.prompt).toBe(prompt);
  });
});

describe('text command parsing: refusals name the problem and show the usage', () => {
  it('names an unknown flag and lists the real ones', () => {
    expect(refusalText('imagine', 'a cat --colour red')).toBe(
      [
        'unknown option --colour: use --model, --size, --quality, --count, --background, --style or --moderation.',
        'Usage:',
        '/imagine <prompt> [--model M] [--size S] [--quality Q] [--count N] [--background B] [--style S] [--moderation M]',
      ].join('\n'),
    );
  });

  it.each(['a cat --count 2 --size auto --count 3', 'a cat --count 2 —COUNT=3'])(
    'refuses a repeated flag, naming it, instead of letting one win: %s',
    (text) => {
      expect(refusalOf('imagine', text).problem).toEqual({ kind: 'repeatedFlag', flag: '--count' });
    },
  );

  it.each(['0x2', '1e1', '2.0', '+2', '２', 'two'])(
    'takes only plain decimal numbers, not %s',
    (value) => {
      expect(refusalOf('imagine', `a cat --count ${value}`).problem).toEqual({
        kind: 'notWholeNumber',
        option: 'count',
        value,
      });
    },
  );

  it('refuses a flag without a value, a number out of range and a choice that does not exist', () => {
    for (const text of ['a cat --size', 'a cat --size= --count 2'])
      expect(refusalOf('imagine', text).problem).toEqual({ kind: 'missingValue', flag: '--size' });
    expect(refusalText('imagine', 'a cat --count 11')).toMatch(
      /^count must be from 1 to 10, not 11\.\nUsage:/,
    );
    expect(refusalText('imagine', 'a cat --model sdxl')).toMatch(
      /^model "sdxl" is not available: choose dall-e-2, /,
    );
  });

  it('requires the prompt', () => {
    expect(refusalText('imagine', '  --size auto')).toMatch(/^missing <prompt>\.\nUsage:/);
  });

  it('words refusals in Korean for Korean users', () => {
    expect(messagesFor('ko').refusal(refusalOf('imagine', 'a cat --count 2 --count 3'))).toMatch(
      /^명령 형식이 올바르지 않습니다: --count을\(를\) 두 번 이상 썼습니다.*\n사용법:\n\/imagine <prompt>/s,
    );
  });

  it('parses a subcommand inside a group, Slack channel mentions and a term with spaces', () => {
    expect(parse('imagine-settings', 'channels allow <#C0AB12|general>')).toEqual({
      group: 'channels',
      subcommand: 'allow',
      values: { channel: 'C0AB12' },
    });
    expect(parse('imagine-settings', 'blocked add /bad\\s+word/')).toEqual({
      group: 'blocked',
      subcommand: 'add',
      values: { term: '/bad\\s+word/' },
    });
    expect(parse('imagine-settings', 'limits --max-count 2 --max-quality medium')).toEqual({
      subcommand: 'limits',
      values: { 'max-count': 2, 'max-quality': 'medium' },
    });
    expect(parse('imagine-settings', 'audit-channel')).toEqual({
      subcommand: 'audit-channel',
      values: {},
    });
    expect(parse('imagine-settings', 'audit-channel none')).toEqual({
      subcommand: 'audit-channel',
      values: {},
    });
    expect(refusalText('imagine-settings', 'channels allow general')).toMatch(
      /^channel must be a channel such as #general, not "general"\.\nUsage:[^]*\/imagine-settings channels allow #channel/,
    );
    expect(refusalText('imagine-settings', 'channels open')).toMatch(
      /^unknown subcommand "open": choose allow, disallow or clear\./,
    );
  });
});

describe('text command parsing: /quota-admin follows the same rules', () => {
  it('parses subcommands with positional arguments and Slack user mentions', () => {
    expect(parse('quota-admin', 'user-limit 10 week <@U0123ABC|maria>')).toEqual({
      subcommand: 'user-limit',
      values: { limit: 10, period: 'week', user: 'U0123ABC' },
    });
    expect(parse('quota-admin', 'GRANT <@U0123ABC> 5')).toEqual({
      subcommand: 'grant',
      values: { user: 'U0123ABC', amount: 5 },
    });
    expect(parse('quota-admin', 'reset')).toEqual({ subcommand: 'reset', values: {} });
  });

  it('refuses numbers that are not plain, negative or too large, naming the option and the range', () => {
    expect(refusalText('quota-admin', 'user-limit -5 day')).toMatch(
      /^limit must be from 0 to 1000000, not -5\.\nUsage:\n\/quota-admin guild-limit/,
    );
    expect(refusalOf('quota-admin', 'grant <@U1> 1e20').problem).toEqual({
      kind: 'notWholeNumber',
      option: 'amount',
      value: '1e20',
    });
    expect(refusalOf('quota-admin', 'grant <@U1> 100000000000000000000').problem).toMatchObject({
      kind: 'outOfRange',
      option: 'amount',
      max: 1_000_000,
    });
  });

  it('refuses any flag, since /quota-admin takes none', () => {
    expect(refusalText('quota-admin', 'guild-limit 10 day —force yes')).toMatch(
      /^unknown option --force: this command takes no options after a --\.\nUsage:/,
    );
  });

  it('shows every form of a command with subcommands when one is missing or unknown', () => {
    const refusal = refusalOf('quota-admin', 'limits 5');
    expect(refusal.problem).toEqual({
      kind: 'unknownSubcommand',
      value: 'limits',
      allowed: ['guild-limit', 'user-limit', 'role-limit', 'grant', 'reset', 'show', 'report'],
    });
    expect(refusal.usage).toEqual(usageLines(command('quota-admin')));
    expect(usageLines(command('quota-admin'))).toContain('/quota-admin grant @user <amount>');
    expect(refusalText('quota-admin', '')).toMatch(
      /^a subcommand is required: choose guild-limit, user-limit, role-limit, grant, reset, show or report\./,
    );
  });

  it('refuses a user that is not a mention, and words left over', () => {
    expect(refusalText('quota-admin', 'grant maria 5')).toMatch(
      /^user must be a user mention such as @name, not "maria"\./,
    );
    expect(refusalText('quota-admin', 'guild-limit 10 day extra')).toMatch(
      /^period "day extra" is not available: choose day, week or month\./,
    );
    expect(refusalText('quota', 'now please')).toMatch(/^unexpected "now please"\./);
    expect(refusalText('quota-admin', 'role-limit <@U1> 5 day')).toMatch(
      /^role: roles exist only on Discord\./,
    );
  });
});
