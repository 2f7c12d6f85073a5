/**
 * The one check of an option's value against its definition, for both ways values enter: typed
 * into Slack's text (then converted here from the word) and sent typed by Discord. A value that
 * passes is of the option's type and within its limits; anything else is a {@link CommandProblem}.
 */
import type { ModelCatalogue } from '#core/models.js';
import type { OptionDefinition, OptionValue } from './command-context.js';
import type { CommandProblem } from './command-problems.js';

export type Checked = { ok: true; value: OptionValue } | { ok: false; problem: CommandProblem };

/** Slack sends mentions as `<@U123>` or `<@U123|name>` when the command escapes them. */
const userMentionPattern = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
/** Channels likewise as `<#C123|name>`; a bare id is taken too. */
const channelMentionPattern = /^(?:<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|([CG][A-Z0-9]+))$/;
/** Plain decimal: `0x2`, `1e1`, `2.0`, `+2` and blank are not numbers a user means. */
const decimalPattern = /^-?\d+$/;

const refused = (problem: CommandProblem): Checked => ({ ok: false, problem });

/**
 * Checks a value that already has a JavaScript type. `maxLength` is Discord's ceiling on a string
 * option, checked only where `lengthChecked`; text commands leave a prompt's length to the model.
 */
export const checkOptionValue = (
  option: OptionDefinition,
  value: unknown,
  catalogue: ModelCatalogue,
  { lengthChecked }: { lengthChecked: boolean },
): Checked => {
  const { name } = option;
  if (option.type === 'integer') {
    if (typeof value !== 'number')
      return refused({ kind: 'wrongType', option: name, expected: 'integer' });
    if (!Number.isInteger(value))
      return refused({ kind: 'notWholeNumber', option: name, value: String(value) });
    if (
      !Number.isSafeInteger(value) ||
      (option.min !== undefined && value < option.min) ||
      (option.max !== undefined && value > option.max)
    )
      return refused({
        kind: 'outOfRange',
        option: name,
        value: String(value),
        min: option.min,
        max: option.max,
      });
    return { ok: true, value };
  }
  if (typeof value !== 'string')
    return refused({ kind: 'wrongType', option: name, expected: option.type });
  // Ids the platform resolved (a picked user, channel or role).
  if (option.type === 'user' || option.type === 'channel' || option.type === 'role')
    return { ok: true, value };
  const choices = option.choices?.(catalogue);
  if (choices !== undefined && choices.length > 0) {
    const choice = choices.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    if (choice === undefined)
      return refused({ kind: 'notAChoice', option: name, value, allowed: choices });
    return { ok: true, value: choice };
  }
  if (lengthChecked && option.maxLength !== undefined && [...value].length > option.maxLength)
    return refused({ kind: 'tooLong', option: name, max: option.maxLength });
  return { ok: true, value };
};

/** Converts one word of a text command to the option's type, then checks it. */
export const checkTextValue = (
  option: OptionDefinition,
  raw: string,
  catalogue: ModelCatalogue,
): Checked => {
  if (option.type === 'user') {
    const match = userMentionPattern.exec(raw);
    if (match?.[1] === undefined)
      return refused({ kind: 'notAMention', option: option.name, value: raw });
    return { ok: true, value: match[1] };
  }
  if (option.type === 'channel') {
    const match = channelMentionPattern.exec(raw);
    const channelId = match?.[1] ?? match?.[2];
    if (channelId === undefined)
      return refused({ kind: 'notAChannel', option: option.name, value: raw });
    return { ok: true, value: channelId };
  }
  if (option.type === 'role') return refused({ kind: 'discordOnly', option: option.name });
  if (option.type === 'integer' && !decimalPattern.test(raw))
    return refused({ kind: 'notWholeNumber', option: option.name, value: raw });
  const value = option.type === 'integer' ? Number(raw) : raw;
  return checkOptionValue(option, value, catalogue, { lengthChecked: false });
};
