/**
 * Parses a text command (Slack sends one string) against the same definitions Discord registers,
 * so both platforms accept the same options with the same names, choices and limits.
 * `/imagine a cat --size 1024x1024 --count 2`, `/quota-admin user-limit 10 day <@U123>`.
 */
import type { ModelCatalogue } from '#core/models.js';
import { UserError } from '#core/errors.js';
import { orList } from './messages.js';
import {
  optionsOf,
  type CommandDefinition,
  type OptionDefinition,
  type OptionValue,
  type ParsedOptions,
} from './command-context.js';

const flagPattern = /(^|\s)--([a-z][a-z-]*)(?:=(\S+)|\s+(?!--)(\S+))?/g;
/** Slack sends mentions as `<@U123>` or `<@U123|name>` when the command escapes them. */
const userMentionPattern = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

const placeholder = (option: OptionDefinition): string =>
  option.type === 'user' ? '@user' : `<${option.name}>`;

const usageOfOptions = (options: readonly OptionDefinition[]): string =>
  options
    .map((option) => {
      const shown = option.positional
        ? placeholder(option)
        : `--${option.name} ${option.type === 'integer' ? 'N' : option.name.toUpperCase().slice(0, 1)}`;
      return option.required ? shown : `[${shown}]`;
    })
    .join(' ');

/** One line per form of the command, generated from its definition. */
export const usageLines = (command: CommandDefinition): string[] =>
  command.subcommands === undefined
    ? [`/${command.name} ${usageOfOptions(command.options ?? [])}`.trimEnd()]
    : command.subcommands.map((sub) =>
        `/${command.name} ${sub.name} ${usageOfOptions(sub.options)}`.trimEnd(),
      );

const refuse = (command: CommandDefinition, problem: string): never => {
  throw new UserError('malformedCommand', { problem, usage: usageLines(command) });
};

const convert = (
  command: CommandDefinition,
  option: OptionDefinition,
  raw: string,
  catalogue: ModelCatalogue,
): OptionValue => {
  if (option.type === 'user') {
    const match = userMentionPattern.exec(raw);
    if (match?.[1] === undefined)
      return refuse(command, `${option.name} must be a user mention such as @name, not "${raw}"`);
    return match[1];
  }
  if (option.type === 'integer') {
    const value = Number(raw);
    if (!Number.isInteger(value))
      return refuse(command, `${option.name} must be a whole number, not "${raw}"`);
    if (
      (option.min !== undefined && value < option.min) ||
      (option.max !== undefined && value > option.max)
    ) {
      return refuse(
        command,
        `${option.name} must be from ${option.min ?? '…'} to ${option.max ?? '…'}, not ${value}`,
      );
    }
    return value;
  }
  const choices = option.choices?.(catalogue);
  if (choices !== undefined && choices.length > 0) {
    const choice = choices.find((candidate) => candidate.toLowerCase() === raw.toLowerCase());
    if (choice === undefined)
      return refuse(command, `${option.name} "${raw}" is not available: choose ${orList(choices)}`);
    return choice;
  }
  if (option.maxLength !== undefined && [...raw].length > option.maxLength) {
    return refuse(command, `${option.name} is longer than ${option.maxLength} characters`);
  }
  return raw;
};

/**
 * Returns the parsed options, or throws `UserError('malformedCommand', { problem, usage })` naming
 * what is wrong and showing the correct forms. Free text is kept as typed, apart from the
 * surrounding blanks: a prompt reaches the API byte-for-byte.
 */
export const parseTextCommand = (
  command: CommandDefinition,
  text: string,
  catalogue: ModelCatalogue,
): ParsedOptions => {
  let rest = text;
  let subcommand: string | undefined;
  if (command.subcommands !== undefined) {
    const [word = ''] = rest.trim().split(/\s+/, 1);
    const sub = command.subcommands.find(
      (candidate) => candidate.name === word.toLowerCase() || candidate.nameKo === word,
    );
    if (sub === undefined) {
      return refuse(
        command,
        word === ''
          ? 'a subcommand is required'
          : `unknown subcommand "${word}": choose ${orList(command.subcommands.map((s) => s.name))}`,
      );
    }
    subcommand = sub.name;
    rest = rest.trim().slice(word.length);
  }
  const options = optionsOf(command, subcommand);
  const values: Record<string, OptionValue | undefined> = {};

  rest = rest.replace(
    flagPattern,
    (_match, _lead: string, name: string, inline?: string, spaced?: string) => {
      const option = options.find((candidate) => candidate.name === name && !candidate.positional);
      if (option === undefined) {
        const flags = options
          .filter((candidate) => !candidate.positional)
          .map((candidate) => `--${candidate.name}`);
        return refuse(
          command,
          flags.length > 0
            ? `unknown option --${name}: use ${orList(flags)}`
            : `/${command.name} takes no --${name}`,
        );
      }
      const raw = inline ?? spaced;
      if (raw === undefined) return refuse(command, `--${name} needs a value`);
      values[name] = convert(command, option, raw, catalogue);
      // The blank before the flag goes with it, so the words around it close up as typed.
      return '';
    },
  );

  const positionals = options.filter((option) => option.positional);
  let remaining = rest.trim();
  positionals.forEach((option, index) => {
    if (remaining === '') return;
    const takesRest = index === positionals.length - 1 && option.type === 'string';
    const [word = ''] = remaining.split(/\s+/, 1);
    const raw = takesRest ? remaining : word;
    remaining = takesRest ? '' : remaining.slice(word.length).trim();
    values[option.name] = convert(command, option, raw, catalogue);
  });
  if (remaining !== '') return refuse(command, `unexpected "${remaining}"`);

  const missing = options.filter((option) => option.required && values[option.name] === undefined);
  if (missing.length > 0)
    return refuse(command, `missing ${orList(missing.map(placeholder), 'and')}`);
  return subcommand === undefined ? { values } : { subcommand, values };
};
