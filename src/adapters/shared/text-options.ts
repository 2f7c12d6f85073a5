/**
 * The one strict parser of text commands (Slack sends one string), against the same definitions
 * Discord registers, so every text command gets the same rules:
 *
 * - An optional subcommand word, then positional words, then flags. Flags are only a trailing run:
 *   the run starts at the first flag after which every word is a flag or the one value of the flag
 *   before it. Anything before the run is taken verbatim, so "a poster that says --count=2 in big
 *   letters" is all prompt, while "a poster --count 2" asks for two.
 * - `--name value` and `--name=value`; `—` and `–` (what phones and macOS make of `--`) count as
 *   `--`; names ignore case.
 * - Numbers are plain decimal integers. A repeated or unknown flag is refused, naming it.
 *
 * `/imagine a cat --size 1024x1024 --count 2`, `/quota-admin user-limit 10 day <@U123>`.
 */
import type { ModelCatalogue } from '#core/models.js';
import {
  optionsOf,
  parsedOptions,
  subcommandsOf,
  type CommandDefinition,
  type OptionDefinition,
  type OptionValue,
  type ParsedOptions,
} from './command-context.js';
import { MalformedCommandError, type CommandProblem } from './command-problems.js';
import { checkTextValue } from './option-values.js';

/** `--size`, `—size`, `–size=auto`: the dash, the name, and the value when written with `=`. */
const flagPattern = /^(?:--|\u2014|\u2013)([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/su;

interface Word {
  text: string;
  /** Where it starts in the text, so what precedes it can be kept as typed. */
  index: number;
  flag?: { name: string; inline?: string };
}

const wordsOf = (text: string): Word[] =>
  [...text.matchAll(/\S+/gu)].map((match) => {
    const flag = flagPattern.exec(match[0]);
    return {
      text: match[0],
      index: match.index,
      ...(flag && { flag: { name: (flag[1] ?? '').toLowerCase(), inline: flag[2] } }),
    };
  });

/**
 * Where the trailing run of flags starts (`words.length` when there is none). From the end
 * backwards, `runs[i]` says whether words i.. are flags each followed by at most one value.
 */
const flagRunStart = (words: readonly Word[]): number => {
  const runs: boolean[] = new Array<boolean>(words.length + 1).fill(false);
  runs[words.length] = true;
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i]!;
    if (word.flag === undefined) continue;
    const takesNext =
      word.flag.inline === undefined && i + 1 < words.length && words[i + 1]!.flag === undefined;
    runs[i] = runs[takesNext ? i + 2 : i + 1] ?? false;
  }
  const start = words.findIndex((word, i) => word.flag !== undefined && runs[i]);
  return start === -1 ? words.length : start;
};

const placeholder = (option: OptionDefinition): string =>
  option.type === 'user'
    ? '@user'
    : option.type === 'channel'
      ? '#channel'
      : option.type === 'role'
        ? '@role'
        : `<${option.name}>`;

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
  command.subcommands === undefined && command.groups === undefined
    ? [`/${command.name} ${usageOfOptions(command.options ?? [])}`.trimEnd()]
    : [
        ...(command.subcommands ?? []).map((sub) =>
          `/${command.name} ${sub.name} ${usageOfOptions(sub.options)}`.trimEnd(),
        ),
        ...(command.groups ?? []).flatMap((group) =>
          group.subcommands.map((sub) =>
            `/${command.name} ${group.name} ${sub.name} ${usageOfOptions(sub.options)}`.trimEnd(),
          ),
        ),
      ];

/**
 * Returns the parsed options, or throws a {@link MalformedCommandError} naming what is wrong and
 * showing the correct forms. Free text is kept as typed, apart from the surrounding blanks: a
 * prompt reaches the API byte-for-byte.
 */
export const parseTextCommand = (
  command: CommandDefinition,
  text: string,
  catalogue: ModelCatalogue,
): ParsedOptions => {
  const refuse = (problem: CommandProblem): never => {
    throw new MalformedCommandError(problem, usageLines(command));
  };
  let words = wordsOf(text);
  let group: string | undefined;
  let subcommand: string | undefined;
  const named = (word: Word | undefined) => (candidate: { name: string; nameKo: string }) =>
    word !== undefined &&
    (candidate.name === word.text.toLowerCase() || candidate.nameKo === word.text);
  if (command.subcommands !== undefined || command.groups !== undefined) {
    const inGroup = command.groups?.find(named(words[0]));
    if (inGroup !== undefined) {
      group = inGroup.name;
      words = words.slice(1);
    }
    const choices = subcommandsOf(command, group);
    const allowed = [
      ...choices.map((candidate) => candidate.name),
      ...(group === undefined ? (command.groups ?? []).map((candidate) => candidate.name) : []),
    ];
    const [first] = words;
    if (first === undefined) return refuse({ kind: 'missingSubcommand', allowed });
    const sub = choices.find(named(first));
    if (sub === undefined) return refuse({ kind: 'unknownSubcommand', value: first.text, allowed });
    subcommand = sub.name;
    words = words.slice(1);
  }
  const options = optionsOf(command, subcommand, group);
  const values: Record<string, OptionValue | undefined> = {};
  const take = (option: OptionDefinition, raw: string) => {
    const checked = checkTextValue(option, raw, catalogue);
    if (!checked.ok) return refuse(checked.problem);
    values[option.name] = checked.value;
  };

  const runStart = flagRunStart(words);
  const flags = options.filter((option) => !option.positional);
  for (let i = runStart; i < words.length; i++) {
    const { name, inline } = words[i]!.flag!;
    const option = flags.find((candidate) => candidate.name === name);
    if (option === undefined)
      return refuse({
        kind: 'unknownFlag',
        flag: `--${name}`,
        allowed: flags.map((candidate) => `--${candidate.name}`),
      });
    if (values[name] !== undefined) return refuse({ kind: 'repeatedFlag', flag: `--${name}` });
    const next = words[i + 1];
    const raw = inline ?? (next?.flag === undefined ? next?.text : undefined);
    if (raw === undefined || raw === '') return refuse({ kind: 'missingValue', flag: `--${name}` });
    if (inline === undefined) i += 1;
    take(option, raw);
  }

  const end = words[runStart]?.index ?? text.length;
  let remaining = text.slice(words[0]?.index ?? end, end).trim();
  const positionals = options.filter((option) => option.positional);
  positionals.forEach((option, index) => {
    if (remaining === '') return;
    const takesRest = index === positionals.length - 1 && option.type === 'string';
    const [word = ''] = remaining.split(/\s+/u, 1);
    const raw = takesRest ? remaining : word;
    remaining = takesRest ? '' : remaining.slice(word.length).trim();
    // Text can say `none` where Discord's picker can only be left empty.
    if (option.type === 'channel' && !option.required && raw.toLowerCase() === 'none') return;
    take(option, raw);
  });
  if (remaining !== '') return refuse({ kind: 'unexpected', text: remaining });

  const missing = options.filter((option) => option.required && values[option.name] === undefined);
  if (missing.length > 0) return refuse({ kind: 'missing', options: missing.map(placeholder) });
  return parsedOptions(group, subcommand, values);
};
