import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '#core/errors.js';
import { ModelCatalogue } from '#core/models.js';
import type { CommandDefinition } from '#adapters/shared/command-context.js';
import { parseTextCommand, usageLines } from '#adapters/shared/text-options.js';
import { loadCommands } from '#commands/registry.js';

const catalogue = new ModelCatalogue();
let commands: Map<string, CommandDefinition>;
beforeAll(async () => {
  commands = new Map((await loadCommands()).map((command) => [command.name, command]));
});
const command = (name: string) => commands.get(name)!;

const refusalOf = (name: string, text: string) => {
  try {
    parseTextCommand(command(name), text, catalogue);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
};

describe('text command parsing', () => {
  it('takes the prompt from the free text and options from flags anywhere', () => {
    expect(
      parseTextCommand(
        command('imagine'),
        'a red fox --size 1536x1024 in snow --count=2',
        catalogue,
      ),
    ).toEqual({
      values: { size: '1536x1024', count: 2, prompt: 'a red fox in snow' },
    });
  });

  it('keeps a Korean multi-line prompt as typed', () => {
    const prompt = '햇살이 비치는 정원에서\n달리는 작은 고양이 🐈';
    expect(
      parseTextCommand(command('imagine'), `${prompt} --quality high`, catalogue).values.prompt,
    ).toBe(prompt);
  });

  it('leaves double dashes that are not flags inside the prompt', () => {
    expect(
      parseTextCommand(command('imagine'), 'an arrow --> pointing left', catalogue).values.prompt,
    ).toBe('an arrow --> pointing left');
  });

  it('names an unknown flag and lists the real ones', () => {
    const refusal = refusalOf('imagine', 'a cat --colour red');
    expect(refusal.identifier).toBe('malformedCommand');
    expect(refusal.context.problem).toBe(
      'unknown option --colour: use --model, --size, --quality, --count, --background or --style',
    );
    expect(refusal.context.usage).toEqual([
      '/imagine <prompt> [--model M] [--size S] [--quality Q] [--count N] [--background B] [--style S]',
    ]);
  });

  it('refuses a flag without a value, a non-number count and a choice that does not exist', () => {
    expect(refusalOf('imagine', 'a cat --size').context.problem).toBe('--size needs a value');
    expect(refusalOf('imagine', 'a cat --count two').context.problem).toBe(
      'count must be a whole number, not "two"',
    );
    expect(refusalOf('imagine', 'a cat --count 11').context.problem).toBe(
      'count must be from 1 to 10, not 11',
    );
    expect(refusalOf('imagine', 'a cat --model sdxl').context.problem).toMatch(
      /^model "sdxl" is not available: choose dall-e-2, /,
    );
  });

  it('requires the prompt', () => {
    expect(refusalOf('imagine', '  --size auto').context.problem).toBe('missing <prompt>');
  });

  it('parses subcommands with positional arguments and Slack user mentions', () => {
    expect(
      parseTextCommand(command('quota-admin'), 'user-limit 10 week <@U0123ABC|maria>', catalogue),
    ).toEqual({
      subcommand: 'user-limit',
      values: { limit: 10, period: 'week', user: 'U0123ABC' },
    });
    expect(parseTextCommand(command('quota-admin'), 'grant <@U0123ABC> 5', catalogue)).toEqual({
      subcommand: 'grant',
      values: { user: 'U0123ABC', amount: 5 },
    });
    expect(parseTextCommand(command('quota-admin'), 'reset', catalogue)).toEqual({
      subcommand: 'reset',
      values: {},
    });
  });

  it('shows every form of a command with subcommands when one is missing or unknown', () => {
    const refusal = refusalOf('quota-admin', 'limits 5');
    expect(refusal.context.problem).toBe(
      'unknown subcommand "limits": choose guild-limit, user-limit, grant, reset, show or report',
    );
    expect(refusal.context.usage).toEqual(usageLines(command('quota-admin')));
    expect(usageLines(command('quota-admin'))).toContain('/quota-admin grant @user <amount>');
    expect(refusalOf('quota-admin', '').context.problem).toBe('a subcommand is required');
  });

  it('refuses a user that is not a mention, and words left over', () => {
    expect(refusalOf('quota-admin', 'grant maria 5').context.problem).toBe(
      'user must be a user mention such as @name, not "maria"',
    );
    expect(refusalOf('quota-admin', 'guild-limit 10 day extra').context.problem).toBe(
      'period "day extra" is not available: choose day, week or month',
    );
    expect(refusalOf('quota', 'now please').context.problem).toBe('unexpected "now please"');
  });
});
